// The MPHunter rank score: how unlike the benign install scripts a script is (outlierness) and how
// like a known malicious one (similarity), mixed about 50/50 and shifted towards the malicious
// term for small scripts, whose few calls make any distance noisy (Liang et al., ASE 2023: outliers
// are ranked by their outlierness and their distance to known malicious instances).
// Either term alone found only 30-40 % in the paper; the cluster section of docs/DETECTION.md
// shows the same on this corpus.

export interface RankTerms {
  /** GLOSH outlier score in [0, 1]. */
  outlier: number;
  /** Cosine distance to the nearest member of a benign cluster, in [0, 1]. */
  benignDistance: number;
  /** Cosine similarity to the nearest known-malicious script, in [0, 1]; 0 without references. */
  maliciousSimilarity: number;
  /** Number of calls in the script's sequence. */
  calls: number;
  /** The script calls something a payload needs (capability.ts); unknown counts as capable. */
  capable?: boolean;
}

export interface RankWeights {
  /** Weight of the malicious term for a script of `smallCalls` calls or more. */
  malicious: number;
  /** Weight of the malicious term for an empty script; interpolated linearly down to `malicious`. */
  maliciousSmall: number;
  /** Size (in calls) from which a script counts as large. */
  smallCalls: number;
  /** Share of GLOSH (vs benign distance) inside the outlier term. */
  glosh: number;
}

export const DEFAULT_WEIGHTS: RankWeights = { malicious: 0.5, maliciousSmall: 0.8, smallCalls: 20, glosh: 0.5 };

/** Weight of the malicious-similarity term for a script of `calls` calls. */
export function maliciousWeight(calls: number, w: RankWeights = DEFAULT_WEIGHTS): number {
  if (calls >= w.smallCalls) return w.malicious;
  const t = Math.max(0, calls) / w.smallCalls;
  return w.maliciousSmall + (w.malicious - w.maliciousSmall) * t;
}

/** Outlierness: GLOSH and benign distance averaged (both in [0, 1]). */
export function outlierness(t: RankTerms, w: RankWeights = DEFAULT_WEIGHTS): number {
  return w.glosh * t.outlier + (1 - w.glosh) * t.benignDistance;
}

/**
 * A script that calls nothing a payload needs (no exec, process, network, decoding, host
 * information...) cannot carry an install-time payload in that code, however unusual it looks: its
 * rank is halved. Unseen small projects are loners with a plain `setup()` or an import-only
 * `__init__`, and without this they crowded the top of the queue (issue 11: in 5 draws of 10 unseen
 * malicious files among 500 unseen long-tail sdists, 44-47 of 50 in the top 10 without, 48-49 with;
 * docs/DETECTION.md, cluster section).
 */
export const INCAPABLE_FACTOR = 0.5;

/** rank = (1 − wₘ)·outlierness + wₘ·similarity, in [0, 1], halved for a script without a payload capability. */
export function rankScore(t: RankTerms, w: RankWeights = DEFAULT_WEIGHTS): number {
  const wm = maliciousWeight(t.calls, w);
  const r = ((1 - wm) * outlierness(t, w) + wm * t.maliciousSimilarity) * (t.capable === false ? INCAPABLE_FACTOR : 1);
  return Math.min(1, Math.max(0, r));
}
