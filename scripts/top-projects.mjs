#!/usr/bin/env node
// Regenerates config/top-projects.txt: the 5,000 most-downloaded PyPI projects (typosquatting
// targets), from ../shared/data/top-pypi-15000.tsv (rank<TAB>name), normalized per PEP 503.
//   node scripts/top-projects.mjs [TSV] [N]
import { readFileSync, writeFileSync } from 'node:fs';
const tsv = process.argv[2] ?? new URL('../../shared/data/top-pypi-15000.tsv', import.meta.url).pathname;
const n = Number(process.argv[3] ?? 5000);
const names = readFileSync(tsv, 'utf8')
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .filter((c) => c.length >= 2 && c[1].trim())
  .sort((a, b) => Number(a[0]) - Number(b[0]))
  .map((c) => c[1].trim().toLowerCase().replace(/[-_.]+/g, '-'))
  .slice(0, n);
writeFileSync(new URL('../config/top-projects.txt', import.meta.url), `# top ${n} PyPI projects by downloads, from ${tsv.split('/').pop()}; regenerate: node scripts/top-projects.mjs\n${names.join('\n')}\n`);
console.log(`wrote ${names.length} names`);
