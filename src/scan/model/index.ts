// The learned classifier: one ONNX graph (models/pywarden-model.onnx, trained by `npm run train`)
// run with onnxruntime-node. The session is created once per scan process and reused; scoring
// one distribution is a single small batch on the CPU.
import * as ort from 'onnxruntime-node';
import { FEATURE_NAMES } from '../features/index.js';
import { MODEL_PATH } from './info.js';

export { MODEL_PATH, modelInfo, type ModelInfo } from './info.js';

// onnxruntime (1.30) collects telemetry when it creates its environment; on Linux that runs GCC's
// std::regex, which recurses once per character, over strings that include /proc/self/cmdline.
// `pywarden scan wheelhouse/*.whl` with ~400 paths (15 KB) overflowed a worker thread's stack and
// the process died with SIGSEGV (issue 10); the main thread died at ~1.4 MB. A scanner of untrusted
// code has no use for that telemetry either. Set before the first session creates the environment
// (the native side reads it with getenv, which process.env writes through to on the main thread).
process.env.ORT_DISABLE_TELEMETRY = '1';

let session: Promise<ort.InferenceSession> | undefined;

function load(path: string): Promise<ort.InferenceSession> {
  // Two cores shared by the scanner's workers: one intra-op thread per session is the fast path
  // for a 1-row batch (thread hand-off costs more than the graph).
  return ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
}

/** The session for the committed model, created on first use and shared afterwards. */
export function modelSession(path = MODEL_PATH): Promise<ort.InferenceSession> {
  if (!session) {
    session = load(path);
    session.catch(() => {
      session = undefined;
    });
  }
  return session;
}

/** Malicious probability in [0, 1] for one feature vector (FEATURE_NAMES order). */
export async function scoreModel(features: Float32Array): Promise<number> {
  const [s] = await scoreBatch([features]);
  return s;
}

export async function scoreBatch(rows: Float32Array[], sess?: ort.InferenceSession): Promise<number[]> {
  const n = FEATURE_NAMES.length;
  const flat = new Float32Array(rows.length * n);
  rows.forEach((r, i) => {
    if (r.length !== n) throw new Error(`model expects ${n} features, got ${r.length}`);
    flat.set(r, i * n);
  });
  const s = sess ?? (await modelSession());
  const out = await s.run({ features: new ort.Tensor('float32', flat, [rows.length, n]) });
  return Array.from(out.probability.data as Float32Array);
}
