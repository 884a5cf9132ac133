// node bench/load.mjs (after npm run build): issue 7's load figures. `pywarden serve` runs as its
// own process (real scanner, folder upstream made here); wrk sends a mix of cached requests
// (small and 3,000-file pages in JSON, HTML and gzip, a small and a 1 MiB file) at
// concurrency 64 for LOAD_SECONDS (default 30), LOAD_RUNS times (default 5), recording errors,
// p50/p99 and the proxy's resident memory before and after each run. Results go to stdout
// (JSON) and into docs/RELIABILITY.md between the load markers.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PIP_ACCEPT, ROOT, loadavg, startProxy, writeWheel } from './lib.mjs';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const RUNS = Number(process.env.LOAD_RUNS ?? 5);
const CONNECTIONS = 64;
const RSS_GROWTH_BOUND_MIB = 20;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'pywarden-load-'));
chmodSync(scratch, 0o755);
const up = path.join(scratch, 'upstream');
const log = (...a) => console.error('[load]', ...a);
let proxy;
try {
  const small = writeWheel(up, 'small', '1.0', 32 * 1024);
  for (let i = 0; i < 3000; i++) writeWheel(up, 'many', `${Math.floor(i / 100)}.${Math.floor(i / 10) % 10}.${i % 10}`);
  const mid = writeWheel(up, 'mid', '1.0', 1024 * 1024);
  proxy = await startProxy({ upstream: up, data: path.join(scratch, 'data') });

  const requests = [
    ['/simple/small/', { Accept: PIP_ACCEPT }],
    ['/simple/small/', { Accept: 'text/html' }],
    ['/simple/many/', { Accept: PIP_ACCEPT, 'Accept-Encoding': 'gzip' }],
    ['/simple/many/', { Accept: 'text/html', 'Accept-Encoding': 'gzip' }],
    [`/files/${small.sha256}/${small.filename}`, {}],
    [`/files/${mid.sha256}/${mid.filename}`, {}],
  ];
  // Warm every target (pages cached and rendered, files listed, fetched, verified and scanned).
  for (const project of ['small', 'many', 'mid']) await (await fetch(`${proxy.url}/simple/${project}/`)).arrayBuffer();
  for (const [p, h] of requests) {
    const r = await fetch(proxy.url + p, { headers: h });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`warm-up ${p}: ${r.status}`);
  }
  const lua = path.join(scratch, 'mix.lua');
  writeFileSync(
    lua,
    `local reqs = {\n${requests
      .map(([p, h]) => `  wrk.format("GET", ${JSON.stringify(p)}, {${Object.entries({ Host: new URL(proxy.url).host, ...h }).map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join(', ')}}),`)
      .join('\n')}\n}\nlocal i = 0\nrequest = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n`,
  );

  const runs = [];
  const startLoad = loadavg();
  const rssStart = proxy.rss();
  for (let k = 0; k < RUNS; k++) {
    const before = proxy.rss();
    const out = execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '--timeout', '10s', '-s', lua, proxy.url], { encoding: 'utf8' });
    await new Promise((r) => setTimeout(r, 1000)); // let the last responses drain before measuring
    const after = proxy.rss();
    const ms = (re) => {
      const m = re.exec(out);
      return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : NaN;
    };
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const run = {
      run: k + 1,
      requests: Number(/(\d+) requests in/.exec(out)?.[1]),
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
      p50: ms(/^\s+50%\s+([\d.]+)(us|ms|s)\s*$/m),
      p99: ms(/^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m),
      errors: non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
      rssBefore: before.rssMiB,
      rssAfter: after.rssMiB,
      peak: after.peakMiB,
    };
    runs.push(run);
    log(`run ${run.run}: ${run.requests} requests, ${run.rps} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, errors ${run.errors}, RSS ${run.rssBefore.toFixed(0)} → ${run.rssAfter.toFixed(0)} MiB (peak ${run.peak.toFixed(0)})`);
  }
  const growth = runs.at(-1).rssAfter - runs[0].rssAfter;
  const result = {
    date: new Date().toISOString(),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Linux ${os.release()}, Node ${process.version}`,
    loadavg: { start: startLoad, end: loadavg() },
    seconds: SECONDS,
    connections: CONNECTIONS,
    rssStart,
    runs,
    growthAfterFirstRunMiB: growth,
    bound: RSS_GROWTH_BOUND_MIB,
    ok: runs.every((r) => r.errors === 0) && growth <= RSS_GROWTH_BOUND_MIB,
  };
  console.log(JSON.stringify(result, null, 2));
  writeDoc(result);
  if (!result.ok) process.exitCode = 1;
} finally {
  await proxy?.stop();
  rmSync(scratch, { recursive: true, force: true });
}

function writeDoc(r) {
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const lines = [
    `Run: ${r.date}, commit ${r.commit}, ${r.machine}; load average at start ${r.loadavg.start}, at end ${r.loadavg.end} (shared machine).`,
    `wrk, 1 thread, ${r.connections} connections, ${r.seconds} s per run, a round-robin mix of 6 cached requests (small and 3,000-file pages in JSON / HTML / gzip, a 32 KiB and a 1 MiB file). Proxy RSS at start (after warm-up): ${f(r.rssStart.rssMiB)} MiB.`,
    '',
    '| run | requests | req/s | p50 ms | p99 ms | errors (non-2xx + socket) | RSS before → after MiB | peak MiB |',
    '|---:|---:|---:|---:|---:|---:|---|---:|',
    ...r.runs.map((x) => `| ${x.run} | ${x.requests} | ${f(x.rps)} | ${f(x.p50, 2)} | ${f(x.p99, 2)} | ${x.errors} | ${f(x.rssBefore)} → ${f(x.rssAfter)} | ${f(x.peak)} |`),
    '',
    `RSS growth from the end of run 1 to the end of run ${r.runs.length}: ${f(r.growthAfterFirstRunMiB, 1)} MiB (bound: ${r.bound} MiB). Verdict: **${r.ok ? 'held' : 'FAILED'}**.`,
  ];
  const doc = path.join(ROOT, 'docs', 'RELIABILITY.md');
  const start = '<!-- load:start (written by node bench/load.mjs) -->';
  const end = '<!-- load:end -->';
  let text = existsSync(doc) ? readFileSync(doc, 'utf8') : `# Reliability\n\n${start}\n${end}\n`;
  if (!text.includes(start)) text += `\n${start}\n${end}\n`;
  text = text.slice(0, text.indexOf(start)) + `${start}\n${lines.join('\n')}\n${end}` + text.slice(text.indexOf(end) + end.length);
  writeFileSync(doc, text);
  log(`wrote ${doc}`);
}
