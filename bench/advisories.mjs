// node bench/advisories.mjs (after npm run build): what known-malicious advisories cost.
// Imports N synthetic MAL records (one project each, every version listed) into an in-memory
// store, then times the lookup the gate makes on every download, for a project no advisory
// lists (the usual case) and for a listed one. ADVISORIES (default 10000) sets N.
import { openDatabase } from '../dist/store/db.js';
import { AdvisoryStore } from '../dist/store/advisories.js';
import { parseOsv } from '../dist/intel/osv.js';

const N = Number(process.env.ADVISORIES ?? 10_000);
const LOOKUPS = 200_000;
const store = new AdvisoryStore(openDatabase(':memory:'));
const records = [];
for (let i = 0; i < N; i++) {
  const p = parseOsv({
    id: `MAL-2099-${i}`,
    modified: '2099-01-01T00:00:00Z',
    affected: [{ package: { ecosystem: 'PyPI', name: `pkg${i}` }, versions: ['1.0'], ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }],
  });
  records.push(p.advisory);
}
let t = performance.now();
store.applyBatch(records, 'bench');
const importMs = performance.now() - t;
t = performance.now();
store.applyBatch(records, 'bench'); // the same export again: every record unchanged
const reimportMs = performance.now() - t;
const perLookup = (project) => {
  const start = performance.now();
  for (let i = 0; i < LOOKUPS; i++) store.match(project, '2.31.0');
  return ((performance.now() - start) * 1000) / LOOKUPS;
};
console.log(
  JSON.stringify({
    advisories: N,
    importMs: Math.round(importMs),
    reimportUnchangedMs: Math.round(reimportMs),
    lookupUnlistedUs: +perLookup('requests').toFixed(2),
    lookupListedUs: +perLookup(`pkg${N >> 1}`).toFixed(2),
  }),
);
