// node bench/cold-phases.mjs [throttled] (after npm run build): where a cold file request's time goes.
// An in-process proxy (real scanner, allow-listed synthetic project) in front of a static nginx
// serving six 12 MiB wheels (with `throttled`: its server that sends at most 50 MB/s); the
// upstream open, the whole download (stream + hash + verify + the scan's tail + store), the blob
// commit, a scan run after the download (including the worker queue) and, for a scan read while
// the file downloads, the wait for its result once the file is whole (the scan's tail) are timed
// by wrapping them, next to a direct fetch from nginx, the cold request, and a re-serve of the stored file.
import { writeWheel, startNginx, PIP_ACCEPT } from './lib.mjs';
import { mkdirSync, copyFileSync, writeFileSync, mkdtempSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import { loadConfig } from '../dist/config.js';
import { startServer } from '../dist/main.js';
import { createLogger } from '../dist/log.js';
const S = mkdtempSync(`${os.tmpdir()}/pywarden-cold-`);
chmodSync(S, 0o755);
const ws = []; for (let i = 0; i < 6; i++) ws.push(writeWheel(S + '/up', 'coldp', `1.${i}`, 12 * 1024 * 1024));
const links = ws.map(w => { mkdirSync(`${S}/tree/files/${w.sha256}`, { recursive: true }); copyFileSync(`${S}/up/${w.filename}`, `${S}/tree/files/${w.sha256}/${w.filename}`); return `<a href="../../files/${w.sha256}/${w.filename}#sha256=${w.sha256}">${w.filename}</a>`; });
mkdirSync(S + '/tree/simple/coldp', { recursive: true });
writeFileSync(S + '/tree/simple/coldp/index.html', `<html><body>${links.join('\n')}</body></html>`);
const ng = await startNginx(S + '/tree', S);
const upstream = process.argv[2] === 'throttled' ? ng.throttledUrl : ng.url;
const config = loadConfig({ env: {}, flags: { upstream: upstream + '/simple/', data: mkdtempSync(S + '/data-'), port: 0, scanAhead: false, logLevel: 'silent', allow: { projects: ['coldp'] } } });
const run = await startServer(config, { log: createLogger('silent') });
const d = run.deps; const T = {};
const wrap = (obj, name, label) => { const f = obj[name].bind(obj); obj[name] = async (...a) => { const t = performance.now(); try { return await f(...a); } finally { (T[label] ??= []).push(performance.now() - t); } }; };
wrap(d.upstream, 'open', 'open(headers)'); wrap(d.blobs, 'commit', 'commit'); wrap(d.scanner, 'scan', 'scan(incl. queue)');
const grow = d.scanner.scanGrowing.bind(d.scanner); d.scanner.scanGrowing = (input) => { const g = grow(input); wrap(g, 'complete', 'scan tail (growing)'); return g; };
const g = d.gate; const dl = g.download.bind(g); g.download = async (...a) => { const t = performance.now(); try { return await dl(...a); } finally { (T['download total'] ??= []).push(performance.now() - t); } };
await (await fetch(run.url + '/simple/coldp/', { headers: { accept: PIP_ACCEPT } })).arrayBuffer();
for (const w of ws) {
  let t = performance.now(); await (await fetch(`${upstream}/files/${w.sha256}/${w.filename}`)).arrayBuffer(); (T.direct ??= []).push(performance.now() - t);
  t = performance.now(); const r = await fetch(`${run.url}/files/${w.sha256}/${w.filename}`); await r.arrayBuffer(); (T['cold total'] ??= []).push(performance.now() - t);
  t = performance.now(); await (await fetch(`${run.url}/files/${w.sha256}/${w.filename}`)).arrayBuffer(); (T.reserve ??= []).push(performance.now() - t);
}
const med = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
for (const [k, v] of Object.entries(T)) console.log(`${k.padEnd(20)} median ${med(v).toFixed(0).padStart(4)} ms   all: ${v.map((x) => x.toFixed(0)).join(' ')}`);
await run.close();
await ng.stop();
rmSync(S, { recursive: true, force: true });
