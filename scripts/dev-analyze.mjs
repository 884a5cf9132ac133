#!/usr/bin/env node
// Dev harness for the rules: runs the analysis over unpacked corpus folders and prints per-rule
// hit counts (malicious vs benign), recall and false-positive figures and analysis time.
// Needs `npx tsc -p tsconfig.json` first. Unpack the corpus into /tmp, never into the repo:
//   /work/shared/corpus/unpack.sh malicious-dev /tmp/corpus/mal-dev   (and benign-dev, benign-debian)
//   node scripts/dev-analyze.mjs /tmp/corpus/mal-dev /tmp/corpus/ben-dev /tmp/corpus/ben-deb [--fp] [--miss] [--rule ID]
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { readDistribution } from '../dist/scan/archive/index.js';
import { DEFAULT_LIMITS } from '../dist/scan/limits.js';
import { analyze, wantsContent } from '../dist/scan/analyze/index.js';

const args = process.argv.slice(2);
const dirs = args.filter((a) => !a.startsWith('--') && !/^[a-z-]+$/.test(a));
const flag = (f) => args.includes(f);
const ruleFilter = args.includes('--rule') ? args[args.indexOf('--rule') + 1] : undefined;
const SEV = ['info', 'low', 'medium', 'high', 'critical'];
const stats = { malicious: { n: 0, blocked: 0, held: 0, fams: new Map() }, benign: { n: 0, blocked: 0, held: 0, fams: new Map() } };
const ruleHits = {}; // rule -> label -> sev -> count
const times = [];
const misses = [];
const fps = [];
const notBlocked = [];
for (const dir of dirs) {
  const every = Number(args.find((a) => a.startsWith('--every='))?.slice(8) ?? 1);
  const man = readFileSync(`${dir}/manifest.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((_, i) => i % every === 0);
  for (const m of man) {
    const path = `${dir}/${m.sha256}/${m.filename}`;
    let a;
    let ms = 0;
    try {
      const dist = await readDistribution(path, { filename: m.filename, sha256: m.sha256, limits: DEFAULT_LIMITS, wantsContent });
      const t = performance.now();
      a = analyze(dist);
      ms = performance.now() - t;
    } catch (e) {
      a = { verdict: 'error', score: 1, findings: [{ rule: 'read-error', severity: 'high', path: '', message: String(e.message) }] };
    }
    times.push(ms);
    if (ms > 1000) process.stderr.write(`slow: ${ms.toFixed(0)} ms ${m.filename}\n`);
    if (times.length % 250 === 0) process.stderr.write(`${times.length} files...\n`);
    const s = stats[m.label];
    s.n++;
    const blocked = a.verdict === 'malicious';
    const held = a.verdict !== 'clean';
    if (blocked) s.blocked++;
    if (held) s.held++;
    const fam = s.fams.get(m.family) ?? { held: false, blocked: false };
    fam.held ||= held;
    fam.blocked ||= blocked;
    s.fams.set(m.family, fam);
    const perRule = {};
    for (const f of a.findings) perRule[f.rule] = Math.max(perRule[f.rule] ?? 0, SEV.indexOf(f.severity));
    for (const [r, sv] of Object.entries(perRule)) {
      const x = ((ruleHits[r] ??= { malicious: [0, 0, 0, 0, 0], benign: [0, 0, 0, 0, 0] })[m.label][sv] += 1);
      void x;
    }
    const show = (lst) => lst.push({ file: m.filename, v: a.verdict, score: a.score, ms: ms.toFixed(1), f: a.findings.filter((f) => f.severity !== 'info' && (!ruleFilter || f.rule === ruleFilter)).map((f) => `${f.severity[0].toUpperCase()} ${f.rule} ${f.path.split('/').slice(-2).join('/')}:${f.line ?? ''} ${f.message.slice(0, 110)} | ${f.snippet ?? ''}`.slice(0, 260)) });
    if (m.label === 'benign' && held) show(fps);
    if (m.label === 'malicious' && !held) show(misses);
    if (m.label === 'malicious' && held && !blocked) show(notBlocked);
  }
}
const pct = (a, b) => (b ? ((100 * a) / b).toFixed(2) + '%' : '-');
console.log('rule                  | malicious  info/low/med/high/crit | benign info/low/med/high/crit');
for (const [r, h] of Object.entries(ruleHits).sort()) console.log(`${r.padEnd(22)}| ${h.malicious.join('/').padEnd(34)}| ${h.benign.join('/')}`);
for (const [label, s] of Object.entries(stats)) {
  const fams = [...s.fams.values()];
  console.log(`${label}: n=${s.n} blocked=${s.blocked} (${pct(s.blocked, s.n)}) held=${s.held} (${pct(s.held, s.n)}) families=${fams.length} famHeld=${pct(fams.filter((f) => f.held).length, fams.length)} famBlocked=${pct(fams.filter((f) => f.blocked).length, fams.length)}`);
}
times.sort((a, b) => a - b);
console.log(`analysis ms: p50=${times[Math.floor(times.length / 2)]?.toFixed(1)} p90=${times[Math.floor(times.length * 0.9)]?.toFixed(1)} p99=${times[Math.floor(times.length * 0.99)]?.toFixed(1)} max=${times[times.length - 1]?.toFixed(1)}`);
if (flag('--fp')) for (const x of fps) console.log(`FP ${x.v} ${x.score} ${x.file} ${x.ms}ms\n   ${x.f.join('\n   ')}`);
if (flag('--held')) for (const x of notBlocked) console.log(`HELD ${x.file}\n   ${x.f.join('\n   ')}`);
if (flag('--miss')) for (const x of misses) console.log(`MISS ${x.file}\n   ${x.f.join('\n   ')}`);
