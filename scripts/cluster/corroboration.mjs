// Would a strong install-script outlier corroborate a hold (issue 11, item 8)? The policy asked
// about: a file the rules leave clean but with a concrete behaviour finding (low or above, not a
// name or metadata signal; the same signal the model needs to hold, src/scan/combine.ts) is held
// when its outlier rank reaches a threshold. This prints, per scan output and per threshold, how
// many such files that policy would hold, and the top candidates.
//   node scripts/cluster/corroboration.mjs BEN.jsonl MAL.jsonl SCAN.jsonl... [--folds 5]
// BEN/MAL: the reference scripts (extract.mjs over benign-dev + benign-debian, and malicious-dev).
// Ranks are held out: a file whose scripts are in BEN or MAL is ranked by a model built without its
// fold (folds by fnv1a of the project for benign, of the family for malicious); any other file
// (the long tail, the mirror) is read from the path in the scan output and ranked against a model
// of all references, as the shipped models/cluster-refs.json would rank it.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { buildModel } from '../../dist/scan/cluster/build.js';
import { embed, fnv1a } from '../../dist/scan/cluster/embed.js';
import { scoreVector } from '../../dist/scan/cluster/model.js';
import { hasCapability } from '../../dist/scan/cluster/capability.js';
import { installCode, wantsInstallCode } from '../../dist/scan/cluster/install-code.js';
import { callSequence } from '../../dist/scan/cluster/calls.js';
import { readDistribution } from '../../dist/scan/archive/index.js';
import { DEFAULT_LIMITS } from '../../dist/scan/limits.js';
import { CONTEXT_RULES } from '../../dist/scan/analyze/verdict.js';

const args = process.argv.slice(2);
const fi = args.indexOf('--folds');
const folds = fi === -1 ? 5 : Number(args.splice(fi, 2)[1]);
const [benFile, malFile, ...scans] = args;
if (!benFile || !malFile || scans.length === 0) {
  console.error('usage: corroboration.mjs BEN.jsonl MAL.jsonl SCAN.jsonl... [--folds N]');
  process.exit(2);
}
const load = (f) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.calls.length > 0);
const refs = [...load(benFile), ...load(malFile)];
const labelled = (rows) => rows.map((r) => ({ id: r.sha256, view: r.view, calls: r.calls, label: r.label, family: r.family }));
const rank = new Map(); // sha256 → the best of its views: { rank, view, family, similarity }
const score = (model, sha256, view, calls) => {
  const vm = model.views[view];
  if (!vm) return;
  const s = scoreVector(vm, { vec: embed(calls, model.idf[view], model.embed), calls: calls.length, capable: hasCapability(calls) }, model.embed.dims, model.weights);
  const prev = rank.get(sha256);
  if (!prev || s.rank > prev.rank) rank.set(sha256, { rank: s.rank, view, family: s.nearestMalicious?.family, similarity: s.nearestMalicious?.similarity });
};
const fold = (r) => fnv1a(r.label === 'benign' ? r.name : r.family) % folds;
for (let f = 0; f < folds; f++) {
  const { model } = buildModel(labelled(refs.filter((r) => fold(r) !== f)));
  for (const r of refs.filter((r) => fold(r) === f)) score(model, r.sha256, r.view, r.calls);
}
const inRefs = new Set(refs.map((r) => r.sha256));
const { model: full } = buildModel(labelled(refs));

/** The signal the model needs to hold a rules-clean file (src/scan/combine.ts `behaviour`). */
const signals = (r) => r.findings.filter((f) => !CONTEXT_RULES.has(f.rule) && f.rule !== 'model-score' && f.rule !== 'install-script-outlier' && f.severity !== 'info');
const THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9];
for (const scan of scans) {
  const rows = readFileSync(scan, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const candidates = rows.filter((r) => r.verdict === 'clean' && signals(r).length > 0);
  for (const r of candidates) {
    if (inRefs.has(r.sha256) || rank.has(r.sha256)) continue;
    const dist = await readDistribution(r.file, { filename: basename(r.file), sha256: r.sha256, limits: DEFAULT_LIMITS, wantsContent: (p) => wantsInstallCode(p) });
    for (const v of installCode(dist)) score(full, r.sha256, v.view, callSequence(v.text));
  }
  const ranked = candidates.filter((r) => rank.has(r.sha256)).sort((a, b) => rank.get(b.sha256).rank - rank.get(a.sha256).rank);
  console.log(`${basename(scan)}: ${rows.length} files, ${candidates.length} clean with a behaviour finding, ${ranked.length} of them with install-time code; held at rank ≥ ${THRESHOLDS.map((t) => `${t}: ${ranked.filter((r) => rank.get(r.sha256).rank >= t).length}`).join(', ')}`);
  for (const r of ranked.slice(0, 5)) {
    const k = rank.get(r.sha256);
    console.log(`  ${k.rank.toFixed(3)} ${k.view} ${basename(r.file)} (${signals(r).map((f) => `${f.rule} ${f.severity}`).join(', ')}; nearest malicious ${k.family ?? '-'} ${k.similarity?.toFixed(2) ?? ''})`);
  }
}
