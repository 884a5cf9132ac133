// The haystack model: a batch HDBSCAN over the benign references plus the install scripts added
// to the haystack (`buildView`), frozen into what scoring one held file's script for the review
// queue needs, in a few milliseconds (`scoreVector`): each point's vector, core distance and condensed-tree
// cluster, each cluster's highest density, which points sit in benign clusters, and the
// known-malicious vectors with their family ids.
import { distance, dotDense, scatter, type SparseVec } from './embed.js';
import { hdbscan, MIN_DISTANCE, type HdbscanOptions } from './hdbscan.js';
import { rankScore, DEFAULT_WEIGHTS, type RankTerms, type RankWeights } from './rank.js';

/** One install script in the haystack. Plain data, so any `HaystackStore` can persist it. */
export interface HaystackEntry {
  /** Stable id, e.g. the distribution's sha256. */
  id: string;
  vec: SparseVec;
  calls: number;
  /** A reference benign script or one a reviewer allowed: clusters made mostly of these are benign. */
  trusted: boolean;
  /** Calls something a payload needs (capability.ts); absent in entries stored before it existed. */
  capable?: boolean;
}

export interface MaliciousRef {
  id: string;
  family: string;
  vec: SparseVec;
}

export interface ViewModel {
  points: SparseVec[];
  ids: string[];
  /** 1 for reference benign scripts and scripts a reviewer allowed. */
  trusted: Uint8Array;
  core: Float32Array;
  /** Condensed-tree cluster each point fell out of. */
  parent: Int32Array;
  maxLambda: Float64Array;
  /** 1 when the point belongs to a benign flat cluster. */
  benign: Uint8Array;
  /** Trusted points (the "N benign install scripts" a finding quotes). */
  trustedCount: number;
  clusters: number;
  benignClusters: number;
  malicious: MaliciousRef[];
  params: HdbscanOptions;
}

export interface ScriptScore extends RankTerms {
  rank: number;
  nearestMalicious?: { family: string; similarity: number; id: string };
}

export const DEFAULT_PARAMS: HdbscanOptions = { minClusterSize: 2, minSamples: 3 };

export function pairwise(vecs: readonly SparseVec[], dims: number): Float32Array {
  const n = vecs.length;
  const dist = new Float32Array(n * n);
  const dense = new Float32Array(dims);
  for (let i = 0; i < n; i++) {
    scatter(vecs[i], dense);
    for (let j = i + 1; j < n; j++) {
      const d = Math.max(0, 1 - dotDense(dense, vecs[j]));
      dist[i * n + j] = d;
      dist[j * n + i] = d;
    }
  }
  return dist;
}

function nearestMalicious(dense: Float32Array, malicious: readonly MaliciousRef[], skipId?: string): ScriptScore['nearestMalicious'] {
  let best: MaliciousRef | undefined;
  let bestSim = -1;
  for (const m of malicious) {
    if (m.id === skipId) continue;
    const s = dotDense(dense, m.vec);
    if (s > bestSim) {
      bestSim = s;
      best = m;
    }
  }
  return best ? { family: best.family, similarity: Math.min(1, Math.max(0, bestSim)), id: best.id } : undefined;
}

export interface BatchResult {
  model: ViewModel;
  /** Scores of every haystack entry, in input order. */
  scores: ScriptScore[];
  labels: Int32Array;
  ms: number;
}

/**
 * Re-cluster the whole haystack (references + seen scripts) and score every entry: the batch
 * `pywarden cluster` runs. O(n²) time and memory (n = entries).
 */
export function buildView(
  entries: readonly HaystackEntry[],
  malicious: readonly MaliciousRef[],
  dims: number,
  params: HdbscanOptions = DEFAULT_PARAMS,
  weights: RankWeights = DEFAULT_WEIGHTS,
): BatchResult {
  const t0 = performance.now();
  const n = entries.length;
  const dist = pairwise(
    entries.map((e) => e.vec),
    dims,
  );
  const h = hdbscan(dist, n, params);
  // A flat cluster is benign when at least half of its members are trusted.
  const nClusters = h.labels.reduce((m, l) => Math.max(m, l + 1), 0);
  const trustedIn = new Int32Array(nClusters);
  const sizeOf = new Int32Array(nClusters);
  entries.forEach((e, i) => {
    const l = h.labels[i];
    if (l >= 0) {
      sizeOf[l]++;
      if (e.trusted) trustedIn[l]++;
    }
  });
  const benignCluster = Array.from(sizeOf, (s, l) => s > 0 && trustedIn[l] * 2 >= s);
  const benign = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (h.labels[i] >= 0 && benignCluster[h.labels[i]]) benign[i] = 1;
  // A trusted script is benign even when it is alone: with a few hundred benign references most
  // of them are singletons, and "nearest benign cluster" alone would ignore them (measured:
  // benign distance alone ranks 65/100 malicious in the top 10 this way, 55/100 without).
  entries.forEach((e, i) => (benign[i] = e.trusted || benign[i] ? 1 : 0));

  const dense = new Float32Array(dims);
  const scores: ScriptScore[] = entries.map((e, i) => {
    let bd = 1;
    const row = i * n;
    for (let j = 0; j < n; j++) if (j !== i && benign[j] && dist[row + j] < bd) bd = dist[row + j];
    scatter(e.vec, dense);
    const nm = nearestMalicious(dense, malicious, e.id);
    const terms: RankTerms = { outlier: h.outlier[i], benignDistance: bd, maliciousSimilarity: nm?.similarity ?? 0, calls: e.calls, capable: e.capable };
    return { ...terms, rank: rankScore(terms, weights), nearestMalicious: nm };
  });
  const model: ViewModel = {
    points: entries.map((e) => e.vec),
    ids: entries.map((e) => e.id),
    trusted: Uint8Array.from(entries, (e) => (e.trusted ? 1 : 0)),
    core: h.core,
    parent: h.parent,
    maxLambda: h.maxLambda,
    benign,
    trustedCount: entries.filter((e) => e.trusted).length,
    clusters: nClusters,
    benignClusters: benignCluster.filter(Boolean).length,
    malicious: [...malicious],
    params,
  };
  return { model, scores, labels: h.labels, ms: performance.now() - t0 };
}

/**
 * Score one new script against a frozen model, as HDBSCAN's approximate prediction does: its
 * core distance among the points, the point it would join by mutual reachability, and the GLOSH
 * score that λ gives inside that point's cluster. Linear in the number of points.
 */
export function scoreVector(
  model: ViewModel,
  { vec, calls, capable }: Pick<HaystackEntry, 'vec' | 'calls' | 'capable'>,
  dims: number,
  weights: RankWeights = DEFAULT_WEIGHTS,
): ScriptScore {
  const dense = new Float32Array(dims);
  scatter(vec, dense);
  const n = model.points.length;
  const d = new Float32Array(n);
  let bd = 1;
  for (let j = 0; j < n; j++) {
    d[j] = Math.max(0, 1 - dotDense(dense, model.points[j]));
    if (model.benign[j] && d[j] < bd) bd = d[j];
  }
  let outlier = 1;
  if (n > 0) {
    // The new point counts itself among its min_samples neighbours, as in the batch.
    const k = Math.max(1, Math.min(model.params.minSamples - 1, n));
    const floor = model.params.minDistance ?? MIN_DISTANCE;
    const core = Math.max(floor, Float32Array.from(d).sort()[k - 1]);
    let best = -1;
    let bestMr = Infinity;
    for (let j = 0; j < n; j++) {
      const mr = Math.max(d[j], core, model.core[j]);
      if (mr < bestMr) {
        bestMr = mr;
        best = j;
      }
    }
    const c = model.parent[best];
    const ml = c >= 0 ? model.maxLambda[c] : 0;
    const lambda = 1 / Math.max(bestMr, floor);
    outlier = ml > 0 ? Math.min(1, Math.max(0, (ml - lambda) / ml)) : 1;
  }
  const nm = nearestMalicious(dense, model.malicious);
  const terms: RankTerms = { outlier, benignDistance: bd, maliciousSimilarity: nm?.similarity ?? 0, calls, capable };
  return { ...terms, rank: rankScore(terms, weights), nearestMalicious: nm };
}

/** Exact cosine distance between two stored vectors (for tests and findings). */
export { distance };

/**
 * Known-malicious references that are near-copies of a benign reference are dropped: typosquats
 * ship the real project's setup.py and hide the payload in a module (`fabrice` carries fabric's
 * setup.py), and such a reference would make the real project look malicious.
 */
export function pruneMalicious(malicious: readonly MaliciousRef[], benign: readonly SparseVec[], dims: number, maxSimilarity = 0.9): MaliciousRef[] {
  const dense = new Float32Array(dims);
  return malicious.filter((m) => {
    scatter(m.vec, dense);
    for (const b of benign) if (dotDense(dense, b) >= maxSimilarity) return false;
    return true;
  });
}
