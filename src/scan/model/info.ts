// Where the committed model lives and its hash, without loading onnxruntime: SCANNER_VERSION
// needs the hash in every process, the ONNX session only where scans run.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MODEL_PATH = fileURLToPath(new URL('../../../models/pywarden-model.onnx', import.meta.url));

export interface ModelInfo {
  path: string;
  /** sha256 of the model file; part of SCANNER_VERSION so a new model re-evaluates cached verdicts. */
  sha256: string;
  bytes: number;
}

let info: ModelInfo | undefined;

/** Hash of the committed model, computed once from its bytes (synchronous: SCANNER_VERSION is a constant). */
export function modelInfo(path = MODEL_PATH): ModelInfo {
  if (info && info.path === path) return info;
  const bytes = readFileSync(path);
  info = { path, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  return info;
}
