#!/usr/bin/env node
// npm run eval: the issue-3 figures, from scratch, by commands anyone can rerun.
//   1. unpack malicious-dev and benign-dev (../shared/corpus/unpack.sh) into a scratch folder
//      outside the repository, and build the Debian benign wheels (unpack.sh benign-debian);
//   2. run `pywarden scan --jsonl` over all of them in one process (whole-corpus wall time);
//   3. score with ../shared/eval/evaluate.mjs, unchanged, against the aims of issue 3;
//   4. print the figures and write them to docs/eval/latest.txt (and latest.json).
// Environment: TMPDIR (scratch root), BENIGN_WHEEL_CACHE (Debian wheel cache, as unpack.sh),
// EVAL_WORKERS (scan workers, default: cores), EVAL_SKIP_DEBIAN=1 (leave the Debian wheels out),
// EVAL_LIMIT=N (a quick check on the first N files of each split; docs/eval/ is then left alone).
// Samples are live malware: they are only unpacked (bytes) and read by the scanner, never run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(repoRoot, '../shared');
const corpus = join(shared, 'corpus');
const scratch = join(process.env.TMPDIR || tmpdir(), 'pywarden-eval');
const workers = Number(process.env.EVAL_WORKERS || availableParallelism());
// The aims of issue 3, passed to evaluate.mjs so it names every figure that falls short.
const AIMS = ['--max-fpr', '0', '--max-held-fpr', '0.02', '--min-held-recall', '0.97', '--min-recall', '0.85', '--max-p99-ms', '500'];

const log = (...a) => console.error('[eval]', ...a);
function loud(msg) {
  console.error(`\n${'!'.repeat(78)}\n!!! ${msg}\n${'!'.repeat(78)}\n`);
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  if (r.error) throw r.error;
  return r;
}

if (!existsSync(join(corpus, 'unpack.sh'))) {
  console.error(`eval: ${corpus} not found (the shared corpus must sit beside the repository)`);
  process.exit(2);
}
if (resolve(scratch).startsWith(repoRoot + '/')) {
  console.error(`eval: scratch ${scratch} is inside the repository; set TMPDIR elsewhere`);
  process.exit(2);
}
mkdirSync(scratch, { recursive: true });

// 1. Unpack.
const splits = [];
for (const split of ['malicious-dev', 'benign-dev']) {
  const dest = join(scratch, split);
  const r = run('bash', [join(corpus, 'unpack.sh'), split, dest], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    console.error(`eval: unpack.sh ${split} failed`);
    process.exit(2);
  }
  splits.push({ split, dest });
}
let debianNote = 'included';
if (process.env.EVAL_SKIP_DEBIAN === '1') {
  debianNote = 'left out (EVAL_SKIP_DEBIAN=1)';
  loud('benign-debian left out: EVAL_SKIP_DEBIAN=1; the benign figures cover benign-dev only');
} else {
  const dest = join(scratch, 'benign-debian');
  // build-benign-wheels.sh needs apt package lists; fetch them once if this machine has none.
  const lists = existsSync('/var/lib/apt/lists') ? readdirSync('/var/lib/apt/lists').filter((f) => f.includes('_Packages')) : [];
  if (lists.length === 0) {
    log('no apt package lists: running apt-get update once');
    run('apt-get', ['update'], { stdio: 'inherit' });
  }
  const r = run('bash', [join(corpus, 'unpack.sh'), 'benign-debian', dest], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status === 0 && existsSync(join(dest, 'manifest.jsonl'))) splits.push({ split: 'benign-debian', dest });
  else {
    debianNote = `MISSING (unpack.sh benign-debian exited ${r.status})`;
    loud(`benign-debian could not be built (needs apt-get and dpkg-deb); continuing WITHOUT the Debian wheels`);
  }
}

const limit = Number(process.env.EVAL_LIMIT || 0);
for (const s of splits) {
  s.manifest = join(s.dest, 'manifest.jsonl');
  if (limit > 0) {
    const lines = readFileSync(s.manifest, 'utf8').split('\n').filter(Boolean).slice(0, limit);
    s.manifest = join(scratch, `${s.split}.first-${limit}.jsonl`);
    writeFileSync(s.manifest, lines.join('\n') + '\n');
    s.files = lines.map((l) => JSON.parse(l)).map((e) => join(s.dest, e.sha256, e.filename));
  }
}
if (limit > 0) loud(`EVAL_LIMIT=${limit}: scoring a sample only; these are not the figures and docs/eval/ is not written`);

// 2. Scan everything in one run of the CLI, as a user would.
const results = join(scratch, 'results.jsonl');
const scanArgs = [join(repoRoot, 'bin/pywarden.js'), 'scan', '--jsonl', '--workers', String(workers), ...splits.flatMap((s) => s.files ?? [s.dest])];
log(`scanning ${splits.map((s) => s.split).join(', ')} with ${workers} workers`);
const t0 = performance.now();
const scan = run(process.execPath, scanArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
const wallSec = (performance.now() - t0) / 1000;
if (scan.status !== 0 && scan.status !== 1) {
  console.error(`eval: pywarden scan exited ${scan.status}`);
  process.exit(2);
}
writeFileSync(results, scan.stdout);
const rows = scan.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));

// 3. Score: overall, then per split (benign sets separately for their false-positive rates).
const manifests = splits.map((s) => s.manifest);
const evaluate = join(shared, 'eval/evaluate.mjs');
const score = (m, extra = []) => run(process.execPath, [evaluate, '--results', results, ...m.flatMap((x) => ['--manifest', x]), ...extra]);
const overall = score(manifests, AIMS);
const overallJson = JSON.parse(score(manifests, ['--json']).stdout);
const perSplit = splits.map((s) => ({ split: s.split, out: score([s.manifest]).stdout.trim() }));

// Extra figures evaluate.mjs does not print: verdicts per split and why files were unreadable.
const bySplit = new Map(splits.map((s) => [s.dest, { split: s.split, verdicts: {} }]));
const reasons = {};
for (const r of rows) {
  const s = [...bySplit.keys()].find((d) => r.file.startsWith(d + '/'));
  if (s) bySplit.get(s).verdicts[r.verdict] = (bySplit.get(s).verdicts[r.verdict] ?? 0) + 1;
  if (r.reason) {
    const k = r.reason.replace(/\d+/g, 'N').slice(0, 90);
    reasons[k] = (reasons[k] ?? 0) + 1;
  }
}
const ms = rows.map((r) => r.ms).sort((a, b) => a - b);
const pct = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];

// The reader alone (one thread, same files): how much of the scan time is reading the archive.
const { readDistribution } = await import(join(repoRoot, 'dist/scan/archive/index.js'));
const { DEFAULT_LIMITS } = await import(join(repoRoot, 'dist/scan/limits.js'));
const { wantsContent } = await import(join(repoRoot, 'dist/scan/analyze/index.js'));
const readMs = [];
const tRead = performance.now();
for (const s of splits) {
  for (const line of readFileSync(s.manifest, 'utf8').split('\n').filter(Boolean)) {
    const e = JSON.parse(line);
    const t = performance.now();
    await readDistribution(join(s.dest, e.sha256, e.filename), { filename: e.filename, sha256: e.sha256, limits: DEFAULT_LIMITS, wantsContent }).catch(
      () => undefined,
    );
    readMs.push(performance.now() - t);
  }
}
const readWall = (performance.now() - tRead) / 1000;
readMs.sort((a, b) => a - b);
const rpct = (p) => readMs[Math.min(readMs.length - 1, Math.floor(p * readMs.length))].toFixed(1);

const git = (...a) => run('git', a, { cwd: repoRoot }).stdout.trim();
const commit = git('rev-parse', '--short', 'HEAD');
const dirty = git('status', '--porcelain', '--untracked-files=no', '--', 'src').length > 0;
const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
const scannerVersion = (await import(join(repoRoot, 'dist/scan/version.js'))).SCANNER_VERSION;

const report = [
  `pywarden eval (issue 3): ${new Date().toISOString()}`,
  `commit ${commit}${dirty ? ' (with uncommitted changes in src/)' : ''}, package ${version}, scanner ${scannerVersion}`,
  `machine: ${availableParallelism()} cores, node ${process.version}; scan workers ${workers}`,
  `command: npm run eval   (scratch ${scratch}; Debian wheels ${debianNote})${limit ? `   EVAL_LIMIT=${limit}: A SAMPLE, NOT THE FIGURES` : ''}`,
  '',
  `whole corpus: ${rows.length} files scanned in ${wallSec.toFixed(1)} s wall (one "pywarden scan --jsonl" run)`,
  `scan time per file (ms, inside the scanner): p50 ${pct(0.5)}  p90 ${pct(0.9)}  p99 ${pct(0.99)}  max ${ms.at(-1)}`,
  `archive reading alone (one thread, same files): p50 ${rpct(0.5)} ms  p99 ${rpct(0.99)} ms  max ${rpct(1)} ms, ${readWall.toFixed(1)} s in all`,
  `load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (other work on the machine slows every figure above)`,
  '',
  'verdicts per split:',
  ...[...bySplit.values()].map((s) => `  ${s.split.padEnd(14)} ${JSON.stringify(s.verdicts)}`),
  Object.keys(reasons).length ? 'error reasons:' : 'error reasons: none',
  ...Object.entries(reasons)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([k, v]) => `  ${String(v).padStart(5)}  ${k}`),
  '',
  `== evaluate.mjs, all splits, against the issue-3 aims (${AIMS.join(' ')}) ==`,
  overall.stdout.trim(),
  '',
  ...perSplit.flatMap((p) => [`== evaluate.mjs, ${p.split} only ==`, p.out, '']),
].join('\n');

console.log(report);
if (limit > 0) {
  writeFileSync(join(scratch, 'report.txt'), report + '\n');
  log(`sample report in ${join(scratch, 'report.txt')}`);
  process.exit(overall.status ?? 1);
}
mkdirSync(join(repoRoot, 'docs/eval'), { recursive: true });
writeFileSync(join(repoRoot, 'docs/eval/latest.txt'), report + '\n');
writeFileSync(
  join(repoRoot, 'docs/eval/latest.json'),
  JSON.stringify({ date: new Date().toISOString(), commit, dirty, scannerVersion, workers, wallSec, files: rows.length, readOnly: { p50: +rpct(0.5), p99: +rpct(0.99), wallSec: readWall }, figures: overallJson }, null, 1) + '\n',
);
log('written docs/eval/latest.txt and docs/eval/latest.json');
process.exit(overall.status ?? 1);
