// node bench/page-walk.mjs [pages] [filesPerPage] [-- extra serve flags] (after npm run build):
// the serving process's resident memory while a client walks many distinct project pages
// (issue 10: 6,000 pages grew RSS by 400 MiB because the page map never evicted).
// The upstream is a small HTTP index in this process serving generated PEP 691 pages (fake
// sha256s; no file is ever fetched: scan-ahead is off), so the figure is the proxy's own.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PIP_ACCEPT, startProxy } from './lib.mjs';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const [pages = 6000, filesPerPage = 50] = (dash >= 0 ? argv.slice(0, dash) : argv).map(Number);
const extraArgs = dash >= 0 ? argv.slice(dash + 1) : [];

function projectJson(name) {
  const files = [];
  for (let i = 0; i < filesPerPage; i++) {
    const version = `${Math.floor(i / 5)}.${i % 5}.0`;
    const filename = i % 5 === 4 ? `${name}-${version}.tar.gz` : `${name.replace(/-/g, '_')}-${version}-cp3${i % 5 + 8}-cp3${i % 5 + 8}-manylinux_2_17_x86_64.whl`;
    files.push({
      filename,
      url: `https://files.example.org/packages/${createHash('sha1').update(filename).digest('hex').slice(0, 8)}/${filename}`,
      hashes: { sha256: createHash('sha256').update(filename).digest('hex') },
      'requires-python': '>=3.8',
      size: 100_000 + i,
      'upload-time': '2024-01-01T00:00:00.000000Z',
    });
  }
  return JSON.stringify({ meta: { 'api-version': '1.1' }, name, versions: [...new Set(files.map((f) => f.filename.split('-')[1]))], files });
}

const upstream = createServer((req, res) => {
  const m = /^\/simple\/([a-z0-9-]+)\/$/.exec(req.url ?? '');
  if (!m) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' }).end(projectJson(m[1]));
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const upUrl = `http://127.0.0.1:${upstream.address().port}/simple/`;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'pywarden-walk-'));
const proxy = await startProxy({ upstream: upUrl, data: path.join(scratch, 'data'), extraArgs: ['--scan-ahead', 'false', '--log-level', 'warn', ...extraArgs] });
try {
  await new Promise((r) => setTimeout(r, 1000));
  const start = proxy.rss();
  const samples = [];
  let next = 0;
  let bytes = 0;
  let failed = 0;
  const started = performance.now();
  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= pages) return;
      const r = await fetch(`${proxy.url}/simple/proj-${i}/`, { headers: { accept: PIP_ACCEPT } });
      const b = await r.arrayBuffer();
      bytes += b.byteLength;
      if (r.status !== 200) failed++;
      if ((i + 1) % 500 === 0) samples.push([i + 1, proxy.rss().rssMiB]);
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker));
  const seconds = (performance.now() - started) / 1000;
  const end = proxy.rss();
  console.log(`pages ${pages}, files per page ${filesPerPage}, extra flags: ${extraArgs.join(' ') || '(none)'}`);
  console.log(`walk: ${seconds.toFixed(1)} s, ${(bytes / 2 ** 20).toFixed(1)} MiB of pages served, ${failed} non-200`);
  console.log(`RSS samples (pages walked: MiB): ${samples.map(([n, m]) => `${n}: ${m.toFixed(0)}`).join(', ')}`);
  console.log(`RSS before ${start.rssMiB.toFixed(0)} MiB, after ${end.rssMiB.toFixed(0)} MiB, peak ${end.peakMiB.toFixed(0)} MiB`);
} finally {
  await proxy.stop();
  upstream.close();
  rmSync(scratch, { recursive: true, force: true });
}
