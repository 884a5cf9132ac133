// Call sequence → fixed-length vector: hashed call n-grams (1..3) weighted by sublinear TF times
// IDF, then L2-normalised, so cosine similarity is a dot product. Chosen over a trained document
// embedding (MPHunter used 300-d doc2vec) because it needs no training run, embeds a script in
// microseconds, and its figures on the dev corpus are at least as good as the unigram bag it was
// compared with (docs/DETECTION.md, cluster section). Vectors are sparse: a setup.py has tens of
// distinct n-grams, so distances over thousands of scripts stay cheap.
import { categorySequence } from './categories.js';

export interface EmbedConfig {
  dims: number;
  /** Largest n-gram length (1 = bag of calls). */
  maxN: number;
  /** Largest n-gram length of the behaviour-category sequence (categories.ts); 0 = none. */
  catN: number;
}

export const DEFAULT_EMBED: EmbedConfig = { dims: 1024, maxN: 1, catN: 1 };

/** Sparse, L2-normalised vector: sorted indices with their weights. */
export interface SparseVec {
  idx: Uint32Array;
  val: Float32Array;
}

/** FNV-1a, 32 bit: stable across runs and platforms, so stored vectors stay valid. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Raw term counts per hashed bucket. */
export function hashedCounts(tokens: readonly string[], cfg: EmbedConfig = DEFAULT_EMBED): Map<number, number> {
  const counts = new Map<number, number>();
  addGrams(counts, tokens, '', cfg.maxN, cfg.dims);
  if (cfg.catN > 0) addGrams(counts, categorySequence(tokens), 'c', cfg.catN, cfg.dims);
  return counts;
}

function addGrams(counts: Map<number, number>, tokens: readonly string[], stream: string, maxN: number, dims: number): void {
  for (let i = 0; i < tokens.length; i++) {
    let gram = '';
    for (let n = 1; n <= maxN && i + n <= tokens.length; n++) {
      gram = n === 1 ? tokens[i] : `${gram}\u0001${tokens[i + n - 1]}`;
      const b = fnv1a(`${stream}${n}:${gram}`) % dims;
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
  }
}

/** IDF per bucket from reference documents: ln((1+N)/(1+df)) + 1 (smoothed, never zero). */
export function fitIdf(docs: readonly Map<number, number>[], dims: number): Float32Array {
  const df = new Uint32Array(dims);
  for (const d of docs) for (const b of d.keys()) df[b]++;
  const idf = new Float32Array(dims);
  for (let b = 0; b < dims; b++) idf[b] = Math.log((1 + docs.length) / (1 + df[b])) + 1;
  return idf;
}

export function weigh(counts: Map<number, number>, idf: Float32Array): SparseVec {
  const idx = [...counts.keys()].sort((a, b) => a - b);
  const val = new Float32Array(idx.length);
  let norm = 0;
  for (let i = 0; i < idx.length; i++) {
    const w = (1 + Math.log(counts.get(idx[i])!)) * idf[idx[i]];
    val[i] = w;
    norm += w * w;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < val.length; i++) val[i] /= norm;
  return { idx: Uint32Array.from(idx), val };
}

export function embed(tokens: readonly string[], idf: Float32Array, cfg: EmbedConfig = DEFAULT_EMBED): SparseVec {
  return weigh(hashedCounts(tokens, cfg), idf);
}

/** Dot product of two sorted sparse vectors (= cosine similarity, both being unit length). */
export function dot(a: SparseVec, b: SparseVec): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.idx.length && j < b.idx.length) {
    const x = a.idx[i];
    const y = b.idx[j];
    if (x === y) s += a.val[i++] * b.val[j++];
    else if (x < y) i++;
    else j++;
  }
  return s;
}

/** Cosine distance in [0, 1] (weights are non-negative). */
export function distance(a: SparseVec, b: SparseVec): number {
  const d = 1 - dot(a, b);
  return d < 0 ? 0 : d;
}

/** Dense scatter of one vector, for one-against-many products (`dotDense`). */
export function scatter(v: SparseVec, into: Float32Array): void {
  into.fill(0);
  for (let i = 0; i < v.idx.length; i++) into[v.idx[i]] = v.val[i];
}

export function dotDense(dense: Float32Array, v: SparseVec): number {
  let s = 0;
  for (let i = 0; i < v.idx.length; i++) s += dense[v.idx[i]] * v.val[i];
  return s;
}
