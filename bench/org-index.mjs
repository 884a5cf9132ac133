// node bench/org-index.mjs: what several upstreams cost on the hot path (issue 12's goal: pages
// from two upstreams cost no more than 1.2x one upstream's, cached). Two `pywarden serve`
// processes (real scanner) in front of the same public folder: one with it as its only upstream,
// one with a private folder listed first (SeveralUpstreams). wrk asks each for the same cached
// pages and file, alternating, REPEAT times; the best run of each cell is kept (shared machine).
// Needs `npm run build` first. BENCH_SECONDS (default 3) and BENCH_REPEAT (default 3).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PIP_ACCEPT, loadavg, startProxy, wrk, writeWheel } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const CONNECTIONS = 32;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'pywarden-bench-org-'));
const log = (...a) => console.error('[bench]', ...a);
const stops = [];

try {
  const startLoad = loadavg();
  const publicDir = path.join(scratch, 'public');
  const privateDir = path.join(scratch, 'private');
  const small = ['1.0', '1.1', '1.2'].map((v) => writeWheel(publicDir, 'small', v));
  for (let i = 0; i < 3000; i++) writeWheel(publicDir, 'many', `${Math.floor(i / 100)}.${Math.floor(i / 10) % 10}.${i % 10}`);
  for (let i = 0; i < 50; i++) writeWheel(privateDir, `mid`, `0.${i}`);

  const one = await startProxy({ upstream: publicDir, data: path.join(scratch, 'data-one') });
  stops.push(() => one.stop());
  const upstreams = JSON.stringify([
    { name: 'corp', path: privateDir, private: true },
    { name: 'pypi', path: publicDir },
  ]);
  const two = await startProxy({ upstream: publicDir, data: path.join(scratch, 'data-two'), extraArgs: ['--upstreams', upstreams] });
  stops.push(() => two.stop());

  // Warm both: pages fetched and cached, the small wheel downloaded and scanned.
  const file = small[2];
  for (const p of [one, two]) {
    for (const project of ['small', 'many', 'mid']) await (await fetch(`${p.url}/simple/${project}/`, { headers: { accept: PIP_ACCEPT } })).arrayBuffer();
    const r = await fetch(`${p.url}/files/${file.sha256}/${file.filename}`);
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`warm-up download answered ${r.status}`);
  }

  const cells = {
    'page small (3 files)': '/simple/small/',
    'page many (3,000 files)': '/simple/many/',
    'file small wheel': `/files/${file.sha256}/${file.filename}`,
  };
  const results = {};
  for (const [cell, urlPath] of Object.entries(cells)) {
    const best = { one: null, two: null };
    for (let i = 0; i < REPEAT; i++) {
      for (const [name, p] of [['one', one], ['two', two]]) {
        const r = wrk(p.url + urlPath, { connections: CONNECTIONS, seconds: SECONDS, headers: { accept: PIP_ACCEPT, 'accept-encoding': 'gzip' } });
        if (r.errors) throw new Error(`${cell} (${name}): ${r.errors} errors`);
        if (!best[name] || r.rps > best[name].rps) best[name] = r;
      }
    }
    results[cell] = {
      oneUpstreamRps: Math.round(best.one.rps),
      twoUpstreamsRps: Math.round(best.two.rps),
      costRatio: Number((best.one.rps / best.two.rps).toFixed(3)),
      p99ms: { one: best.one.p99, two: best.two.p99 },
    };
    log(cell, results[cell]);
  }
  console.log(JSON.stringify({ connections: CONNECTIONS, seconds: SECONDS, repeat: REPEAT, loadavg: { start: startLoad, end: loadavg() }, cpus: os.cpus().length, results }, null, 2));
} finally {
  for (const stop of stops.reverse()) await stop();
  rmSync(scratch, { recursive: true, force: true });
}
