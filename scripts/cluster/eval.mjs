// MPHunter's evaluation protocol on the dev corpus (docs/DETECTION.md, cluster section):
// mix 10 held-out malicious install scripts into every benign one the corpus holds, rank them,
// count malicious in the top 10 and top 3; ten draws, each holding out one tenth of the malicious
// families (by a hash of the family id) from the malicious references and the IDF.
//
//   node scripts/cluster/extract.mjs $SCRATCH/ben-dev $SCRATCH/ben.jsonl
//   node scripts/cluster/extract.mjs $SCRATCH/mal-dev $SCRATCH/mal.jsonl
//   node scripts/cluster/eval.mjs $SCRATCH/ben.jsonl $SCRATCH/mal.jsonl [--view setup] [--dims 1024] [--maxN 3]
//        [--min-samples 3] [--draws 10] [--all-malicious]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_EMBED, fnv1a, hashedCounts, fitIdf, weigh } from '../../dist/scan/cluster/embed.js';
import { buildView, pruneMalicious } from '../../dist/scan/cluster/model.js';
import { DEFAULT_WEIGHTS } from '../../dist/scan/cluster/rank.js';
import { hasCapability } from '../../dist/scan/cluster/capability.js';

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    view: { type: 'string', default: 'setup' },
    dims: { type: 'string', default: '1024' },
    maxN: { type: 'string', default: String(DEFAULT_EMBED.maxN) },
    catN: { type: 'string', default: String(DEFAULT_EMBED.catN) },
    'min-samples': { type: 'string', default: '3' },
    'min-cluster-size': { type: 'string', default: '2' },
    draws: { type: 'string', default: '10' },
    'all-malicious': { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    'min-distance': { type: 'string', default: '0.1' },
    'idf-from': { type: 'string', default: 'all' },
    prune: { type: 'string', default: '0.9' },
    strict: { type: 'boolean', default: false },
    'w-malicious': { type: 'string', default: String(DEFAULT_WEIGHTS.malicious) },
    'w-malicious-small': { type: 'string', default: String(DEFAULT_WEIGHTS.maliciousSmall) },
    'w-glosh': { type: 'string', default: String(DEFAULT_WEIGHTS.glosh) },
  },
});
const [benFile, malFile] = positionals;
const cfg = { dims: +o.dims, maxN: +o.maxN, catN: +o.catN };
const params = { minClusterSize: +o['min-cluster-size'], minSamples: +o['min-samples'], minDistance: +o['min-distance'] };
const load = (f) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.view === o.view && r.calls.length > 0);
const benign = load(benFile);
const malicious = load(malFile);
for (const r of [...benign, ...malicious]) r.counts = hashedCounts(r.calls, cfg);

let seed = +o.seed;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed / 2 ** 32);

const W = { ...DEFAULT_WEIGHTS, malicious: +o['w-malicious'], maliciousSmall: +o['w-malicious-small'], glosh: +o['w-glosh'] };
const variants = {
  combined: W,
  'outlier only (GLOSH + benign distance)': { ...W, malicious: 0, maliciousSmall: 0 },
  'GLOSH only': { ...W, malicious: 0, maliciousSmall: 0, glosh: 1 },
  'benign distance only': { ...W, malicious: 0, maliciousSmall: 0, glosh: 0 },
  'malicious similarity only': { ...W, malicious: 1, maliciousSmall: 1 },
};
const tally = Object.fromEntries(Object.keys(variants).map((k) => [k, { top10: 0, top3: 0 }]));
const draws = +o.draws;
let clusterMs = 0;
const pool = o['all-malicious'] ? malicious : malicious.filter((r) => hasCapability(r.calls));
for (let d = 0; d < draws; d++) {
  const held = (r) => fnv1a(r.family) % draws === d;
  const refs = malicious.filter((r) => !held(r) && hasCapability(r.calls));
  const candidates = pool.filter(held);
  // One script per family, ten families.
  const byFam = new Map();
  for (const r of candidates) (byFam.get(r.family) ?? byFam.set(r.family, []).get(r.family)).push(r);
  const fams = [...byFam.keys()].sort();
  const picked = [];
  while (picked.length < 10 && fams.length) {
    const f = fams.splice(Math.floor(rand() * fams.length), 1)[0];
    const list = byFam.get(f);
    picked.push(list[Math.floor(rand() * list.length)]);
  }
  // --strict: the benign projects are split in two halves by name; one half is the trusted
  // reference set (benign clusters, IDF, pruning), the other half plays the new uploads, untrusted.
  // Default: every benign script is both reference and candidate, each one scored without itself.
  const half = (r) => fnv1a(r.name) % 2 === d % 2;
  const benRefs = o.strict ? benign.filter((r) => !half(r)) : benign;
  const benNew = o.strict ? benign.filter(half) : benign;
  const idf = fitIdf((o['idf-from'] === 'benign' ? benRefs : [...benRefs, ...refs]).map((r) => r.counts), cfg.dims);
  const malRefs = pruneMalicious(
    refs.map((r) => ({ id: r.sha256, family: r.family, vec: weigh(r.counts, idf) })),
    benRefs.map((r) => weigh(r.counts, idf)),
    cfg.dims,
    +o.prune,
  );
  if (d === 0) console.log(`draw 0: ${malRefs.length} malicious references after pruning (${refs.length} before), ${benRefs.length} benign references, ${benNew.length + picked.length} candidates`);
  const hay = [
    ...(o.strict ? benRefs.map((r) => ({ r, trusted: true, ref: true })) : []),
    ...benNew.map((r) => ({ r, trusted: !o.strict, ref: false })),
    ...picked.map((r) => ({ r, trusted: false, ref: false, mal: true })),
  ];
  const entries = hay.map(({ r, trusted }) => ({ id: r.sha256, vec: weigh(r.counts, idf), calls: r.calls.length, trusted }));
  for (const [name, w] of Object.entries(variants)) {
    const res = buildView(entries, malRefs, cfg.dims, params, w);
    if (name === 'combined') clusterMs += res.ms;
    const order = res.scores.map((s, i) => [s.rank, i]).filter(([, i]) => !hay[i].ref).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
    const isMal = (i) => hay[i].mal === true;
    tally[name].top10 += order.slice(0, 10).filter(isMal).length;
    tally[name].top3 += order.slice(0, 3).filter(isMal).length;
    if (name === 'combined' && process.env.VERBOSE) {
      const show = (i) => `${order.indexOf(i) + 1}:${hay[i].r.name}(${res.scores[i].rank.toFixed(2)})`;
      console.log(`draw ${d}: top 10 ${order.slice(0, 10).map((i) => (isMal(i) ? 'M' : 'b')).join('')}; malicious at`, order.filter(isMal).map(show).join(' '));
      console.log('  benign in the top 10:', order.slice(0, 10).filter((i) => !isMal(i)).map(show).join(' '));
    }
  }
}
console.log(`view ${o.view}: ${benign.length} benign install scripts, ${malicious.length} malicious (${pool.length} in the draw pool, ${new Set(pool.map((r) => r.family)).size} families), ${draws} draws of 10, embed ${JSON.stringify(cfg)}, hdbscan ${JSON.stringify(params)}`);
for (const [name, t] of Object.entries(tally)) console.log(`  ${name.padEnd(42)} top10 ${t.top10}/${draws * 10}  top3 ${t.top3}/${draws * 3}`);
console.log(`  batch cluster+score time per draw: ${(clusterMs / draws).toFixed(0)} ms`);
