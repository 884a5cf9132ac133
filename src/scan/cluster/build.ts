// Building the reference model from labelled install scripts (`pywarden cluster --build-refs`)
// and re-clustering it with the haystack's scripts (`pywarden cluster`, batch).
import { hasCapability } from './capability.js';
import { DEFAULT_EMBED, fitIdf, hashedCounts, weigh, type EmbedConfig } from './embed.js';
import type { View } from './install-code.js';
import { buildView, DEFAULT_PARAMS, pruneMalicious, type HaystackEntry, type MaliciousRef, type ScriptScore } from './model.js';
import { DEFAULT_WEIGHTS } from './rank.js';
import type { ClusterModel } from './store.js';

/** Bump when extraction, embedding or scoring changes (stored haystack vectors become stale). */
export const CLUSTER_VERSION = 'cluster-1';

export interface LabelledScript {
  id: string;
  view: View;
  calls: string[];
  label: 'benign' | 'malicious';
  /** Family id for malicious scripts (corpus manifest `family`). */
  family?: string;
}

export interface BuildReport {
  view: View;
  benign: number;
  maliciousScripts: number;
  /** Malicious scripts with a payload capability (the rest carry a plain setup()). */
  withCapability: number;
  /** Distinct vectors after de-duplication and pruning against the benign references. */
  maliciousRefs: number;
  families: number;
  clusters: number;
  benignClusters: number;
  ms: number;
}

export function buildModel(scripts: readonly LabelledScript[], cfg: EmbedConfig = DEFAULT_EMBED, info: Record<string, unknown> = {}): { model: ClusterModel; report: BuildReport[] } {
  const model: ClusterModel = { version: CLUSTER_VERSION, embed: cfg, idf: {}, weights: DEFAULT_WEIGHTS, views: {}, info };
  const report: BuildReport[] = [];
  for (const view of ['setup', 'import'] as View[]) {
    const t0 = performance.now();
    const mine = scripts.filter((s) => s.view === view && s.calls.length > 0);
    const benign = mine.filter((s) => s.label === 'benign');
    const mal = mine.filter((s) => s.label === 'malicious');
    const capable = mal.filter((s) => hasCapability(s.calls));
    if (benign.length === 0) continue;
    const counts = new Map(mine.map((s) => [s, hashedCounts(s.calls, cfg)]));
    const idf = fitIdf([...benign, ...capable].map((s) => counts.get(s)!), cfg.dims);
    // One reference per distinct vector: campaigns repeat one script hundreds of times.
    const seen = new Set<string>();
    const refs: MaliciousRef[] = [];
    for (const s of capable) {
      const vec = weigh(counts.get(s)!, idf);
      const key = `${vec.idx.join(',')}|${Array.from(vec.val, (x) => x.toFixed(4)).join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      refs.push({ id: s.id, family: s.family ?? 'unknown', vec });
    }
    const entries: HaystackEntry[] = benign.map((s) => ({ id: s.id, vec: weigh(counts.get(s)!, idf), calls: s.calls.length, trusted: true, capable: hasCapability(s.calls) }));
    const pruned = pruneMalicious(refs, entries.map((e) => e.vec), cfg.dims);
    const res = buildView(entries, pruned, cfg.dims, DEFAULT_PARAMS, model.weights);
    model.idf[view] = idf;
    model.views[view] = res.model;
    report.push({
      view,
      benign: benign.length,
      maliciousScripts: mal.length,
      withCapability: capable.length,
      maliciousRefs: pruned.length,
      families: new Set(pruned.map((r) => r.family)).size,
      clusters: res.model.clusters,
      benignClusters: res.model.benignClusters,
      ms: Math.round(performance.now() - t0),
    });
  }
  return { model, report };
}

export interface ReclusterResult {
  model: ClusterModel;
  /** Scores of the seen scripts per view, keyed by entry id. */
  scores: Partial<Record<View, Map<string, ScriptScore>>>;
  ms: number;
}

/**
 * Re-cluster the trusted references of `refs` together with the haystack's scripts and return a
 * new model (for ranking held files) plus every haystack script's batch score.
 */
export function recluster(refs: ClusterModel, seen: Partial<Record<View, readonly HaystackEntry[]>>): ReclusterResult {
  const t0 = performance.now();
  const model: ClusterModel = { ...refs, views: {}, info: { ...refs.info, reclusteredAt: new Date().toISOString() } };
  const scores: ReclusterResult['scores'] = {};
  for (const [view, ref] of Object.entries(refs.views) as Array<[View, NonNullable<ClusterModel['views'][View]>]>) {
    const extra = seen[view] ?? [];
    const extraIds = new Set(extra.map((e) => e.id));
    const base: HaystackEntry[] = [];
    ref.points.forEach((vec, i) => {
      // `calls` only weighs an entry's own rank, and reference entries are not ranked here.
      if (ref.trusted[i] && !extraIds.has(ref.ids[i])) base.push({ id: ref.ids[i], vec, calls: vec.idx.length, trusted: true });
    });
    const all = [...base, ...extra];
    const res = buildView(all, ref.malicious, refs.embed.dims, ref.params, refs.weights);
    model.views[view] = res.model;
    const m = new Map<string, ScriptScore>();
    extra.forEach((e, i) => m.set(e.id, res.scores[base.length + i]));
    scores[view] = m;
  }
  return { model, scores, ms: performance.now() - t0 };
}
