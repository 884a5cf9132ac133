// Install-script outlier ranking (MPHunter, Liang et al., ASE 2023), the public face. What it does
// today: it orders the review queue. After a file is held, src/review/rank.ts scores its
// install-time code (in a scan process) and stores the rank the queue's "outlier rank" order
// sorts by. It feeds no verdict: nothing is held, blocked or served because of it.
//   scoreInstallScript(dist)  rank one held distribution's install-time code against the model in
//                             a few milliseconds (null when it has none);
//   embedInstallScript(dist)  haystack entries, for `pywarden cluster --add` (a JSON lines file);
//   recluster(refs, seen)     the batch (`pywarden cluster`): new model + scores of seen scripts;
//   clusterFinding(score)     a reviewer's sentence for a score.
// The model is models/cluster-refs.json (built by `pywarden cluster --build-refs`) unless
// `useClusterModel` installs another one; the serving process installs none.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Distribution } from '../archive/types.js';
import type { Finding, Severity } from '../types.js';
import { callSequence } from './calls.js';
import { hasCapability } from './capability.js';
import { embed } from './embed.js';
import { installCode, type View } from './install-code.js';
import { scoreVector, type HaystackEntry } from './model.js';
import { loadModel, type ClusterModel } from './store.js';
import { entryFromJson, entryToJson, type HaystackStore, type StoredEntry } from './haystack.js';

export { wantsInstallCode, installCode, type View } from './install-code.js';
export { callSequence } from './calls.js';
export { buildModel, recluster, CLUSTER_VERSION, type LabelledScript, type BuildReport, type ReclusterResult } from './build.js';
export { loadModel, saveModel, modelToJson, modelFromJson, type ClusterModel } from './store.js';
export type { HaystackEntry, ScriptScore } from './model.js';
export { rankScore, type RankTerms, type RankWeights } from './rank.js';
export { entryToJson, entryFromJson, MemoryHaystack, FileHaystack, type HaystackStore, type StoredEntry } from './haystack.js';

export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../../models/cluster-refs.json', import.meta.url));

export interface InstallScriptScore {
  /** MPHunter rank score in [0, 1]: higher = review first. */
  rank: number;
  /** GLOSH outlier score in [0, 1]. */
  outlier: number;
  /** Cosine distance to the nearest benign install script, in [0, 1]. */
  benignDistance: number;
  nearestMalicious?: { family: string; similarity: number };
  /** Calls in the scored sequence. */
  calls: number;
  /** Which code was scored: `setup` (setup.py and build hooks) or `import` (.pth, package __init__). */
  view: View;
  /** Members the code came from. */
  paths: string[];
  /** Benign install scripts in the model for this view (for the finding's sentence). */
  benignScripts: number;
}

let current: ClusterModel | undefined;

/** Use this model from now on instead of models/cluster-refs.json (tests, and `pywarden cluster`'s own runs). */
export function useClusterModel(model: ClusterModel): void {
  current = model;
}

export function clusterModel(): ClusterModel {
  if (!current) {
    if (!existsSync(DEFAULT_MODEL_PATH)) throw new Error(`cluster model missing: ${DEFAULT_MODEL_PATH} (run "npm run cluster-refs")`);
    current = loadModel(DEFAULT_MODEL_PATH);
  }
  return current;
}

/** The install-time code of `dist` embedded per view, ready for the haystack. */
export function embedInstallScript(dist: Distribution, trusted = false, model: ClusterModel = clusterModel()): Array<{ view: View; entry: HaystackEntry; paths: string[] }> {
  const out: Array<{ view: View; entry: HaystackEntry; paths: string[] }> = [];
  for (const code of installCode(dist)) {
    const idf = model.idf[code.view];
    if (!idf) continue;
    const calls = callSequence(code.text);
    if (calls.length === 0) continue;
    out.push({ view: code.view, paths: code.paths, entry: { id: dist.sha256 || dist.filename, vec: embed(calls, idf, model.embed), calls: calls.length, trusted, capable: hasCapability(calls) } });
  }
  return out;
}

/**
 * Rank a distribution's install-time code against the model. Both views are scored and the higher
 * rank is returned: a wheel only has the import view, a typosquat sdist may hide its payload in
 * either. Null when the distribution has no install-time code with a call in it.
 */
export function scoreInstallScript(dist: Distribution, model: ClusterModel = clusterModel()): InstallScriptScore | null {
  let best: InstallScriptScore | null = null;
  for (const { view, entry, paths } of embedInstallScript(dist, false, model)) {
    const vm = model.views[view];
    if (!vm) continue;
    const s = scoreVector(vm, entry, model.embed.dims, model.weights);
    const r: InstallScriptScore = {
      rank: s.rank,
      outlier: s.outlier,
      benignDistance: s.benignDistance,
      nearestMalicious: s.nearestMalicious ? { family: s.nearestMalicious.family, similarity: s.nearestMalicious.similarity } : undefined,
      calls: entry.calls,
      view,
      paths,
      benignScripts: vm.trustedCount,
    };
    if (!best || r.rank > best.rank) best = r;
  }
  return best;
}

/**
 * The finding a reviewer reads. Severity stays at most `medium`: the rank orders the review queue
 * and feeds the classifier; on its own it is not evidence enough to block (DETECTION.md: block
 * only on overwhelming evidence).
 */
export function clusterFinding(s: InstallScriptScore): Finding {
  const severity: Severity = s.rank >= 0.8 ? 'medium' : s.rank >= 0.6 ? 'low' : 'info';
  const what = s.view === 'setup' ? 'this install script' : 'this import-time code';
  const unlike =
    s.benignDistance >= 0.5
      ? `is unlike any of ${s.benignScripts} benign ones (nearest at distance ${s.benignDistance.toFixed(2)})`
      : `resembles benign ones (nearest of ${s.benignScripts} at distance ${s.benignDistance.toFixed(2)})`;
  const mal = s.nearestMalicious ? ` and ${s.nearestMalicious.similarity.toFixed(2)} similar to known malicious family ${s.nearestMalicious.family}` : '';
  return {
    rule: 'install-script-outlier',
    severity,
    path: s.paths[0] ?? '',
    message: `${what[0].toUpperCase()}${what.slice(1)} ${unlike}${mal}; outlier rank ${s.rank.toFixed(2)} (${s.calls} calls).`,
  };
}

/** Embed a scanned distribution's install-time code and add it to the haystack; returns what was stored. */
export function addToHaystack(store: HaystackStore, dist: Distribution, trusted = false, model: ClusterModel = clusterModel()): StoredEntry[] {
  const stored = embedInstallScript(dist, trusted, model).map(({ view, entry }) => entryToJson(view, entry, model.version));
  for (const s of stored) store.add(s);
  return stored;
}

/** The haystack entries of one view that were embedded with this model version. */
export function haystackEntries(store: HaystackStore, view: View, model: ClusterModel = clusterModel()): HaystackEntry[] {
  return store
    .list(view)
    .filter((s) => s.version === model.version)
    .map(entryFromJson);
}
