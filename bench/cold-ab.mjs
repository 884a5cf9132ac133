// node bench/cold-ab.mjs [OTHER_CHECKOUT] (after npm run build in both; needs nginx): the cold
// 15 MB wheel over an upstream throttled to 50 MB/s (issue 13: ≤ 1.3× the direct fetch), for this
// checkout's `pywarden serve` and, when given, another's (say, a tree at an older commit), each a
// fresh process on its own data folder, side by side: for each file the direct fetch (best of 3)
// and then one cold fetch through each proxy, the order alternating from file to file, so that
// both meet the same minute of a shared machine. BENCH_FILES wheels (default 7); medians of the
// per-file ratios. `scan` is the scan's own figure from the proxy's log; `early` the bytes its
// scan process had read before the file was whole (absent: the scan ran after the download).
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PIP_ACCEPT, ROOT, coldFetch, directFetch, loadavg, startNginx, startProxy, writeWheel } from './lib.mjs';

const FILES = Number(process.env.BENCH_FILES ?? 7);
const BIG = 15_000_000;
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const roots = [['this', ROOT], ...(process.argv[2] ? [['other', path.resolve(process.argv[2])]] : [])];

const scratch = mkdtempSync(path.join(os.tmpdir(), 'pywarden-coldab-'));
chmodSync(scratch, 0o755); // nginx workers run as an unprivileged user
const stops = [];
try {
  const load = [loadavg()];
  const files = Array.from({ length: FILES }, (_, i) => writeWheel(path.join(scratch, 'up'), 'coldslow', `1.${i}`, BIG));
  const tree = path.join(scratch, 'tree');
  mkdirSync(path.join(tree, 'simple', 'coldslow'), { recursive: true });
  const links = files.map((f) => `<a href="../../files/${f.sha256}/${f.filename}#sha256=${f.sha256}">${f.filename}</a>`);
  writeFileSync(path.join(tree, 'simple', 'coldslow', 'index.html'), `<html><body>${links.join('\n')}</body></html>`);
  for (const f of files) {
    mkdirSync(path.join(tree, 'files', f.sha256), { recursive: true });
    copyFileSync(path.join(scratch, 'up', f.filename), path.join(tree, 'files', f.sha256, f.filename));
  }
  const nginx = await startNginx(tree, scratch);
  stops.push(() => nginx.stop());
  const proxies = [];
  for (const [name, root] of roots) {
    const p = await startProxy({ upstream: `${nginx.throttledUrl}/simple/`, data: path.join(scratch, `data-${name}`), root, extraArgs: ['--scan-ahead', 'false'] });
    stops.push(() => p.stop());
    await (await fetch(`${p.url}/simple/coldslow/`, { headers: { accept: PIP_ACCEPT } })).arrayBuffer();
    proxies.push({ name, p, rows: [] });
  }
  for (const [i, f] of files.entries()) {
    const directMs = await directFetch(nginx.throttledUrl, f);
    const order = i % 2 ? [...proxies].reverse() : proxies;
    for (const x of order) {
      const row = { directMs, ...(await coldFetch(x.p, f)) };
      x.rows.push(row);
      console.error(`[cold-ab] ${x.name} ${f.filename}: direct ${directMs.toFixed(1)} ms, cold ${row.coldMs.toFixed(1)} ms (${(row.coldMs / directMs).toFixed(2)}×), scan ${row.scanMs} ms, early ${row.early ?? '-'} bytes`);
    }
  }
  load.push(loadavg());
  const summary = proxies.map(({ name, rows }) => ({
    checkout: name,
    directMs: med(rows.map((r) => r.directMs)),
    coldMs: med(rows.map((r) => r.coldMs)),
    scanMs: med(rows.map((r) => r.scanMs)),
    ratio: med(rows.map((r) => r.coldMs / r.directMs)),
    ratios: rows.map((r) => Number((r.coldMs / r.directMs).toFixed(2))),
  }));
  console.log(JSON.stringify({ loadavg: load, files: FILES, bytes: BIG, summary }, null, 2));
} finally {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
}
