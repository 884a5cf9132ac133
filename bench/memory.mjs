// node bench/memory.mjs (after npm run build): where the proxy's resident memory goes.
// Measures, each in a fresh process: bare Node; Node after importing the HTTP/SQLite
// dependencies; after importing the whole server (dist/main.js); then `pywarden serve` idle with
// 1 and 2 scan workers, after its first scan (a scan process starts and loads the analysis), and
// 30 s later, when idle scan processes have stopped. Scans run in child processes (src/scan/pool.ts):
// the serving process and its scan processes are reported apart.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PIP_ACCEPT, ROOT, rssOf, startProxy, writeWheel } from './lib.mjs';

const rssAfter = (code) =>
  Number(execFileSync(process.execPath, ['--input-type=module', '-e', `${code}; console.log(process.memoryUsage().rss / 2 ** 20)`], { cwd: ROOT, encoding: 'utf8' }).trim());

/** The serving process's children (its scan processes), from every thread's /proc children list. */
const childrenOf = (pid) =>
  readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number));
const scanRss = (pid) => {
  const kids = childrenOf(pid);
  return kids.length ? `${kids.length}: ${kids.map((k) => rssOf(k).rssMiB.toFixed(0)).join(' + ')}` : 'none';
};

const rows = [];
rows.push(['bare node', rssAfter('')]);
rows.push(['node + hono, undici, better-sqlite3', rssAfter("await import('hono'); await import('undici'); await import('better-sqlite3')")]);
rows.push(['node + dist/main.js (whole server, no scanner worker yet)', rssAfter("await import('./dist/main.js')")]);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'pywarden-mem-'));
try {
  const up = path.join(scratch, 'up');
  const w = writeWheel(up, 'memtest', '1.0', 256 * 1024);
  for (const workers of [1, 2]) {
    const proxy = await startProxy({ upstream: up, data: path.join(scratch, `data-${workers}`), extraArgs: ['--scan-workers', String(workers), '--scan-ahead', 'false'] });
    await new Promise((r) => setTimeout(r, 1000));
    rows.push([`pywarden serve, up to ${workers} scan worker(s), idle (none started yet)`, proxy.rss().rssMiB, scanRss(proxy.pid)]);
    await (await fetch(`${proxy.url}/simple/memtest/`, { headers: { accept: PIP_ACCEPT } })).arrayBuffer();
    const r = await fetch(`${proxy.url}/files/${w.sha256}/${w.filename}`);
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`file: ${r.status}`);
    await new Promise((r) => setTimeout(r, 1000));
    rows.push([`pywarden serve, up to ${workers} scan worker(s), after one scan`, proxy.rss().rssMiB, scanRss(proxy.pid)]);
    // Scan processes stop after 30 s without a scan (src/main.ts): the serving process is what stays.
    await new Promise((r) => setTimeout(r, 32_000));
    rows.push([`pywarden serve, up to ${workers} scan worker(s), 30 s after that scan`, proxy.rss().rssMiB, scanRss(proxy.pid)]);
    await proxy.stop();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log('| process | RSS MiB | scan processes (count: RSS MiB each) |\n|---|---:|---|');
for (const [k, v, scans] of rows) console.log(`| ${k} | ${v.toFixed(0)} | ${scans ?? '-'} |`);
