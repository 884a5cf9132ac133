// node bench/cold-bounds.mjs (after npm run build): what cold downloads hold on disk (issue 10: six
// 150 MB streams at once filled 878 MiB of tmp). Eight clients ask at once for eight different cold
// 48 MiB wheels, which a local upstream sends at 24 MiB/s each (so the downloads overlap). tmp/ and
// blobs/ are sampled every 10 ms; the upstream counts the file responses open at once. Three runs:
// no effective bound (maxColdDownloads 64), the defaults (4 at once), and a 160 MiB blob quota.
// The scanner is a stub (every file clean at once): disk and concurrency are the subject here.
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWheel } from './lib.mjs';
import { loadConfig } from '../dist/config.js';
import { startServer } from '../dist/main.js';
import { createLogger } from '../dist/log.js';

const MiB = 1024 * 1024;
const N = 8;
const S = mkdtempSync(`${os.tmpdir()}/pywarden-bounds-`);
const wheels = Array.from({ length: N }, (_, i) => writeWheel(`${S}/up`, 'coldb', `1.${i}`, 48 * MiB));
const bodies = new Map(wheels.map((w) => [w.filename, readFileSync(`${S}/up/${w.filename}`)]));

let open = 0;
let peakOpen = 0;
const up = createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/simple/coldb/') {
    const files = wheels.map((w) => ({ filename: w.filename, url: `/files/${w.filename}`, hashes: { sha256: w.sha256 }, size: bodies.get(w.filename).length }));
    return void res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' }).end(JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'coldb', files }));
  }
  const body = bodies.get(decodeURIComponent(u.pathname.slice('/files/'.length)));
  if (!body) return void res.writeHead(404).end();
  open++;
  peakOpen = Math.max(peakOpen, open);
  res.writeHead(200, { 'content-length': body.length });
  let at = 0;
  const tick = () => {
    if (res.destroyed) return void open--;
    const part = body.subarray(at, at + 2.4 * MiB); // 24 MiB/s in 100 ms steps
    at += part.length;
    if (at >= body.length) {
      open--;
      return void res.end(part);
    }
    res.write(part);
    setTimeout(tick, 100);
  };
  tick();
});
await new Promise((r) => up.listen(0, '127.0.0.1', r));
const upstream = `http://127.0.0.1:${up.address().port}/simple/`;

const du = (dir) => {
  let n = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(path.join(e.parentPath ?? e.path, e.name)).size;
  } catch {
    /* not there yet */
  }
  return n;
};
const scanner = { version: 'bench-stub', scan: async () => ({ verdict: 'clean', score: 0, findings: [], scannerVersion: 'bench-stub', ms: 0 }) };

for (const [label, flags] of [
  ['maxColdDownloads 64 (no effective bound)', { maxColdDownloads: 64, blobQuota: 0 }],
  ['defaults (maxColdDownloads 4, queue 64)', {}],
  ['blobQuota 160MiB, maxFileSize 64MiB', { blobQuota: '160MiB', maxFileSize: '64MiB' }],
]) {
  peakOpen = 0;
  const data = mkdtempSync(`${S}/data-`);
  const config = loadConfig({ env: {}, flags: { upstream, data, port: 0, scanAhead: false, logLevel: 'silent', ...flags } });
  const run = await startServer(config, { scanner, log: createLogger('silent') });
  let peakTmp = 0;
  let peakTotal = 0;
  const sampler = setInterval(() => {
    const tmp = du(`${data}/tmp`);
    peakTmp = Math.max(peakTmp, tmp);
    peakTotal = Math.max(peakTotal, tmp + du(`${data}/blobs`));
  }, 10);
  await (await fetch(`${run.url}/simple/coldb/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).arrayBuffer();
  const t = performance.now();
  const statuses = await Promise.all(wheels.map(async (w) => (await fetch(`${run.url}/files/${w.sha256}/${w.filename}`).then(async (r) => (await r.arrayBuffer(), r.status)))));
  clearInterval(sampler);
  const ms = performance.now() - t;
  const blobs = du(`${data}/blobs`);
  console.log(`${label}: statuses ${statuses.join(',')}; upstream file responses open at once: peak ${peakOpen}; tmp peak ${(peakTmp / MiB).toFixed(0)} MiB; tmp+blobs peak ${(peakTotal / MiB).toFixed(0)} MiB; blobs at end ${(blobs / MiB).toFixed(0)} MiB; ${(ms / 1000).toFixed(1)} s`);
  await run.close();
}
up.close();
rmSync(S, { recursive: true, force: true });
