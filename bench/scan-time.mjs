// node bench/scan-time.mjs FOLDER... [--workers N] [--repeat R] [--skip-cli] [--against DIR] [--profile N]
// (after npm run build): the scan time of issue 11 for a set of distributions.
// 1. Per-file CPU time: every file scanned in this process, one at a time (the scanner of
//    `pywarden scan` without a pool), CPU time of the process around each scan (process.cpuUsage:
//    user + system, so other load on a shared machine counts far less than in wall time). The
//    parse cache is emptied before each file, so a file's figure is its own cost, not helped by
//    modules an earlier file shared. p50 / p90 / p99 / max and the ten slowest files.
// 2. The whole set as users run it: `pywarden scan --jsonl --workers N FOLDER` (default 2 workers),
//    wall time and the p50 / p90 / p99 of the per-file `ms` it prints; with --repeat R, R runs and
//    the median of each figure.
// --against DIR: another checkout of pywarden (its dist/ built, e.g. `git worktree add DIR <commit>`)
//    is scanned in the same process, alternating with this one file by file (so both see the same
//    load), in step 1: both CPU figures, and every file whose verdict, score, model score or
//    findings differ. A speed-up must leave that list empty. Step 2 is skipped.
// --profile N: after step 1, the N slowest files of this checkout are scanned again under the V8
//    CPU profiler (cache emptied before each, as in step 1): the profile is written to
//    $TMPDIR/scan-time.cpuprofile (open it in Chrome DevTools) and the functions with the most CPU,
//    by self time and with their callees, are printed (native code, tree-sitter's parse and cursor
//    included, shows as "(native)"). Step 2 is skipped.
// The load average is printed before and after: on a shared machine, quote it with the figures.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, loadavg } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i === -1) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const workers = Number(opt('--workers', 2));
const repeat = Number(opt('--repeat', 1));
const against = opt('--against', undefined);
const profileN = Number(opt('--profile', 0));
const skipCli = args.includes('--skip-cli') || against !== undefined || profileN > 0;
const folders = args.filter((a) => a !== '--skip-cli');
if (!folders.length) {
  console.error('usage: node bench/scan-time.mjs FOLDER... [--workers N] [--repeat R] [--skip-cli]');
  process.exit(2);
}

// The files `pywarden scan FOLDER` picks (archives by their first bytes), found by the same code.
const { collect } = await import(path.join(ROOT, 'dist/commands/scan.js'));
const files = [];
for (const f of folders) await collect(f, files);
const { createScanner } = await import(path.join(ROOT, 'dist/scan/scan.js'));
const { parseCache } = await import(path.join(ROOT, 'dist/scan/analyze/python.js'));

const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const med = (xs) => q(xs, 0.5);
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const dist = (xs) => `p50 ${fmt(q(xs, 0.5))} ms, p90 ${fmt(q(xs, 0.9))} ms, p99 ${fmt(q(xs, 0.99))} ms, max ${fmt(q(xs, 1))} ms`;

console.log(`${files.length} files in ${folders.join(' ')}; ${os.cpus().length} cores; load average ${loadavg()}`);

/** A checkout's in-thread scanner, and a way to empty its parse cache (older checkouts have none). */
async function checkout(root) {
  const scanner = (await import(path.join(root, 'dist/scan/scan.js'))).createScanner({});
  const cache = root === ROOT ? parseCache : (await import(path.join(root, 'dist/scan/analyze/python.js'))).parseCache;
  // Warm-up: loading the parser and the classifier is the scan process's start-up, not a file's cost.
  await scanner.scan({ path: files[0], filename: path.basename(files[0]) });
  return { root, scanner, cache, cpu: [] };
}
const runs = [await checkout(ROOT), ...(against ? [await checkout(path.resolve(against))] : [])];
const differ = [];
const outcome = (r) => JSON.stringify([r.verdict, r.score, r.model, r.findings]);
for (const [i, f] of files.entries()) {
  const results = [];
  // Alternate which checkout goes first, so neither always runs on a warmer cache.
  for (const run of i % 2 ? [...runs].reverse() : runs) {
    run.cache?.clear();
    const before = process.cpuUsage();
    const r = await run.scanner.scan({ path: f, filename: path.basename(f) });
    const d = process.cpuUsage(before);
    run.cpu.push({ file: f, ms: (d.user + d.system) / 1000, verdict: r.verdict });
    results.push(outcome(r));
  }
  if (results.length > 1 && results[0] !== results[1]) differ.push(f);
}
for (const run of runs) {
  const cpuMs = run.cpu.map((c) => c.ms);
  console.log(`${run.root}: per-file CPU, in process, one at a time: ${dist(cpuMs)}; total ${(cpuMs.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s`);
  for (const c of [...run.cpu].sort((a, b) => b.ms - a.ms).slice(0, 10)) console.log(`  ${fmt(c.ms).padStart(6)} ms  ${c.verdict.padEnd(10)} ${path.relative(process.cwd(), c.file)}`);
}
if (against) {
  console.log(`${differ.length} of ${files.length} files differ in verdict, score, model score or findings`);
  for (const f of differ) console.log(`  differs: ${f}`);
}
console.log(`load average ${loadavg()}`);

if (profileN > 0) {
  const slowest = [...runs[0].cpu].sort((a, b) => b.ms - a.ms).slice(0, profileN).map((c) => c.file);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  for (const f of slowest) {
    runs[0].cache?.clear();
    await runs[0].scanner.scan({ path: f, filename: path.basename(f) });
  }
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  const out = path.join(os.tmpdir(), 'scan-time.cpuprofile');
  writeFileSync(out, JSON.stringify(profile));
  console.log(`CPU profile of the ${slowest.length} slowest files -> ${out}`);
  printProfile(profile);
}

/** The functions with the most samples, by self time and with their callees (a function counted once per stack). */
function printProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = ({ callFrame: f }) => (f.url ? `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : f.functionName && f.functionName !== 'dispatch' ? f.functionName : '(native)');
  const self = new Map();
  const total = new Map();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    all += dt;
    const n = byId.get(id);
    self.set(name(n), (self.get(name(n)) ?? 0) + dt);
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const k = name(byId.get(x));
      if (!seen.has(k)) total.set(k, (total.get(k) ?? 0) + dt);
      seen.add(k);
    }
  });
  for (const [title, m] of [['self', self], ['with callees', total]]) {
    console.log(`  by ${title} (${(all / 1e6).toFixed(1)} s sampled):`);
    for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`    ${(t / 1e3).toFixed(0).padStart(7)} ms ${((100 * t) / all).toFixed(1).padStart(5)} %  ${k}`);
  }
}

if (!skipCli) {
  const runs = [];
  for (let k = 0; k < repeat; k++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/pywarden.js'), 'scan', '--jsonl', '--workers', String(workers), ...folders], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const wall = (performance.now() - t) / 1000;
    const ms = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).ms);
    if (ms.length !== files.length) console.log(`  run ${k + 1}: ${ms.length} results for ${files.length} files (exit ${r.status ?? r.signal})`);
    runs.push({ wall, p50: q(ms, 0.5), p90: q(ms, 0.9), p99: q(ms, 0.99) });
    console.log(`  run ${k + 1}: ${wall.toFixed(1)} s, per-file ms ${dist(ms)}; load average ${loadavg()}`);
  }
  const m = (k) => med(runs.map((r) => r[k]));
  console.log(`pywarden scan --jsonl --workers ${workers}, median of ${repeat}: whole set ${m('wall').toFixed(1)} s; per-file ms p50 ${fmt(m('p50'))}, p90 ${fmt(m('p90'))}, p99 ${fmt(m('p99'))}`);
}
