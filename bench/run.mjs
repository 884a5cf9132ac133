// npm run bench: the issue 2 figures, in one run on this machine.
// The proxy runs as its own process (`pywarden serve`, real scanner) in front of a folder
// upstream made here; a static nginx serving the same rendered tree is the baseline; wrk is
// the load generator. Results go to stdout (JSON) and into docs/PERFORMANCE.md between the
// bench markers. BENCH_SECONDS (default 5) sets each wrk run's length.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AHEAD_PROJECTS, PIP_ACCEPT, ROOT, coldFetch, directFetch, filePath, loadavg, startNginx, startProxy, timed, wrk, writeWheel } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
// Each cell is run REPEAT times, proxy and nginx alternating, and the median of each reported
// (issue 13: medians of 3; the ratio is of the medians).
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const BIG = 15_000_000;
const COLD_FILES = 5;
// The throttled upstream of the cold fetch and of the scan-ahead case (issue 13: 50 MB/s).
const THROTTLE = 50_000_000;
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const scratch = mkdtempSync(path.join(os.tmpdir(), 'pywarden-bench-'));
// nginx workers run as an unprivileged user: let them read the tree.
chmodSync(scratch, 0o755);
const upDir = path.join(scratch, 'upstream');
const tree = path.join(scratch, 'tree');
const log = (...a) => console.error('[bench]', ...a);
const stops = [];
const proxies = [];

try {
  const startLoad = loadavg();
  log('making the upstream folder in', upDir);
  const small = ['1.0', '1.1', '1.2'].map((v) => writeWheel(upDir, 'small', v));
  const many = [];
  for (let i = 0; i < 3000; i++) many.push(writeWheel(upDir, 'many', `${Math.floor(i / 100)}.${Math.floor(i / 10) % 10}.${i % 10}`));
  const big = writeWheel(upDir, 'bigfile', '1.0', BIG);
  const cold = [];
  for (let i = 0; i < COLD_FILES; i++) cold.push(writeWheel(upDir, 'coldfile', `1.${i}`, BIG));
  const coldSlow = [];
  for (let i = 0; i < COLD_FILES; i++) coldSlow.push(writeWheel(upDir, 'coldslow', `1.${i}`, BIG));
  const ahead = AHEAD_PROJECTS.map((p) => writeWheel(upDir, p, '1.0', BIG));

  const proxy = await startProxy({ upstream: upDir, data: path.join(scratch, 'data-a') });
  stops.push(() => proxy.stop());
  proxies.push(proxy);
  const rssIdle = proxy.rss();

  // Warm the proxy and render the same tree for nginx: pages as the proxy renders them (file
  // URLs are relative, ../../files/<sha256>/<name>), files as the same bytes.
  // The pages of files measured cold come from a proxy without scan-ahead, so that nothing fetches them early.
  const render = await startProxy({ upstream: upDir, data: path.join(scratch, 'data-r'), extraArgs: ['--scan-ahead', 'false'] });
  for (const project of ['small', 'many', 'bigfile', 'coldfile', 'coldslow', ...AHEAD_PROJECTS]) {
    const from = ['small', 'many', 'bigfile'].includes(project) ? proxy : render;
    const dir = path.join(tree, 'simple', project);
    mkdirSync(dir, { recursive: true });
    const html = await fetch(`${from.url}/simple/${project}/`, { headers: { accept: 'text/html' } });
    writeFileSync(path.join(dir, 'index.html'), Buffer.from(await html.arrayBuffer()));
    const json = await fetch(`${from.url}/simple/${project}/`, { headers: { accept: PIP_ACCEPT } });
    writeFileSync(path.join(dir, 'index.json'), Buffer.from(await json.arrayBuffer()));
  }
  await render.stop();
  for (const f of [...small, ...many, big, ...cold, ...coldSlow, ...ahead]) {
    const d = path.join(tree, 'files', f.sha256);
    mkdirSync(d, { recursive: true });
    copyFileSync(path.join(upDir, f.filename), path.join(d, f.filename));
  }
  const bigPath = `/files/${big.sha256}/${big.filename}`;
  const [bigColdMs, bigRes] = await timed(async () => {
    const r = await fetch(proxy.url + bigPath);
    return [r.status, Buffer.from(await r.arrayBuffer()).length];
  });
  if (bigRes[0] !== 200 || bigRes[1] !== readFileSync(path.join(upDir, big.filename)).length) throw new Error(`big file through the proxy: ${bigRes}`);
  log(`big file cold through the proxy (folder upstream): ${bigColdMs.toFixed(0)} ms`);

  // Serving a page starts scan-ahead in the background (newest wheels fetched and scanned):
  // let it finish so that it does not share the cores with the measured runs.
  for (let last = -1, quiet = 0, i = 0; quiet < 20 && i < 600; i++) {
    quiet = proxy.lines.length === last ? quiet + 1 : 0;
    last = proxy.lines.length;
    await new Promise((r) => setTimeout(r, 100));
  }
  const nginx = await startNginx(tree, scratch, { throttleBytesPerSec: THROTTLE });
  stops.push(() => nginx.stop());
  // The same pages from two serving processes, against nginx with two workers (issue 13).
  const proxy2 = await startProxy({ upstream: upDir, data: path.join(scratch, 'data-a2'), extraArgs: ['--processes', '2'] });
  stops.push(() => proxy2.stop());
  proxies.push(proxy2);
  for (const h of [{ accept: PIP_ACCEPT }, { accept: 'text/html' }]) {
    // Both processes must have the page cached: a few requests land on each.
    for (let k = 0; k < 8; k++) await (await fetch(`${proxy2.url}/simple/small/`, { headers: h })).arrayBuffer();
  }
  const nginx2 = await startNginx(tree, scratch, { workers: 2, name: 'nginx2' });
  stops.push(() => nginx2.stop());

  const one = { proxy, nginx, procs: 1 };
  const two = { proxy: proxy2, nginx: nginx2, procs: 2 };
  const targets = [
    { name: 'small page, JSON', proxy: ['/simple/small/', { accept: PIP_ACCEPT }], nginx: '/simple/small/index.json', conns: [1, 32], aim: 0.25 },
    { name: 'small page, HTML', proxy: ['/simple/small/', { accept: 'text/html' }], nginx: '/simple/small/', conns: [1, 32], aim: 0.25 },
    { name: 'small page, JSON', proxy: ['/simple/small/', { accept: PIP_ACCEPT }], nginx: '/simple/small/index.json', conns: [32], aim: 0.5, pair: two },
    { name: 'small page, HTML', proxy: ['/simple/small/', { accept: 'text/html' }], nginx: '/simple/small/', conns: [32], aim: 0.5, pair: two },
    { name: '3,000-file page, JSON', proxy: ['/simple/many/', { accept: PIP_ACCEPT }], nginx: '/simple/many/index.json', conns: [1, 32], aim: 0.5 },
    { name: '3,000-file page, HTML', proxy: ['/simple/many/', { accept: 'text/html' }], nginx: '/simple/many/', conns: [1, 32], aim: 0.5 },
    { name: `${(BIG / 1e6).toFixed(0)} MB file`, proxy: [bigPath, {}], nginx: bigPath, file: true, conns: [1, 8], aim: 0.8 },
  ];
  const rows = [];
  for (const t of targets) {
    const pair = t.pair ?? one;
    for (const c of t.conns) {
      const ps = [];
      const ns = [];
      for (let k = 0; k < REPEAT; k++) {
        ps.push(wrk(pair.proxy.url + t.proxy[0], { connections: c, seconds: SECONDS, headers: t.proxy[1] }));
        ns.push(wrk(pair.nginx.url + t.nginx, { connections: c, seconds: SECONDS }));
      }
      const m = (runs) => ({
        rps: med(runs.map((r) => r.rps)),
        mbps: med(runs.map((r) => r.mbps)),
        p50: med(runs.map((r) => r.p50)),
        p99: med(runs.map((r) => r.p99)),
        errors: runs.reduce((a, r) => a + r.errors, 0),
      });
      const p = m(ps);
      const n = m(ns);
      if (p.errors || n.errors) log(`errors on ${t.name} c=${c}: proxy ${p.errors}, nginx ${n.errors}`);
      const row = {
        target: t.name,
        processes: pair.procs,
        connections: c,
        proxy: p,
        nginx: n,
        ratio: t.file ? p.mbps / n.mbps : p.rps / n.rps,
        runs: ps.map((r, k) => (t.file ? r.mbps / ns[k].mbps : r.rps / ns[k].rps)),
        aim: t.aim,
        file: !!t.file,
      };
      rows.push(row);
      log(`${t.name} ×${pair.procs} c=${c}: proxy ${p.rps.toFixed(0)} req/s ${p.mbps.toFixed(1)} MB/s p99 ${p.p99} ms | nginx ${n.rps.toFixed(0)} req/s ${n.mbps.toFixed(1)} MB/s p99 ${n.p99} ms | ratio ${(row.ratio * 100).toFixed(0)} %`);
    }
  }
  const rssAfterLoad = proxy.rss();
  await proxy2.stop();
  await nginx2.stop();

  // Scan-ahead while cached pages are served (issue 13: cached page p99 <= 2 ms while it runs). A
  // fresh proxy on the throttled upstream; its small page is cached, then the ahead* pages are
  // served, each starting a 15 MB download and scan in the background, and wrk measures the small
  // page at one connection meanwhile. The same wrk run with nothing in the background is the baseline.
  const proxyS = await startProxy({ upstream: `${nginx.throttledUrl}/simple/`, data: path.join(scratch, 'data-s') });
  stops.push(() => proxyS.stop());
  proxies.push(proxyS);
  const smallUrl = `${proxyS.url}/simple/small/`;
  await (await fetch(smallUrl, { headers: { accept: PIP_ACCEPT } })).arrayBuffer();
  await quiet(proxyS);
  const aheadRuns = [];
  for (let k = 0; k < REPEAT; k++) {
    const base = wrk(smallUrl, { connections: 1, seconds: 2, headers: { accept: PIP_ACCEPT } });
    // Each repeat serves pages of 8 projects no run has touched: 8 fresh downloads start.
    const scannedBefore = scannedCount(proxyS);
    for (const p of AHEAD_PROJECTS.slice(8 * k, 8 * k + 8)) await (await fetch(`${proxyS.url}/simple/${p}/`, { headers: { accept: PIP_ACCEPT } })).arrayBuffer();
    const busy = wrk(smallUrl, { connections: 1, seconds: 2, headers: { accept: PIP_ACCEPT } });
    const scannedDuring = scannedCount(proxyS) - scannedBefore;
    await quiet(proxyS);
    aheadRuns.push({ base, busy, scannedDuring, scannedAfter: scannedCount(proxyS) - scannedBefore });
    log(`scan-ahead run ${k}: idle p99 ${base.p99} ms, with scan-ahead p99 ${busy.p99} ms (${busy.rps.toFixed(0)} req/s), ${aheadRuns.at(-1).scannedDuring} scans finished during the run, ${aheadRuns.at(-1).scannedAfter} in all`);
  }
  const rssScanAhead = proxyS.rss();
  await proxyS.stop();

  // Cold fetch: a second proxy whose upstream is the nginx (an HTTP simple index), fresh data dir.
  // No scan-ahead here: it would start fetching the newest file as soon as the page is served.
  const proxyB = await startProxy({ upstream: `${nginx.url}/simple/`, data: path.join(scratch, 'data-b'), extraArgs: ['--scan-ahead', 'false'] });
  stops.push(() => proxyB.stop());
  proxies.push(proxyB);
  await (await fetch(`${proxyB.url}/simple/coldfile/`, { headers: { accept: PIP_ACCEPT } })).arrayBuffer();
  const coldRows = await coldFetches(proxyB, nginx.url, cold);
  const coldSummary = {
    directMs: med(coldRows.map((r) => r.directMs)),
    coldMs: med(coldRows.map((r) => r.coldMs)),
    scanMs: med(coldRows.map((r) => r.scanMs)),
    cachedMs: med(coldRows.map((r) => r.cachedMs)),
  };
  // Ratios per file, then the median: the machine's load moves all of a file's timings together.
  coldSummary.beforeScanRatio = med(coldRows.map((r) => (r.coldMs - r.scanMs) / r.directMs));
  coldSummary.fetchVerifyStoreRatio = med(coldRows.map((r) => (r.coldMs - r.scanMs - r.cachedMs) / r.directMs));
  const rssB = proxyB.rss();
  await proxyB.stop();

  // The same over an upstream throttled to 50 MB/s: the cold request against the direct fetch.
  const proxyT = await startProxy({ upstream: `${nginx.throttledUrl}/simple/`, data: path.join(scratch, 'data-t'), extraArgs: ['--scan-ahead', 'false'] });
  stops.push(() => proxyT.stop());
  proxies.push(proxyT);
  await (await fetch(`${proxyT.url}/simple/coldslow/`, { headers: { accept: PIP_ACCEPT } })).arrayBuffer();
  const slowRows = await coldFetches(proxyT, nginx.throttledUrl, coldSlow);
  const slowSummary = {
    directMs: med(slowRows.map((r) => r.directMs)),
    coldMs: med(slowRows.map((r) => r.coldMs)),
    scanMs: med(slowRows.map((r) => r.scanMs)),
    ratio: med(slowRows.map((r) => r.coldMs / r.directMs)),
  };
  const rssEnd = proxy.rss();

  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() ? ' (src/ had uncommitted changes)' : '';
  const result = {
    date: new Date().toISOString(),
    commit: commit + dirty,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, Node ${process.version}, nginx ${nginxVersion()}`,
    loadavg: { start: startLoad, end: loadavg() },
    seconds: SECONDS,
    repeat: REPEAT,
    rows,
    cold: { rows: coldRows, ...coldSummary },
    coldThrottled: { bytesPerSec: THROTTLE, rows: slowRows, ...slowSummary },
    scanAhead: aheadRuns.map((r) => ({ idle: { rps: r.base.rps, p50: r.base.p50, p99: r.base.p99 }, busy: { rps: r.busy.rps, p50: r.busy.p50, p99: r.busy.p99 }, scannedDuring: r.scannedDuring, scannedAfter: r.scannedAfter })),
    rss: { idle: rssIdle, afterLoad: rssAfterLoad, end: rssEnd, coldProxy: rssB, scanAheadProxy: rssScanAhead },
  };
  console.log(JSON.stringify(result, null, 2));
  writeDoc(result);
} catch (err) {
  // Show what the proxies said: a failure here is usually theirs.
  for (const p of proxies) console.error(`[bench] last lines of ${p.url}:\n${p.lines.slice(-20).join('\n')}\nexit: ${p.child.exitCode ?? p.child.signalCode ?? 'running'}`);
  throw err;
} finally {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  if (!process.env.BENCH_KEEP) rmSync(scratch, { recursive: true, force: true });
}

/** Waits until the proxy has logged nothing for 2 s (its background work is done). */
async function quiet(p) {
  for (let last = -1, still = 0, i = 0; still < 20 && i < 600; i++) {
    still = p.lines.length === last ? still + 1 : 0;
    last = p.lines.length;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function scannedCount(p) {
  return p.lines.filter((l) => l.includes('"msg":"scanned"')).length;
}

/** Each file fetched once cold through the proxy, against the direct fetch and the re-serve (best of 3 each). */
async function coldFetches(proxyB, upstreamUrl, files) {
  const rows = [];
  for (const f of files) {
    const directMs = await directFetch(upstreamUrl, f);
    const { coldMs, scanMs } = await coldFetch(proxyB, f);
    let cachedMs = Infinity;
    for (let k = 0; k < 3; k++) cachedMs = Math.min(cachedMs, (await timed(async () => (await fetch(proxyB.url + filePath(f))).arrayBuffer()))[0]);
    rows.push({ file: f.filename, directMs, coldMs, scanMs, cachedMs, beforeScan: (coldMs - scanMs) / directMs });
    log(`cold ${f.filename} from ${upstreamUrl}: direct ${directMs.toFixed(1)} ms, via proxy ${coldMs.toFixed(1)} ms (scan ${scanMs} ms, cached re-serve ${cachedMs.toFixed(1)} ms)`);
  }
  return rows;
}

function nginxVersion() {
  // nginx -v prints to stderr.
  const r = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  return (r.stderr || r.stdout || 'unknown').replace('nginx version: nginx/', '').trim();
}

function writeDoc(r) {
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const pct = (x) => `${f(x * 100)} %`;
  const lines = [];
  lines.push(`Run: ${r.date}, commit ${r.commit}, ${r.machine}.`);
  lines.push(`Load average (1/5/15 min) at start ${r.loadavg.start}, at end ${r.loadavg.end}: the machine is shared, so absolute figures move between runs; the ratios are taken from back-to-back runs.`);
  lines.push(`Each cell: the median of ${r.repeat} wrk runs of ${r.seconds} s (proxy and nginx alternating), 1 thread, keep-alive, against 127.0.0.1; the ratio is of the medians, the per-run ratios follow it. One serving process (\`--processes 1\`) against nginx with 1 worker, or two (\`--processes 2\`) against nginx with 2 workers.`);
  lines.push('');
  lines.push('| target | processes | conns | proxy req/s | proxy MB/s | proxy p99 ms | nginx req/s | nginx MB/s | nginx p99 ms | proxy / nginx (runs) | aim | met |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|');
  for (const row of r.rows) {
    lines.push(`| ${row.target} | ${row.processes} | ${row.connections} | ${f(row.proxy.rps)} | ${f(row.proxy.mbps, 1)} | ${f(row.proxy.p99, 2)} | ${f(row.nginx.rps)} | ${f(row.nginx.mbps, 1)} | ${f(row.nginx.p99, 2)} | ${pct(row.ratio)}${row.file ? ' (MB/s)' : ''} (${row.runs.map((x) => f(x * 100)).join(', ')}) | ≥ ${pct(row.aim)} | ${row.ratio >= row.aim ? 'yes' : 'no'} |`);
  }
  lines.push('');
  const c = r.cold;
  lines.push(`Cold fetch (${c.rows.length} distinct ${f(BIG / 1e6)} MB wheels, a fresh proxy without scan-ahead whose upstream is the nginx above; direct and re-serve best of 3 per file; medians over files, ratios computed per file): direct from upstream ${f(c.directMs, 1)} ms; through the proxy ${f(c.coldMs, 1)} ms, of which scanning ${f(c.scanMs, 1)} ms; re-serving the stored file ${f(c.cachedMs, 1)} ms.`);
  lines.push(`- Overhead before scanning, (cold − scan) / direct: **${f(c.beforeScanRatio, 2)}×**.`);
  lines.push(`- Of that, download + hash + verify + store alone, (cold − scan − re-serve) / direct: **${f(c.fetchVerifyStoreRatio, 2)}×**; the rest is sending the verified file to the client, which fail-closed serving cannot overlap with the download.`);
  const t = r.coldThrottled;
  lines.push(`- Over an upstream throttled to ${f(t.bytesPerSec / 1e6)} MB/s (nginx \`limit_rate\`, ${t.rows.length} more wheels of the same size): direct ${f(t.directMs, 1)} ms, through the proxy ${f(t.coldMs, 1)} ms (scan ${f(t.scanMs, 1)} ms); cold / direct **${f(t.ratio, 2)}×** (per-file ratios ${t.rows.map((x) => f(x.coldMs / x.directMs, 2)).join(', ')}; aim ≤ 1.3×, ${t.ratio <= 1.3 ? 'met' : 'not met'}).`);
  lines.push('');
  const sa = r.scanAhead;
  const p99s = sa.map((x) => x.busy.p99);
  lines.push(`Cached small page (JSON, 1 connection, wrk 2 s) while scan-ahead downloads and scans 8 fresh ${f(BIG / 1e6)} MB wheels from the throttled upstream, ${sa.length} runs: p99 ${sa.map((x) => f(x.busy.p99, 2)).join(' / ')} ms (median **${f(med(p99s), 2)} ms**, aim ≤ 2 ms, ${med(p99s) <= 2 ? 'met' : 'not met'}), p50 ${sa.map((x) => f(x.busy.p50, 2)).join(' / ')} ms; scans finished during each wrk run ${sa.map((x) => x.scannedDuring).join(' / ')} of ${sa.map((x) => x.scannedAfter).join(' / ')}. The same page with nothing in the background just before: p99 ${sa.map((x) => f(x.idle.p99, 2)).join(' / ')} ms.`);
  lines.push('');
  lines.push(`Resident memory of a serving process (VmRSS / peak VmHWM, MiB; scans run in their own processes, not counted): idle ${f(r.rss.idle.rssMiB)} / ${f(r.rss.idle.peakMiB)}; after the load runs ${f(r.rss.afterLoad.rssMiB)} / ${f(r.rss.afterLoad.peakMiB)}; at the end of the bench ${f(r.rss.end.rssMiB)} / ${f(r.rss.end.peakMiB)}; the cold-fetch proxy ${f(r.rss.coldProxy.rssMiB)} / ${f(r.rss.coldProxy.peakMiB)}; the scan-ahead proxy ${f(r.rss.scanAheadProxy.rssMiB)} / ${f(r.rss.scanAheadProxy.peakMiB)} (aim ≤ 100 MiB).`);
  const doc = path.join(ROOT, 'docs', 'PERFORMANCE.md');
  const start = '<!-- bench:start (written by npm run bench) -->';
  const end = '<!-- bench:end -->';
  const block = `${start}\n${lines.join('\n')}\n${end}`;
  let text = existsSync(doc) ? readFileSync(doc, 'utf8') : `# Performance\n\n${start}\n${end}\n`;
  if (!text.includes(start)) text += `\n${start}\n${end}\n`;
  text = text.slice(0, text.indexOf(start)) + block + text.slice(text.indexOf(end) + end.length);
  writeFileSync(doc, text);
  log(`wrote ${doc}`);
}
