// The proxy's HTTP behaviour against a controllable HTTP upstream, through a real server on a real port.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { loadConfig } from '../../src/config.js';
import { startServer, type Running } from '../../src/main.js';
import { createScanner } from '../../src/scan/scan.js';
import type { Scanner, ScanInput } from '../../src/scan/types.js';
import { makeDists } from '../helpers/dists.js';
import { startIndexServer, type TestIndex } from '../helpers/index-server.js';

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
const PIP_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';

// Minimal synthetic fixtures, allow-listed because the classifier holds placeholder-like packages
// (models/MODEL.md). Allow-listed files are still downloaded, verified and scanned before serving.
const ALLOW = { projects: ['demo-pkg', 'other', 'ahead', 'meta-pkg', 'gone'] };

let work: string;
let folder: string;
let index: TestIndex;
let proxy: Running;
let scans = 0;

/** The real scanner, counting its calls so single-flight can be proven. */
function countingScanner(): Scanner {
  const real = createScanner();
  return { version: real.version, scan: (i) => (scans++, real.scan(i)), close: () => real.close?.() ?? Promise.resolve() };
}

async function get(p: string, headers: Record<string, string> = {}) {
  const res = await request(proxy.url + p, { headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body, text: body.toString('utf8') };
}

async function fileUrl(project: string, filename: string): Promise<string> {
  const page = JSON.parse((await get(`/simple/${project}/`, { accept: JSON_TYPE })).text);
  const f = page.files.find((x: { filename: string }) => x.filename === filename);
  return new URL(f.url, `${proxy.url}/simple/${project}/`).pathname;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'pywarden-proxy-'));
  folder = path.join(work, 'upstream');
  makeDists(folder, [
    { kind: 'wheel', name: 'demo_pkg', version: '1.0' },
    { kind: 'wheel', name: 'demo_pkg', version: '1.1', files: { 'demo_pkg/__init__.py': 'X = "' + 'x'.repeat(5000) + '"\n' } },
    { kind: 'wheel', name: 'other', version: '1.0' },
    { kind: 'wheel', name: 'meta_pkg', version: '1.0' },
  ]);
  index = await startIndexServer(folder, 'json');
  index.projects.set('demo-pkg', { files: [{ filename: 'demo_pkg-1.0-py3-none-any.whl' }, { filename: 'demo_pkg-1.1-py3-none-any.whl' }] });
  index.projects.set('other', { files: [{ filename: 'other-1.0-py3-none-any.whl' }] });
  index.projects.set('gone', { status: { status: 'quarantined', reason: 'malware' }, files: [{ filename: 'other-1.0-py3-none-any.whl' }] });
  proxy = await startServer(
    loadConfig({ env: {}, flags: { host: '127.0.0.1', port: 0, upstream: index.url, data: path.join(work, 'data'), logLevel: 'silent', scanAhead: 'false', pageTtl: '0', allow: ALLOW } }),
    { scanner: countingScanner() },
  );
});

afterAll(async () => {
  await proxy?.close();
  await index?.close();
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  index.faults.down = false;
  index.faults.tamper = false;
  index.faults.delayMs = 0;
  index.faults.serial = undefined;
});

describe('index pages', () => {
  it('redirects unnormalized names and missing slashes (PEP 503)', async () => {
    for (const p of ['/simple/Demo_Pkg/', '/simple/demo-pkg', '/simple/DEMO.pkg']) {
      const r = await get(p);
      expect(r.status).toBe(301);
      expect(r.headers.location).toBe('/simple/demo-pkg/');
    }
  });

  it('negotiates JSON for pip and HTML for old clients, with Vary and Content-Type', async () => {
    const json = await get('/simple/demo-pkg/', { accept: PIP_ACCEPT });
    expect(json.headers['content-type']).toBe(JSON_TYPE);
    expect(json.headers.vary).toMatch(/Accept/);
    const page = JSON.parse(json.text);
    expect(page.files.map((f: { filename: string }) => f.filename)).toEqual(['demo_pkg-1.0-py3-none-any.whl', 'demo_pkg-1.1-py3-none-any.whl']);
    expect(page.files[0].url).toMatch(/^\.\.\/\.\.\/files\/[0-9a-f]{64}\/demo_pkg-1\.0-py3-none-any\.whl$/);
    const html = await get('/simple/demo-pkg/', { accept: 'text/html' });
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.text).toMatch(/<a href="\.\.\/\.\.\/files\/[0-9a-f]{64}\/demo_pkg-1\.0-py3-none-any\.whl#sha256=[0-9a-f]{64}"/);
    expect((await get('/simple/demo-pkg/?format=' + encodeURIComponent('text/html'), { accept: JSON_TYPE })).headers['content-type']).toMatch(/html/);
    expect((await get('/simple/demo-pkg/', { accept: 'image/png' })).status).toBe(406);
  });

  it('answers 304 to a revalidation and gzips when asked', async () => {
    const first = await get('/simple/demo-pkg/', { accept: PIP_ACCEPT });
    const again = await get('/simple/demo-pkg/', { accept: PIP_ACCEPT, 'if-none-match': String(first.headers.etag), 'cache-control': 'max-age=0' });
    expect(again.status).toBe(304);
    const gz = await get('/simple/demo-pkg/', { accept: PIP_ACCEPT, 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(first.text);
    expect(gz.headers.etag).not.toBe(first.headers.etag);
  });

  it('pages written straight to the socket keep their headers, the request id and the status the metrics see', async () => {
    const first = await get('/simple/demo-pkg/', { accept: PIP_ACCEPT });
    expect(first.headers['content-length']).toBe(String(first.body.length));
    expect(first.headers['x-request-id']).toMatch(/^[0-9a-f]{12}$/);
    const again = await get('/simple/demo-pkg/', { accept: PIP_ACCEPT, 'if-none-match': String(first.headers.etag) });
    expect(again.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    expect(again.headers.etag).toBe(first.headers.etag);
    // HEAD runs the GET route inside Hono, which then writes the response itself: headers, no body, once.
    const head = await request(`${proxy.url}/simple/demo-pkg/`, { method: 'HEAD', headers: { accept: PIP_ACCEPT } });
    await head.body.dump();
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(first.body.length));
    expect(head.headers.etag).toBe(first.headers.etag);
    const metrics = (await get('/metrics')).text;
    expect(metrics).toMatch(/pywarden_http_requests_total\{method="GET",route="\/simple\/:project\/",status="304"\} [1-9]/);
    expect(metrics).toMatch(/pywarden_http_requests_total\{method="HEAD",route="\/simple\/:project\/",status="200"\} [1-9]/);
  });

  it('serves a stale page when upstream is down, and says so', async () => {
    await get('/simple/other/', { accept: JSON_TYPE });
    index.faults.down = true;
    const r = await get('/simple/other/', { accept: JSON_TYPE });
    expect(r.status).toBe(200);
    expect(r.headers['x-pywarden-stale']).toBe('1');
    expect(JSON.parse(r.text).files).toHaveLength(1);
    // Without a cached copy there is nothing to serve: a clear 502 problem.
    const miss = await get('/simple/never-seen/', { accept: JSON_TYPE });
    expect(miss.status).toBe(502);
    expect(miss.headers['content-type']).toBe('application/problem+json');
  });

  it('never replaces a cached page with one of a lower serial', async () => {
    index.faults.serial = 100;
    await get('/simple/demo-pkg/', { accept: JSON_TYPE });
    index.projects.get('demo-pkg')!.files.push({ filename: 'other-1.0-py3-none-any.whl' });
    index.faults.serial = 99;
    const r = JSON.parse((await get('/simple/demo-pkg/', { accept: JSON_TYPE })).text);
    expect(r.files).toHaveLength(2);
    index.projects.get('demo-pkg')!.files.pop();
  });

  it('a project quarantined upstream (PEP 792) offers no files', async () => {
    const r = JSON.parse((await get('/simple/gone/', { accept: JSON_TYPE })).text);
    expect(r['project-status']).toMatchObject({ status: 'quarantined' });
    expect(r.files).toEqual([]);
  });

  it('hostile names are answered locally and never reach upstream', async () => {
    const before = [...index.hits.keys()].length;
    for (const p of ['/simple/..%2F..%2Fetc/', '/simple/%2e%2e/', '/simple/a%00b/', `/simple/${'a'.repeat(300)}/`, '/simple/foo%2Fbar/']) {
      const r = await get(p);
      // URL parsing may resolve dot segments first (then the answer is a redirect to /simple/).
      expect([301, 302, 400, 404]).toContain(r.status);
    }
    expect([...index.hits.keys()].length).toBe(before);
  });

  it('a project unknown upstream is a 404, remembered for a while', async () => {
    expect((await get('/simple/nope/')).status).toBe(404);
    const hits = index.hits.get('/simple/nope/');
    expect((await get('/simple/nope/')).status).toBe(404);
    expect(index.hits.get('/simple/nope/')).toBe(hits);
  });
});

describe('files', () => {
  it('20 concurrent cold requests share one upstream download and one scan', async () => {
    const url = await fileUrl('demo-pkg', 'demo_pkg-1.1-py3-none-any.whl');
    const hitsBefore = index.hits.get('/files/demo_pkg-1.1-py3-none-any.whl') ?? 0;
    const scansBefore = scans;
    index.faults.delayMs = 100;
    const results = await Promise.all(Array.from({ length: 20 }, () => get(url)));
    const want = readFileSync(path.join(folder, 'demo_pkg-1.1-py3-none-any.whl'));
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body.equals(want)).toBe(true);
    }
    expect((index.hits.get('/files/demo_pkg-1.1-py3-none-any.whl') ?? 0) - hitsBefore).toBe(1);
    expect(scans - scansBefore).toBe(1);
    expect(results[0].headers['cache-control']).toMatch(/immutable/);
    expect(results[0].headers.etag).toBe(`"${createHash('sha256').update(want).digest('hex')}"`);
  });

  it('answers ranges with 206, honours If-Range, refuses unsatisfiable ranges with 416', async () => {
    const url = await fileUrl('demo-pkg', 'demo_pkg-1.1-py3-none-any.whl');
    const whole = await get(url);
    const part = await get(url, { range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-19/${whole.body.length}`);
    expect(part.body.equals(whole.body.subarray(10, 20))).toBe(true);
    const suffix = await get(url, { range: 'bytes=-5' });
    expect(suffix.body.equals(whole.body.subarray(-5))).toBe(true);
    const stale = await get(url, { range: 'bytes=10-19', 'if-range': '"not-the-etag"' });
    expect(stale.status).toBe(200);
    expect((await get(url, { range: `bytes=${whole.body.length + 10}-` })).status).toBe(416);
  });

  it('a hash mismatch is a 502 that leaves no file, no verdict and no temp file behind; the next try succeeds', async () => {
    const url = await fileUrl('other', 'other-1.0-py3-none-any.whl');
    const sha = url.split('/')[2];
    index.faults.tamper = true;
    const bad = await get(url);
    expect(bad.status).toBe(502);
    expect(JSON.parse(bad.text)).toMatchObject({ code: 'upstream-hash-mismatch' });
    expect(await proxy.deps.store.latestVerdict(sha)).toBeUndefined();
    expect(proxy.deps.blobs.size(sha)).resolves.toBeNull();
    expect(readdirSync(path.join(work, 'data', 'tmp'))).toEqual([]);
    index.faults.tamper = false;
    expect((await get(url)).status).toBe(200);
  });

  it('only files an upstream page listed are served (no open proxy)', async () => {
    expect((await get(`/files/${'0'.repeat(64)}/evil-1.0.tar.gz`)).status).toBe(404);
    const url = await fileUrl('demo-pkg', 'demo_pkg-1.0-py3-none-any.whl');
    expect((await get(url.replace(/[^/]+$/, 'renamed-1.0-py3-none-any.whl'))).status).toBe(404);
    expect((await get('/files/..%2F..%2Fetc%2Fpasswd/x')).status).toBe(404);
  });

  it('the index is read-only', async () => {
    const res = await request(proxy.url + '/simple/demo-pkg/', { method: 'POST', body: 'x' });
    expect(res.statusCode).toBe(405);
    await res.body.dump();
  });
});

describe('core metadata (PEP 658) and scan-ahead', () => {
  it('passes upstream metadata through, verified against its listed hash, without fetching the wheel', async () => {
    const metadata = 'Metadata-Version: 2.1\nName: meta-pkg\nVersion: 1.0\n';
    // Its own file: a listing of another project's file name belongs to that project (issue 10).
    index.projects.set('meta-pkg', { files: [{ filename: 'meta_pkg-1.0-py3-none-any.whl', metadata }] });
    const page = JSON.parse((await get('/simple/meta-pkg/', { accept: JSON_TYPE })).text);
    const want = createHash('sha256').update(metadata).digest('hex');
    expect(page.files[0]['core-metadata']).toEqual({ sha256: want });
    expect(page.files[0]['data-dist-info-metadata']).toEqual({ sha256: want });
    const url = new URL(page.files[0].url + '.metadata', `${proxy.url}/simple/meta-pkg/`).pathname;
    const fileHits = index.hits.get('/files/meta_pkg-1.0-py3-none-any.whl') ?? 0;
    const r = await get(url);
    expect(r.status).toBe(200);
    expect(r.text).toBe(metadata);
    expect(index.hits.get('/files/meta_pkg-1.0-py3-none-any.whl') ?? 0).toBe(fileHits);
  });

  it('scan-ahead: reading a page with pip\'s User-Agent scans the newest matching wheel before it is asked for', async () => {
    makeDists(folder, [{ kind: 'wheel', name: 'ahead', version: '2.0' }, { kind: 'wheel', name: 'ahead', version: '1.0' }]);
    index.projects.set('ahead', {
      files: [
        { filename: 'ahead-1.0-py3-none-any.whl', uploadTime: '2025-01-01T00:00:00Z' },
        { filename: 'ahead-2.0-py3-none-any.whl', uploadTime: '2026-01-01T00:00:00Z' },
      ],
    });
    const real = createScanner();
    const inputs: ScanInput[] = [];
    const ahead = await startServer(
      loadConfig({ env: {}, flags: { host: '127.0.0.1', port: 0, upstream: index.url, data: path.join(work, 'data-ahead'), logLevel: 'silent', allow: ALLOW } }),
      { scanner: { version: real.version, scan: (i) => (inputs.push(i), real.scan(i)) } },
    );
    try {
      const ua = 'pip/23.2.1 {"python":"3.11.7","implementation":{"name":"CPython"},"system":{"name":"Linux"},"cpu":"x86_64"}';
      const res = await request(`${ahead.url}/simple/ahead/`, { headers: { accept: JSON_TYPE, 'user-agent': ua } });
      const page = (await res.body.json()) as { files: { filename: string; hashes: { sha256: string } }[] };
      await new Promise((r) => setTimeout(r, 50));
      await ahead.deps.scanAhead!.idle();
      const [old, newest] = page.files;
      expect((await ahead.deps.store.latestVerdict(newest.hashes.sha256))?.verdict).toBe('clean');
      expect(await ahead.deps.store.latestVerdict(old.hashes.sha256)).toBeUndefined();
      // Nobody waits for it: scanned as background work (a scan process yields the CPU to serving).
      expect(inputs.map((i) => [i.sha256, i.background])).toEqual([[newest.hashes.sha256, true]]);
    } finally {
      await ahead.close();
    }
  });
});
