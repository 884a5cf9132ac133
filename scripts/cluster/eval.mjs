// MPHunter's evaluation protocol on the dev corpus (docs/DETECTION.md, cluster section):
// mix 10 held-out malicious install scripts into every benign one the corpus holds, rank them,
// count malicious in the top 10 and top 3; ten draws, each holding out one tenth of the malicious
// families (by a hash of the family id) from the malicious references and the IDF.
//
//   node scripts/cluster/extract.mjs $SCRATCH/ben-dev $SCRATCH/ben.jsonl
//   node scripts/cluster/extract.mjs $SCRATCH/mal-dev $SCRATCH/mal.jsonl
//   node scripts/cluster/eval.mjs $SCRATCH/ben.jsonl $SCRATCH/mal.jsonl [--view setup] [--dims 1024] [--maxN 3]
//        [--min-samples 3] [--draws 10] [--all-malicious]
//        [--haystack $SCRATCH/longtail.jsonl --haystack-size 500]
//   --view both: files are ranked, each by the higher of its two views' ranks (what the review queue
//   and `pywarden cluster` do); candidates are files.
//   --haystack: the benign candidates are a fresh sample (per draw) of scripts nobody has seen, from
//   another set (the long tail of small real projects, issue 11); the first file is the trusted
//   references only.
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
    haystack: { type: 'string' },
    'no-capability': { type: 'boolean', default: false },
    'haystack-size': { type: 'string', default: '500' },
    'w-malicious': { type: 'string', default: String(DEFAULT_WEIGHTS.malicious) },
    'w-malicious-small': { type: 'string', default: String(DEFAULT_WEIGHTS.maliciousSmall) },
    'w-glosh': { type: 'string', default: String(DEFAULT_WEIGHTS.glosh) },
  },
});
const [benFile, malFile] = positionals;
const cfg = { dims: +o.dims, maxN: +o.maxN, catN: +o.catN };
const params = { minClusterSize: +o['min-cluster-size'], minSamples: +o['min-samples'], minDistance: +o['min-distance'] };
const VIEWS = o.view === 'both' ? ['setup', 'import'] : [o.view];
/** One entry per file: its scripts by view (only views with calls). */
function load(f) {
  const files = new Map();
  for (const l of readFileSync(f, 'utf8').trim().split('\n')) {
    const r = JSON.parse(l);
    if (!VIEWS.includes(r.view) || r.calls.length === 0) continue;
    r.counts = hashedCounts(r.calls, cfg);
    const file = files.get(r.sha256) ?? files.set(r.sha256, { sha256: r.sha256, name: r.name, family: r.family, views: {} }).get(r.sha256);
    file.views[r.view] = r;
  }
  return [...files.values()];
}
const benign = load(benFile);
const malicious = load(malFile);
const haystack = o.haystack ? load(o.haystack) : [];
const capable = (f) => Object.values(f.views).some((r) => hasCapability(r.calls));

let seed = +o.seed;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed / 2 ** 32);

/** `n` distinct files drawn at random (one per project), in the draw's seeded order. */
function sample(list, n) {
  const byName = new Map();
  for (const r of list) if (!byName.has(r.name)) byName.set(r.name, r);
  const pool = [...byName.values()];
  const out = [];
  while (out.length < n && pool.length) out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
  return out;
}

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
const pool = o['all-malicious'] ? malicious : malicious.filter(capable);
for (let d = 0; d < draws; d++) {
  const held = (r) => fnv1a(r.family) % draws === d;
  const refs = malicious.filter((r) => !held(r));
  const candidates = pool.filter(held);
  // One file per family, ten families.
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
  // --haystack: the whole first set is the reference, the candidates come from the haystack.
  // Default: every benign script is both reference and candidate, each one scored without itself.
  const half = (r) => fnv1a(r.name) % 2 === d % 2;
  const apart = o.strict || !!o.haystack;
  const benRefs = o.strict ? benign.filter((r) => !half(r)) : benign;
  const benNew = o.haystack ? sample(haystack, +o['haystack-size']) : o.strict ? benign.filter(half) : benign;
  const hay = [
    ...(apart ? benRefs.map((r) => ({ r, trusted: true, ref: true })) : []),
    ...benNew.map((r) => ({ r, trusted: !apart, ref: false })),
    ...picked.map((r) => ({ r, trusted: false, ref: false, mal: true })),
  ];
  // Each view is clustered on its own; a file ranks by its best view.
  const perView = VIEWS.map((view) => {
    const scripts = (set) => set.map((f) => f.views[view]).filter(Boolean);
    const malScripts = scripts(refs).filter((r) => hasCapability(r.calls));
    const idf = fitIdf((o['idf-from'] === 'benign' ? scripts(benRefs) : [...scripts(benRefs), ...malScripts]).map((r) => r.counts), cfg.dims);
    const malRefs = pruneMalicious(
      malScripts.map((r) => ({ id: r.sha256, family: r.family, vec: weigh(r.counts, idf) })),
      scripts(benRefs).map((r) => weigh(r.counts, idf)),
      cfg.dims,
      +o.prune,
    );
    if (d === 0) console.log(`draw 0, view ${view}: ${malRefs.length} malicious references after pruning (${malScripts.length} before), ${scripts(benRefs).length} benign references, ${scripts([...benNew, ...picked]).length} candidate scripts`);
    const at = hay.map((h, i) => [h.r.views[view], i]).filter(([r]) => r);
    const entries = at.map(([r, i]) => ({ id: r.sha256, vec: weigh(r.counts, idf), calls: r.calls.length, trusted: hay[i].trusted, capable: o['no-capability'] || hasCapability(r.calls) }));
    return { at, entries, malRefs };
  });
  for (const [name, w] of Object.entries(variants)) {
    const rank = new Float64Array(hay.length).fill(-1);
    for (const v of perView) {
      const res = buildView(v.entries, v.malRefs, cfg.dims, params, w);
      if (name === 'combined') clusterMs += res.ms;
      v.at.forEach(([, i], k) => (rank[i] = Math.max(rank[i], res.scores[k].rank)));
    }
    const order = hay.map((h, i) => i).filter((i) => !hay[i].ref && rank[i] >= 0).sort((a, b) => rank[b] - rank[a]);
    const isMal = (i) => hay[i].mal === true;
    tally[name].top10 += order.slice(0, 10).filter(isMal).length;
    tally[name].top3 += order.slice(0, 3).filter(isMal).length;
    if (name === 'combined' && process.env.VERBOSE) {
      const show = (i) => `${order.indexOf(i) + 1}:${hay[i].r.name}(${rank[i].toFixed(2)})`;
      console.log(`draw ${d}: top 10 ${order.slice(0, 10).map((i) => (isMal(i) ? 'M' : 'b')).join('')}; malicious at`, order.filter(isMal).map(show).join(' '));
      console.log('  benign in the top 10:', order.slice(0, 10).filter((i) => !isMal(i)).map(show).join(' '));
    }
  }
}
console.log(`view ${o.view}: ${benign.length} benign files${o.haystack ? ` as references, ${o['haystack-size']} unseen from ${haystack.length} per draw` : ''}, ${malicious.length} malicious (${pool.length} in the draw pool, ${new Set(pool.map((r) => r.family)).size} families), ${draws} draws of 10, embed ${JSON.stringify(cfg)}, hdbscan ${JSON.stringify(params)}`);
for (const [name, t] of Object.entries(tally)) console.log(`  ${name.padEnd(42)} top10 ${t.top10}/${draws * 10}  top3 ${t.top3}/${draws * 3}`);
console.log(`  batch cluster+score time per draw: ${(clusterMs / draws).toFixed(0)} ms`);
