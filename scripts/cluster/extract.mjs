// Extract the install-time call sequences of an unpacked corpus split once, for experiments:
//   node scripts/cluster/extract.mjs DEST OUT.jsonl      (DEST as laid out by corpus unpack.sh or build-benign-*.sh)
// One line per (file, view): sha256, label, family, kind, view, calls. Reads bytes only.
import { writeFileSync } from 'node:fs';
import { manifestFiles } from '../train/manifest.mjs';
import { readDistribution } from '../../dist/scan/archive/index.js';
import { DEFAULT_LIMITS } from '../../dist/scan/limits.js';
import { installCode, wantsInstallCode } from '../../dist/scan/cluster/install-code.js';
import { callSequence } from '../../dist/scan/cluster/calls.js';

const [dest, out] = process.argv.slice(2);
if (!dest || !out) {
  console.error('usage: extract.mjs DEST OUT.jsonl');
  process.exit(2);
}
const manifest = manifestFiles(dest);
const lines = [];
let failed = 0;
const t0 = Date.now();
for (const { m, path } of manifest) {
  let dist;
  try {
    const fmt = m.kind === 'wheel' ? 'wheel' : 'sdist-tar';
    dist = await readDistribution(path, {
      filename: m.filename,
      sha256: m.sha256,
      limits: DEFAULT_LIMITS,
      wantsContent: (p) => wantsInstallCode(p, fmt),
    });
  } catch (e) {
    failed++;
    continue;
  }
  for (const v of installCode(dist)) {
    const t1 = performance.now();
    const calls = callSequence(v.text);
    lines.push(JSON.stringify({ sha256: m.sha256, name: m.name, label: m.label, family: m.family, kind: m.kind, view: v.view, paths: v.paths, bytes: v.text.length, ms: +(performance.now() - t1).toFixed(2), calls }));
  }
}
writeFileSync(out, lines.join('\n') + '\n');
console.error(`${manifest.length} files, ${failed} unreadable, ${lines.length} views, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
