// Records the rules' verdict for every file of the dev corpus (sha256 -> verdict, score), for the
// card's ablation and for choosing how the model's score joins the rules (src/scan/combine.ts).
// The rules have no training step, so these verdicts are out-of-sample. Bytes are only read.
// usage: node scripts/train/rules.mjs OUT.jsonl DIR ...
import { createWriteStream } from 'node:fs';
import { manifestFiles } from './manifest.mjs';
import { readDistribution } from '../../dist/scan/archive/index.js';
import { DEFAULT_LIMITS } from '../../dist/scan/limits.js';
import { analyze, wantsContent } from '../../dist/scan/analyze/index.js';
import { RULES_VERSION } from '../../dist/scan/version.js';

const [out, ...dirs] = process.argv.slice(2);
const w = createWriteStream(out);
w.write(JSON.stringify({ rulesVersion: RULES_VERSION }) + '\n');
let n = 0;
const started = Date.now();
for (const dir of dirs) {
  for (const { m, path } of manifestFiles(dir)) {
    let rules;
    try {
      const dist = await readDistribution(path, { filename: m.filename, sha256: m.sha256, limits: DEFAULT_LIMITS, wantsContent });
      const a = analyze(dist);
      // The findings too: the card joins them with the model's scores through combine.ts itself.
      rules = { verdict: a.verdict, score: a.score, findings: a.findings.filter((f) => f.severity !== 'info').map(({ rule, severity, path }) => ({ rule, severity, path, message: '' })) };
    } catch (err) {
      rules = { verdict: 'error', score: 0.5, findings: [] };
    }
    w.write(JSON.stringify({ sha256: m.sha256, ...rules }) + '\n');
    if (++n % 500 === 0) console.error(`rules: ${n} files, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}
await new Promise((r) => w.end(r));
console.error(`rules: ${n} files, ${((Date.now() - started) / 1000).toFixed(0)} s -> ${out}`);
