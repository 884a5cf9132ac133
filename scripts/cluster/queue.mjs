// How well the per-file rank orders a review queue (what the lead's queue uses): every dev file
// with install-time code, two folds; in fold f the benign projects and the malicious families with
// fnv1a(name or family) % 2 == f are unseen, the rest build the model (buildModel: capability
// filter, de-duplication, pruning). Each unseen file gets scoreInstallScript's rank (the higher of
// its views). Reports the AUC (probability that a malicious file outranks a benign one) and how
// many malicious files sit in the top of the queue.
//   node scripts/cluster/queue.mjs $S/ben+deb.jsonl $S/mal.jsonl   (files from extract.mjs)
import { readFileSync } from 'node:fs';
import { buildModel } from '../../dist/scan/cluster/build.js';
import { embed, fnv1a } from '../../dist/scan/cluster/embed.js';
import { scoreVector } from '../../dist/scan/cluster/model.js';
import { hasCapability } from '../../dist/scan/cluster/capability.js';

const [benFile, malFile] = process.argv.slice(2);
const load = (f) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.calls.length > 0);
const rows = [...load(benFile), ...load(malFile)];
const key = (r) => (r.label === 'benign' ? r.name : r.family);
const scored = [];
for (const f of [0, 1]) {
  const unseen = (r) => fnv1a(key(r)) % 2 === f;
  const { model } = buildModel(rows.filter((r) => !unseen(r)).map((r) => ({ id: r.sha256, view: r.view, calls: r.calls, label: r.label, family: r.family })));
  const byFile = new Map();
  for (const r of rows.filter(unseen)) {
    const vm = model.views[r.view];
    if (!vm) continue;
    const s = scoreVector(vm, { vec: embed(r.calls, model.idf[r.view], model.embed), calls: r.calls.length, capable: hasCapability(r.calls) }, model.embed.dims, model.weights);
    const prev = byFile.get(r.sha256);
    const entry = { label: r.label, view: r.view, rank: s.rank };
    if (!prev || s.rank > prev.rank) byFile.set(r.sha256, entry);
    byFile.set(`${r.view}:${r.sha256}`, entry); // per-view rows, reported separately
  }
  for (const [k, v] of byFile) scored.push({ k, ...v });
}
function report(name, list) {
  const mal = list.filter((x) => x.label === 'malicious').map((x) => x.rank);
  const ben = list.filter((x) => x.label === 'benign').map((x) => x.rank).sort((a, b) => a - b);
  // AUC by rank counting (ties count half).
  let wins = 0;
  for (const m of mal) {
    let lo = 0, hi = ben.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (ben[mid] < m) lo = mid + 1; else hi = mid; }
    let eq = lo; while (eq < ben.length && ben[eq] === m) eq++;
    wins += lo + (eq - lo) / 2;
  }
  const sorted = [...list].sort((a, b) => b.rank - a.rank);
  const top = (n) => sorted.slice(0, n).filter((x) => x.label === 'malicious').length;
  console.log(`${name}: ${mal.length} malicious, ${ben.length} benign files; AUC ${(wins / (mal.length * ben.length)).toFixed(3)}; malicious in top 100: ${top(100)}, top 500: ${top(500)}; benign files ranked above the median malicious: ${ben.filter((b) => b > mal.sort((a, c) => a - c)[Math.floor(mal.length / 2)]).length}`);
}
report('per file (max over views)', scored.filter((x) => !x.k.includes(':')));
report('setup view only', scored.filter((x) => x.k.startsWith('setup:')));
report('import view only', scored.filter((x) => x.k.startsWith('import:')));
