// The learned classifier's view of one held file, for the reviewer: its score and the features
// that pushed it up most. Attribution by occlusion: each non-zero feature is set to 0 in turn and
// the drop in score is its contribution; all variants go through the model as one batch, so an
// item costs one small ONNX run. It runs in a scan process when there is one (the scanner's
// sideJob), so the serving process never loads onnxruntime. Loaded lazily: without the model file,
// items show no model view.
import { readDistribution } from '../scan/archive/index.js';
import { resolveLimits } from '../scan/limits.js';
import type { Distribution } from '../scan/archive/types.js';
import type { BlobStore } from '../store/blobs.js';
import type { FileRow } from '../store/metadata.js';
import type { ScanInput, Scanner } from '../scan/types.js';

interface FeaturesApi {
  FEATURE_NAMES: readonly string[];
  extractFeatures(dist: Distribution): Float32Array;
  featureWantsContent(path: string): boolean;
}
interface ModelApi {
  scoreBatch(rows: Float32Array[]): Promise<number[]>;
}

export interface ModelView {
  score: number;
  /** Features whose removal lowers the score most, largest first. */
  top: { feature: string; value: number; contribution: number }[];
}

const FEATURES_MODULE = '../scan/features/index.js';
const MODEL_MODULE = '../scan/model/index.js';
const TOP = 8;

/** The model view of a stored file, in a scan process when `scanner` has them. Never throws. */
export async function explainModel(blobs: BlobStore, file: FileRow, scanner?: Scanner): Promise<ModelView | null> {
  try {
    if (!file.stored || (await blobs.size(file.sha256)) === null) return null;
    const input: ScanInput = { path: blobs.path(file.sha256), filename: file.filename, sha256: file.sha256 };
    return (scanner?.sideJob ? await scanner.sideJob('explain', input) : await explainInput(input)) as ModelView | null;
  } catch {
    return null;
  }
}

/** The model view of one file, computed here. */
export async function explainInput(input: ScanInput): Promise<ModelView | null> {
  try {
    const [f, m] = (await Promise.all([import(FEATURES_MODULE as string), import(MODEL_MODULE as string)])) as [FeaturesApi, ModelApi];
    const dist = await readDistribution(input.path, {
      filename: input.filename,
      sha256: input.sha256,
      limits: resolveLimits(),
      wantsContent: (p) => f.featureWantsContent(p),
    });
    return await attribute(f.extractFeatures(dist), f.FEATURE_NAMES, (rows) => m.scoreBatch(rows));
  } catch {
    return null; // no model file, or a model for other features: the item simply has no model view
  }
}

/** Occlusion attribution: score the vector and every copy with one non-zero feature zeroed, in one batch. */
export async function attribute(base: Float32Array, names: readonly string[], scoreBatch: (rows: Float32Array[]) => Promise<number[]>, top = TOP): Promise<ModelView> {
  const nonZero = [...base.keys()].filter((i) => base[i] !== 0);
  const rows = [base, ...nonZero.map((i) => Float32Array.from(base, (v, j) => (j === i ? 0 : v)))];
  const scores = await scoreBatch(rows);
  const ranked = nonZero
    .map((i, k) => ({ feature: names[i], value: base[i], contribution: Math.round((scores[0] - scores[k + 1]) * 1000) / 1000 }))
    .filter((t) => t.contribution > 0)
    .sort((a, b) => b.contribution - a.contribution)
    .slice(0, top);
  return { score: Math.round(scores[0] * 1000) / 1000, top: ranked };
}
