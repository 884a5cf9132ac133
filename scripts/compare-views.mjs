#!/usr/bin/env node
// node scripts/compare-views.mjs OTHER_CHECKOUT FOLDER... (after npm run build in both): the
// parsePython view of every Python member of every distribution in the folders, from this
// checkout and from another (say `git worktree add DIR <commit>`), compared as JSON. A change to
// the parser, the tree copy (src/scan/analyze/syntax-tree.ts) or the view's extraction that is
// meant to be a speed-up only must print "0 views differ". Reads bytes only, never runs them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [other, ...folders] = process.argv.slice(2);
if (!other || !folders.length) {
  console.error('usage: node scripts/compare-views.mjs OTHER_CHECKOUT FOLDER...');
  process.exit(2);
}
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (root, mod) => import(path.join(path.resolve(root), 'dist', mod));
const { collect } = await load(here, 'commands/scan.js');
const { readDistribution } = await load(here, 'scan/archive/index.js');
const { DEFAULT_LIMITS } = await load(here, 'scan/limits.js');
const { wantsContent } = await load(here, 'scan/analyze/index.js');
const mine = await load(here, 'scan/analyze/python.js');
const theirs = await load(other, 'scan/analyze/python.js');

const files = [];
for (const f of folders) await collect(f, files);
let sources = 0;
let bytes = 0;
let differ = 0;
let unreadable = 0;
for (const f of files) {
  let dist;
  try {
    dist = await readDistribution(f, { filename: path.basename(f), limits: DEFAULT_LIMITS, wantsContent });
  } catch {
    unreadable++;
    continue;
  }
  for (const m of dist.members) {
    if (!m.data || !/\.(py|pyw|pyx|pxi)$/i.test(m.path)) continue;
    const source = m.data.toString('utf8');
    // Both caches emptied: each view is parsed here, not taken from an earlier identical source.
    mine.parseCache.clear();
    theirs.parseCache.clear();
    sources++;
    bytes += source.length;
    if (JSON.stringify(mine.parsePython(source)) !== JSON.stringify(theirs.parsePython(source))) {
      differ++;
      if (differ <= 20) console.log(`differs: ${f} ${m.path}`);
    }
  }
}
console.log(`${files.length} distributions (${unreadable} unreadable), ${sources} Python files (${(bytes / 1048576).toFixed(0)} MiB of source): ${differ} views differ`);
