// Extracts the model's feature vectors for the dev corpus (read-only: archives are read into
// memory by the scanner's own reader; nothing is unpacked, installed or run).
// usage: node scripts/train/features.mjs OUT.jsonl DIR[:label] ...
//   each DIR is an unpack.sh destination (DIR/manifest.jsonl + DIR/<sha256>/<filename>) or a
//   build-benign-*.sh output (DIR/manifest.jsonl + DIR/<filename>).
// Writes a header line {features} and one JSON line per file: {sha256, filename, label, family, kind, name, popular, x}.
import { createWriteStream } from 'node:fs';
import { manifestFiles } from './manifest.mjs';
import { readDistribution } from '../../dist/scan/archive/index.js';
import { DEFAULT_LIMITS } from '../../dist/scan/limits.js';
import { POPULAR_NAMES } from '../../dist/scan/features/popular-names.js';
import { FEATURES, extractFeatures, featureWantsContent } from '../../dist/scan/features/index.js';

const [out, ...dirs] = process.argv.slice(2);
if (!out || !dirs.length) {
  console.error('usage: node scripts/train/features.mjs OUT.jsonl DIR ...');
  process.exit(2);
}

// The scanner keeps exactly what the analysis asks for; train on the same view (the features'
// own list when the analysis is not built).
let analyzeWants;
try {
  ({ wantsContent: analyzeWants } = await import('../../dist/scan/analyze/index.js'));
} catch {
  console.error('features: analysis not built; using the features\' own content list');
}

const POPULAR = new Set(POPULAR_NAMES.map((n) => n.toLowerCase().replace(/[-_.]+/g, '-')));
// Same rule as src/scan/combine.ts: the name in the file name, normalized.
const popular = (filename) => POPULAR.has((/^(.+?)-\d/.exec(filename)?.[1] ?? filename).toLowerCase().replace(/[-_.]+/g, '-'));

const w = createWriteStream(out);
w.write(JSON.stringify({ features: FEATURES }) + '\n');
let n = 0;
let failed = 0;
const started = Date.now();
for (const dir of dirs) {
  for (const { m, path } of manifestFiles(dir)) {
    let dist;
    try {
      dist = await readDistribution(path, {
        filename: m.filename,
        sha256: m.sha256,
        limits: DEFAULT_LIMITS,
        wantsContent: analyzeWants ?? ((p) => featureWantsContent(p)),
      });
    } catch (err) {
      failed++;
      w.write(JSON.stringify({ sha256: m.sha256, filename: m.filename, label: m.label, family: m.family, kind: m.kind, error: String(err.code ?? err.message) }) + '\n');
      continue;
    }
    const x = Array.from(extractFeatures(dist));
    w.write(JSON.stringify({ sha256: m.sha256, filename: m.filename, label: m.label, family: m.family ?? `${m.label}:${m.name}`, kind: m.kind, name: m.name, popular: popular(m.filename), x }) + '\n');
    if (++n % 500 === 0) console.error(`features: ${n} files, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}
await new Promise((r) => w.end(r));
console.error(`features: ${n} files, ${failed} unreadable, ${((Date.now() - started) / 1000).toFixed(0)} s -> ${out}`);
