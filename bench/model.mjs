// Model cost per distribution: feature extraction over an in-memory Distribution (the reader's
// output) and one ONNX run, measured on real dev-corpus files. Build first (npm run build).
// usage: node bench/model.mjs [N=200]    (needs ../shared/corpus; unpacks into a temp folder)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDistribution } from '../dist/scan/archive/index.js';
import { DEFAULT_LIMITS } from '../dist/scan/limits.js';
import { wantsContent } from '../dist/scan/analyze/index.js';
import { extractFeatures } from '../dist/scan/features/index.js';
import { MODEL_PATH, modelSession, scoreModel } from '../dist/scan/model/index.js';

const N = Number(process.argv[2] ?? 200);
const corpus = new URL('../../shared/corpus/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'pywarden-bench-model-'));
try {
  const files = [];
  for (const split of ['malicious-dev', 'benign-dev']) {
    execFileSync('bash', [join(corpus, 'unpack.sh'), split, join(dir, split)], { stdio: 'ignore' });
    const lines = readFileSync(join(dir, split, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const step = Math.max(1, Math.floor(lines.length / (N / 2)));
    for (let i = 0; i < lines.length && files.length < (split === 'malicious-dev' ? N / 2 : N); i += step) files.push(join(dir, split, lines[i].sha256, lines[i].filename));
  }
  const dists = [];
  for (const p of files) {
    try {
      dists.push(await readDistribution(p, { filename: p.split('/').pop(), sha256: '', limits: DEFAULT_LIMITS, wantsContent }));
    } catch {}
  }
  const t0 = performance.now();
  await modelSession();
  const load = performance.now() - t0;
  for (const d of dists.slice(0, 20)) await scoreModel(extractFeatures(d)); // warm-up
  const feat = [];
  const run = [];
  for (const d of dists) {
    const a = performance.now();
    const x = extractFeatures(d);
    const b = performance.now();
    await scoreModel(x);
    const c = performance.now();
    feat.push(b - a);
    run.push(c - b);
  }
  const q = (xs, p) => [...xs].sort((u, v) => u - v)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const both = feat.map((f, i) => f + run[i]);
  const r = (x) => Math.round(x * 1000) / 1000;
  console.log(JSON.stringify({
    files: dists.length,
    modelBytes: statSync(MODEL_PATH).size,
    sessionLoadMs: r(load),
    onnxRunMs: { median: r(q(run, 0.5)), p99: r(q(run, 0.99)), mean: r(run.reduce((s, x) => s + x, 0) / run.length) },
    featuresMs: { median: r(q(feat, 0.5)), p99: r(q(feat, 0.99)), mean: r(feat.reduce((s, x) => s + x, 0) / feat.length) },
    totalMs: { median: r(q(both, 0.5)), p99: r(q(both, 0.99)) },
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
