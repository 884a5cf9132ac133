// node --expose-gc bench/page-heap.mjs json|html (after npm run build): V8 heap held per cached
// project page (50 files) against the page's persisted JSON text, the ratio src/pages/cache.ts
// uses to size its LRU in bytes. The upstream is in-process; nothing is fetched.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os'; import path from 'node:path';
import { parseProjectJson, parseProjectHtml, renderProjectHtml } from '../dist/index/index.js';
import { PageCache } from '../dist/pages/cache.js';
import { SqliteMetadataStore } from '../dist/store/metadata.js';
import { openDatabase } from '../dist/store/db.js';
const N = 1000, F = 50, html = process.argv[2] === 'html';
function page(name) {
  const files = [];
  for (let i = 0; i < F; i++) {
    const version = `${Math.floor(i / 5)}.${i % 5}.0`;
    const filename = `${name.replace(/-/g, '_')}-${version}-cp38-cp38-manylinux_2_17_x86_64.whl`;
    files.push({ filename, url: `https://files.example.org/packages/ab/${filename}`, hashes: { sha256: createHash('sha256').update(filename).digest('hex') }, requiresPython: '>=3.8', size: 100000 + i, uploadTime: '2024-01-01T00:00:00.000000Z', 'requires-python': '>=3.8', 'upload-time': '2024-01-01T00:00:00.000000Z' });
  }
  return html ? renderProjectHtml({ name, files }) : JSON.stringify({ meta: { 'api-version': '1.1' }, name, files });
}
const up = { description: 'x', async project(n) { const t = page(n); return { status: 'ok', page: html ? parseProjectHtml(t, 'https://x/simple/' + n + '/') : parseProjectJson(t, 'https://x/simple/' + n + '/'), etag: null, serial: null }; }, async root() {}, async open() {} };
const store = new SqliteMetadataStore(openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'pywarden-heap-')), 'db')));
const log = { debug() {}, info() {}, warn() {}, error() {} };
const pc = new PageCache(up, store, log, { ttlMs: 1e9, negativeTtlMs: 1, maxBytes: 1e12 });
const RATIO = 2.5; // HEAP_PER_JSON_BYTE in src/pages/cache.ts
global.gc(); const before = process.memoryUsage().heapUsed;
for (let i = 0; i < N; i++) await pc.project('p' + i);
global.gc(); const after = process.memoryUsage().heapUsed;
console.log(html ? 'html' : 'json', 'heap/page', ((after - before) / N).toFixed(0), 'estimated bytes/page', (pc.cachedBytes / N).toFixed(0), 'ratio heap/json', ((after - before) / (pc.cachedBytes / RATIO)).toFixed(2));
