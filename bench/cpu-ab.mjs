// node bench/cpu-ab.mjs OTHER_CHECKOUT (after npm run build in both; needs wrk): CPU time per
// cached-page request of this checkout's `pywarden serve` against another's (say, a worktree at an
// older commit), on the same upstream folder, one serving process each. wrk runs against each in
// turn (BENCH_REPEAT rounds, BENCH_SECONDS s, 32 connections); the figure is the serving process's
// user + system CPU (/proc/<pid>/stat) divided by the requests it answered, which moves far less
// than requests/s on a machine shared with other jobs. Medians per server and cell.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PIP_ACCEPT, ROOT, loadavg, startProxy, wrk, writeWheel } from './lib.mjs';

const other = process.argv[2];
if (!other) throw new Error('usage: node bench/cpu-ab.mjs OTHER_CHECKOUT');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const CONNS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuSeconds = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
};

const scratch = mkdtempSync(path.join(os.tmpdir(), 'pywarden-cpuab-'));
const stops = [];
try {
  const up = path.join(scratch, 'upstream');
  for (const v of ['1.0', '1.1', '1.2']) writeWheel(up, 'small', v);
  const servers = [];
  for (const [name, root] of [['this', ROOT], ['other', path.resolve(other)]]) {
    const p = await startProxy({ upstream: up, data: path.join(scratch, name), root, extraArgs: ['--scan-ahead', 'false', '--log-level', 'warn'] });
    stops.push(() => p.stop());
    servers.push({ name, root, p, runs: {} });
  }
  const cells = [['small page, JSON', PIP_ACCEPT], ['small page, HTML', 'text/html']];
  const start = loadavg();
  for (let k = 0; k < REPEAT; k++) {
    for (const [cell, accept] of cells) {
      for (const s of servers) {
        const url = `${s.p.url}/simple/small/`;
        await (await fetch(url, { headers: { accept } })).arrayBuffer();
        const c0 = cpuSeconds(s.p.pid);
        const r = wrk(url, { connections: CONNS, seconds: SECONDS, headers: { accept } });
        const used = cpuSeconds(s.p.pid) - c0;
        (s.runs[cell] ??= []).push({ usPerRequest: (used / (r.rps * SECONDS)) * 1e6, rps: r.rps });
      }
    }
  }
  console.log(`load average at start ${start}, at end ${loadavg()}; ${REPEAT} rounds of wrk -c${CONNS} -d${SECONDS}s per server and cell`);
  console.log('| cell | server | CPU µs per request (median; runs) | req/s (median) |');
  console.log('|---|---|---:|---:|');
  for (const [cell] of cells) {
    for (const s of servers) {
      const runs = s.runs[cell];
      console.log(`| ${cell} | ${s.name === 'this' ? 'this checkout' : s.root} | ${med(runs.map((r) => r.usPerRequest)).toFixed(1)} (${runs.map((r) => r.usPerRequest.toFixed(0)).join(', ')}) | ${med(runs.map((r) => r.rps)).toFixed(0)} |`);
    }
  }
} finally {
  for (const s of stops) await s().catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
}
