#!/usr/bin/env node
// Scores `pywarden scan --jsonl` output against a manifest, per group: files, blocked (verdict
// malicious), held (malicious, suspicious or error), clean; lists every held benign file and every
// clean malicious one with the rules that decided it. Used by scripts/precision/run.sh.
// usage: node scripts/precision/score.mjs NAME SCAN.jsonl MANIFEST.jsonl|- [GROUP_FIELD]
//   MANIFEST '-' means "all benign, one group" (the local mirror's wheels have no manifest).
import { readFileSync } from 'node:fs';

const [name, scanPath, manifestPath, groupField] = process.argv.slice(2);
if (!name || !scanPath || !manifestPath) {
  console.error('usage: score.mjs NAME SCAN.jsonl MANIFEST.jsonl|- [GROUP_FIELD]');
  process.exit(2);
}
const lines = (p) => readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const manifest = new Map(manifestPath === '-' ? [] : lines(manifestPath).map((m) => [m.sha256, m]));
const groups = new Map();
const notes = [];
for (const r of lines(scanPath)) {
  const m = manifest.get(r.sha256) ?? (manifestPath === '-' ? { label: 'benign', kind: /\.whl$/.test(r.file) ? 'wheel' : 'sdist' } : undefined);
  if (!m) continue;
  const g = `${name}${groupField ? ` ${m[groupField] ?? m.kind}` : ''}`;
  const c = groups.get(g) ?? groups.set(g, { files: 0, blocked: 0, held: 0, clean: 0, label: m.label }).get(g);
  c.files++;
  if (r.verdict === 'malicious') c.blocked++;
  if (r.verdict !== 'clean') c.held++;
  else c.clean++;
  const why = r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule}/${f.severity}`).slice(0, 4).join(' ');
  if (m.label === 'benign' && r.verdict !== 'clean') notes.push(`  ${r.verdict.padEnd(10)} ${r.file.split('/').pop()}: ${why}${r.reason ? ` (${r.reason.slice(0, 80)})` : ''}`);
  if (m.label === 'malicious' && r.verdict === 'clean') notes.push(`  clean      ${r.file.split('/').pop()} (${m.mutation ?? m.family})`);
}
const pct = (a, b) => (b ? ((100 * a) / b).toFixed(1) : '0.0');
for (const [g, c] of groups) {
  console.log(`${g.padEnd(34)} ${String(c.files).padStart(5)} files  blocked ${String(c.blocked).padStart(5)} (${pct(c.blocked, c.files)} %)  held ${String(c.held).padStart(5)} (${pct(c.held, c.files)} %)  clean ${c.clean}`);
}
if (notes.length) console.log(notes.join('\n'));
