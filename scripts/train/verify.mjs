// Checks that onnxruntime-node reproduces the training script's (numpy, float64) scores for every
// training row. usage: node scripts/train/verify.mjs MODEL.onnx SCORES.json [TOLERANCE=1e-4]
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const [model, scoresPath, tol = '1e-4'] = process.argv.slice(2);
const { x, score } = JSON.parse(readFileSync(scoresPath, 'utf8'));
const sess = await ort.InferenceSession.create(model);
const n = x[0].length;
const flat = new Float32Array(x.length * n);
x.forEach((r, i) => flat.set(r, i * n));
const out = await sess.run({ features: new ort.Tensor('float32', flat, [x.length, n]) });
const got = out.probability.data;
let worst = 0;
let at = -1;
for (let i = 0; i < x.length; i++) {
  const d = Math.abs(got[i] - score[i]);
  if (d > worst) {
    worst = d;
    at = i;
  }
}
console.log(JSON.stringify({ rows: x.length, maxAbsDiff: worst, worstRow: at, expected: score[at], got: got[at] }));
if (!(worst <= Number(tol))) {
  console.error(`verify: onnxruntime-node differs from the training scores by ${worst} (> ${tol})`);
  process.exit(1);
}
