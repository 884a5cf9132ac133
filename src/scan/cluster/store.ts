// The cluster model on disk (models/cluster-refs.json): one JSON document whose vectors are packed
// little-endian typed arrays in base64 (indices u16, weights f32), so ~3,000 reference vectors
// take a few hundred KB and load in milliseconds. Plain data in, plain data out.
import { readFileSync, writeFileSync } from 'node:fs';
import type { EmbedConfig, SparseVec } from './embed.js';
import type { HdbscanOptions } from './hdbscan.js';
import type { View } from './install-code.js';
import type { MaliciousRef, ViewModel } from './model.js';
import type { RankWeights } from './rank.js';

export const MODEL_FORMAT = 'pywarden-cluster/1';

export interface ClusterModel {
  /** Bump when extraction, embedding or scoring changes: stored vectors are then stale. */
  version: string;
  embed: EmbedConfig;
  /** IDF per view, fitted on that view's reference scripts; the haystack is embedded with it. */
  idf: Partial<Record<View, Float32Array>>;
  weights: RankWeights;
  views: Partial<Record<View, ViewModel>>;
  /** How the references were built (counts, source), for findings and docs. */
  info: Record<string, unknown>;
}

interface PackedVecs {
  n: number;
  offsets: string;
  idx: string;
  val: string;
}

const b64 = (a: ArrayBufferView): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function unb64<T>(s: string, Ctor: { new (b: ArrayBuffer): T }): T {
  const buf = Buffer.from(s, 'base64');
  // Copy into a fresh, aligned ArrayBuffer.
  const ab = new ArrayBuffer(buf.length);
  new Uint8Array(ab).set(buf);
  return new Ctor(ab);
}

export function packVecs(vecs: readonly SparseVec[]): PackedVecs {
  const offsets = new Uint32Array(vecs.length + 1);
  for (let i = 0; i < vecs.length; i++) offsets[i + 1] = offsets[i] + vecs[i].idx.length;
  const total = offsets[vecs.length];
  const idx = new Uint16Array(total);
  const val = new Float32Array(total);
  vecs.forEach((v, i) => {
    for (let k = 0; k < v.idx.length; k++) {
      if (v.idx[k] > 0xffff) throw new Error('cluster model: dimension above 65535 cannot be packed');
      idx[offsets[i] + k] = v.idx[k];
      val[offsets[i] + k] = v.val[k];
    }
  });
  return { n: vecs.length, offsets: b64(offsets), idx: b64(idx), val: b64(val) };
}

export function unpackVecs(p: PackedVecs): SparseVec[] {
  const offsets = unb64(p.offsets, Uint32Array);
  const idx = unb64(p.idx, Uint16Array);
  const val = unb64(p.val, Float32Array);
  const out: SparseVec[] = [];
  for (let i = 0; i < p.n; i++) out.push({ idx: Uint32Array.from(idx.subarray(offsets[i], offsets[i + 1])), val: val.slice(offsets[i], offsets[i + 1]) });
  return out;
}

interface ViewJson {
  points: PackedVecs;
  ids: string[];
  trusted: string;
  core: string;
  parent: string;
  maxLambda: number[];
  benign: string;
  trustedCount: number;
  clusters: number;
  benignClusters: number;
  params: HdbscanOptions;
  malicious: { vecs: PackedVecs; ids: string[]; families: string[] };
}

export function modelToJson(m: ClusterModel): string {
  const views: Record<string, ViewJson> = {};
  for (const [name, v] of Object.entries(m.views)) {
    if (!v) continue;
    views[name] = {
      points: packVecs(v.points),
      ids: v.ids,
      trusted: b64(v.trusted),
      core: b64(v.core),
      parent: b64(v.parent),
      maxLambda: Array.from(v.maxLambda),
      benign: b64(v.benign),
      trustedCount: v.trustedCount,
      clusters: v.clusters,
      benignClusters: v.benignClusters,
      params: v.params,
      malicious: { vecs: packVecs(v.malicious.map((x) => x.vec)), ids: v.malicious.map((x) => x.id), families: v.malicious.map((x) => x.family) },
    };
  }
  const idf = Object.fromEntries(Object.entries(m.idf).map(([k, v]) => [k, b64(v!)]));
  return JSON.stringify({ format: MODEL_FORMAT, version: m.version, embed: m.embed, idf, weights: m.weights, info: m.info, views });
}

export function modelFromJson(text: string): ClusterModel {
  const j = JSON.parse(text);
  if (j.format !== MODEL_FORMAT) throw new Error(`cluster model: expected format ${MODEL_FORMAT}, got ${String(j.format)}`);
  const views: Partial<Record<View, ViewModel>> = {};
  for (const [name, v] of Object.entries(j.views as Record<string, ViewJson>)) {
    const mv = unpackVecs(v.malicious.vecs);
    const malicious: MaliciousRef[] = mv.map((vec, i) => ({ vec, id: v.malicious.ids[i], family: v.malicious.families[i] }));
    views[name as View] = {
      points: unpackVecs(v.points),
      ids: v.ids,
      trusted: unb64(v.trusted, Uint8Array),
      core: unb64(v.core, Float32Array),
      parent: unb64(v.parent, Int32Array),
      maxLambda: Float64Array.from(v.maxLambda),
      benign: unb64(v.benign, Uint8Array),
      trustedCount: v.trustedCount,
      clusters: v.clusters,
      benignClusters: v.benignClusters,
      params: v.params,
      malicious,
    };
  }
  const idf = Object.fromEntries(Object.entries(j.idf as Record<string, string>).map(([k, v]) => [k, unb64(v, Float32Array)]));
  return { version: j.version, embed: j.embed, idf, weights: j.weights, views, info: j.info ?? {} };
}

export function saveModel(path: string, m: ClusterModel): void {
  writeFileSync(path, modelToJson(m) + '\n');
}

export function loadModel(path: string): ClusterModel {
  return modelFromJson(readFileSync(path, 'utf8'));
}
