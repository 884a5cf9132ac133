// Issue 10, a hostile index page: (1) a PEP 658 link that names a refused file's sha256 must not
// serve its bytes; (2) file and metadata URLs outside the upstream's origins are never fetched, and
// the hash of unexpected bytes never reaches a client; (6) the same bytes listed by two projects
// under two names are served under both, with one verdict, each from its own listing's URL.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultUpstream, benignWheel, sha256, type UpFile } from '../helpers/fault-upstream.js';
import { get, startProxy, type Proxy } from './harness.js';
import type { Scanner, ScanResult } from '../../src/scan/types.js';

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';

/** Verdicts by file name prefix, so the test decides what is refused (evil: malicious, broken: error). */
function scriptedScanner(): Scanner & { scans: string[] } {
  const scans: string[] = [];
  return {
    version: 'scripted-1',
    scans,
    async scan(input): Promise<ScanResult> {
      scans.push(input.filename);
      const verdict = input.filename.startsWith('evil') ? 'malicious' : input.filename.startsWith('broken') ? 'error' : 'clean';
      return { verdict, score: verdict === 'clean' ? 0 : 1, findings: [], scannerVersion: 'scripted-1', ms: 1, reason: verdict === 'error' ? 'unreadable' : undefined };
    },
  };
}

let up: FaultUpstream;
let proxy: Proxy;
let scanner: ReturnType<typeof scriptedScanner>;
/** A second server on another port of 127.0.0.1: the internal service a page must not reach. */
let internal: Server;
let internalHits = 0;
let internalPort = 0;

const evil = benignWheel('evil', '1.0', 32 * 1024);
const broken = benignWheel('broken', '1.0', 32 * 1024);
const shared = benignWheel('alpha', '1.0', 16 * 1024);
const internalBody = Buffer.from('internal secret: do not leak\n');

function pageJson(name: string, files: { filename: string; url: string; sha256: string; meta?: string }[]): string {
  return JSON.stringify({
    meta: { 'api-version': '1.1' },
    name,
    versions: ['1.0'],
    files: files.map((f) => ({ filename: f.filename, url: f.url, hashes: { sha256: f.sha256 }, ...(f.meta ? { 'core-metadata': { sha256: f.meta } } : {}) })),
  });
}

function setPage(name: string, body: string, contentType = JSON_TYPE): void {
  up.pages.set(`/simple/${name}/`, { contentType, body });
}

/** Serves `body` at /files/<filename> without listing it on any project page. */
function serveUnlisted(filename: string, body: Buffer): UpFile {
  const f = { project: '-unlisted-', filename, body, sha256: sha256(body) };
  up.files.set(filename, f);
  return f;
}

async function page(project: string): Promise<{ files: { filename: string; url: string }[] }> {
  const r = await get(`${proxy.url}/simple/${project}/`, { accept: JSON_TYPE });
  expect(r.status, r.body.toString()).toBe(200);
  return JSON.parse(r.body.toString());
}

async function urlOf(project: string, filename: string): Promise<string> {
  const f = (await page(project)).files.find((x) => x.filename === filename);
  if (!f) throw new Error(`${filename} not on ${project}`);
  return new URL(f.url, `${proxy.url}/simple/${project}/`).href;
}

beforeAll(async () => {
  internal = createServer((req, res) => {
    internalHits++;
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(internalBody);
  });
  await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
  internalPort = (internal.address() as AddressInfo).port;
  up = await new FaultUpstream().start();
  up.add('evil', evil.filename, evil.body);
  up.add('broken', broken.filename, broken.body);
  scanner = scriptedScanner();
  proxy = await startProxy(up.simple, { allow: { projects: [] }, scanAhead: true, scanAheadConcurrency: 2 }, scanner as Scanner);
});

afterAll(async () => {
  await proxy?.stop();
  await up?.stop();
  await new Promise<void>((r) => internal.close(() => r()));
});

describe('PEP 658 metadata cannot carry a refused file', () => {
  const refused = [
    ['blocked (malicious)', evil, 'evil'],
    ['held as unreadable (error)', broken, 'broken'],
  ] as const;

  for (const [what, bad, project] of refused) {
    test(`a clean wheel whose core-metadata names a ${what} file's sha256`, async () => {
      // The refused file is fetched, scanned and refused: its bytes are now in the proxy's store.
      const r = await get(await urlOf(project, bad.filename));
      expect(r.status).toBe(403);
      const badSha = sha256(bad.body);
      expect(proxy.blobFiles().some((p) => p.endsWith(badSha))).toBe(true);

      // A page lists a clean wheel with data-core-metadata="sha256=<the refused file's sha256>", in
      // HTML and in JSON; and upstream even serves the refused bytes as that wheel's .metadata.
      const name = `${project}-smuggle`;
      const cleanFile = serveUnlisted(`${name}-1.0-py3-none-any.whl`, benignWheel(name, '1.0').body);
      setPage(name, `<!DOCTYPE html><html><body><a href="${up.fileUrl(cleanFile.filename)}#sha256=${cleanFile.sha256}" data-core-metadata="sha256=${badSha}">${cleanFile.filename}</a></body></html>`, 'text/html');
      const metaUrl = (await urlOf(name, cleanFile.filename)) + '.metadata';

      for (const upstreamServesIt of [false, true]) {
        if (upstreamServesIt) serveUnlisted(`${cleanFile.filename}.metadata`, bad.body);
        for (const headers of [{}, { range: 'bytes=0-1023' }, { range: `bytes=-${bad.body.length}` }] as Record<string, string>[]) {
          const m = await get(metaUrl, headers);
          expect(m.status, `${JSON.stringify(headers)} upstream serves it: ${upstreamServesIt}`).not.toBe(200);
          expect(m.status).not.toBe(206);
          expect(m.body.includes(bad.body.subarray(0, 64))).toBe(false);
          expect(m.body.includes(bad.body.subarray(bad.body.length - 64))).toBe(false);
          expect(m.headers.get('cache-control') ?? '').not.toMatch(/immutable/);
        }
      }
      // Nothing of the refused file is kept as metadata either.
      expect(proxy.blobFiles().filter((p) => p.endsWith(badSha))).toHaveLength(1);
    });
  }

  test('upstream metadata that is not core metadata is refused; real metadata still passes', async () => {
    const junk = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(4000, 7)]);
    const wheelFile = serveUnlisted('junkmeta-1.0-py3-none-any.whl', benignWheel('junkmeta', '1.0').body);
    serveUnlisted(`${wheelFile.filename}.metadata`, junk);
    const good = Buffer.from('Metadata-Version: 2.1\nName: goodmeta\nVersion: 1.0\n\nA description.\n');
    const goodWheel = serveUnlisted('goodmeta-1.0-py3-none-any.whl', benignWheel('goodmeta', '1.0').body);
    serveUnlisted(`${goodWheel.filename}.metadata`, good);
    setPage('junkmeta', pageJson('junkmeta', [{ filename: wheelFile.filename, url: up.fileUrl(wheelFile.filename), sha256: wheelFile.sha256, meta: sha256(junk) }]));
    setPage('goodmeta', pageJson('goodmeta', [{ filename: goodWheel.filename, url: up.fileUrl(goodWheel.filename), sha256: goodWheel.sha256, meta: sha256(good) }]));
    const bad = await get((await urlOf('junkmeta', wheelFile.filename)) + '.metadata');
    expect(bad.status).toBe(502);
    expect(bad.body.includes(junk.subarray(0, 64))).toBe(false);
    const ok = await get((await urlOf('goodmeta', goodWheel.filename)) + '.metadata');
    expect(ok.status).toBe(200);
    expect(ok.body.equals(good)).toBe(true);
  });
});

describe('SSRF: only the upstream origin and configured file origins are fetched', () => {
  test('a page linking to another port of 127.0.0.1 and to 169.254.169.254: no request reaches them, a clear 502, no hash in the body', async () => {
    const inSha = sha256(internalBody);
    const files = [
      { filename: 'ssrf-1.0-py3-none-any.whl', url: `http://127.0.0.1:${internalPort}/secret.whl`, sha256: inSha },
      { filename: 'ssrf-1.1-py3-none-any.whl', url: 'http://169.254.169.254/latest/meta-data/x.whl', sha256: inSha.replace(/^./, 'f') },
      { filename: 'ssrf-1.2-py3-none-any.whl', url: `http://localhost:${internalPort}/secret.whl`, sha256: inSha.replace(/^./, 'e') },
    ];
    setPage('ssrf', pageJson('ssrf', files));
    // Pip's User-Agent makes scan-ahead pick the newest release: it must obey the same rule.
    const ua = 'pip/24.2 {"python":"3.11.7","implementation":{"name":"CPython"},"system":{"name":"Linux"},"cpu":"x86_64"}';
    const listing = await get(`${proxy.url}/simple/ssrf/`, { accept: JSON_TYPE, 'user-agent': ua });
    expect(listing.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    await proxy.deps.scanAhead!.idle();
    expect(proxy.logs.some((l) => l.includes('scan-ahead failed') && l.includes('not fetched'))).toBe(true);
    for (const f of files) {
      const started = performance.now();
      const r = await get(await urlOf('ssrf', f.filename));
      expect(r.status, r.body.toString()).toBe(502);
      expect(JSON.parse(r.body.toString()).code).toBe('upstream-forbidden-origin');
      expect(r.body.toString()).not.toContain(inSha);
      // Refused before any connection: no connect timeout on the unroutable metadata address.
      expect(performance.now() - started).toBeLessThan(700);
      const m = await get((await urlOf('ssrf', f.filename)) + '.metadata');
      expect(m.status).not.toBe(200);
    }
    // The metadata link of a listed hash pointing at the internal service is not fetched either.
    setPage('ssrf-meta', pageJson('ssrf-meta', [{ filename: 'ssrf_meta-1.0-py3-none-any.whl', url: `http://127.0.0.1:${internalPort}/x.whl`, sha256: inSha.replace(/^./, 'd'), meta: inSha }]));
    const meta = await get((await urlOf('ssrf-meta', 'ssrf_meta-1.0-py3-none-any.whl')) + '.metadata');
    expect(meta.status).toBe(502);
    expect(meta.body.includes(internalBody)).toBe(false);
    expect(internalHits).toBe(0);
  });

  test('the hash of unexpected bytes goes to the server log, not to the client', async () => {
    const w = benignWheel('fresh0', '1.0');
    up.add('fresh0', w.filename, w.body);
    up.setFault('file', { kind: 'wrong-bytes' });
    try {
      const r = await get(await urlOf('fresh0', w.filename));
      expect(r.status).toBe(502);
      const other = Buffer.from(w.body);
      other[Math.floor(other.length / 2)] ^= 0xff;
      const got = sha256(other);
      expect(r.body.toString()).not.toContain(got);
      expect(r.body.toString()).not.toMatch(/hash to/);
      expect(proxy.logs.some((l) => l.includes(got))).toBe(true);
    } finally {
      up.clearFault();
    }
  });
});

describe('the same bytes listed by two projects', () => {
  test('a second project listing the same sha256 under another name is served, with the same verdict and its own upstream URL', async () => {
    const shaShared = sha256(shared.body);
    // alpha and beta list the same bytes under their own names at their own URLs; gamma lists them
    // under beta's file name with a URL of its own that must never be used for beta's listing.
    const alpha = serveUnlisted(shared.filename, shared.body);
    const beta = serveUnlisted('beta-1.0-py3-none-any.whl', shared.body);
    setPage('alpha', pageJson('alpha', [{ filename: alpha.filename, url: up.fileUrl(alpha.filename), sha256: shaShared }]));
    setPage('beta', pageJson('beta', [{ filename: beta.filename, url: up.fileUrl(beta.filename), sha256: shaShared }]));
    setPage('gamma', pageJson('gamma', [{ filename: beta.filename, url: `${up.base}/files/gamma-decoy.whl`, sha256: shaShared }]));
    const alphaUrl = await urlOf('alpha', alpha.filename);
    const betaUrl = await urlOf('beta', beta.filename);
    expect(betaUrl).toContain(shaShared);
    await urlOf('gamma', beta.filename);
    expect((await proxy.deps.store.getListing(shaShared, beta.filename))?.upstream_url).toBe(up.fileUrl(beta.filename));
    expect((await proxy.deps.store.getListing(shaShared, beta.filename))?.project).toBe('beta');
    const b = await get(betaUrl);
    expect(b.status, b.body.toString()).toBe(200);
    expect(b.body.equals(shared.body)).toBe(true);
    const a = await get(alphaUrl);
    expect(a.status).toBe(200);
    expect(a.body.equals(shared.body)).toBe(true);
    await proxy.deps.scanAhead!.idle();
    // One download and one scan for the bytes, whoever listed them; never from gamma's URL.
    expect(scanner.scans.filter((f) => f === alpha.filename || f === beta.filename)).toHaveLength(1);
    expect(up.hitCount(`/files/${alpha.filename}`) + up.hitCount(`/files/${beta.filename}`)).toBe(1);
    expect(up.hitCount('/files/gamma-decoy')).toBe(0);
  });

  test('a refused file listed again under another project and name is refused too (same bytes, same verdict)', async () => {
    const evilSha = sha256(evil.body);
    expect((await get(`${proxy.url}/files/${evilSha}/${evil.filename}`)).status).toBe(403);
    const copy = serveUnlisted('innocent-1.0-py3-none-any.whl', evil.body);
    setPage('innocent', pageJson('innocent', [{ filename: copy.filename, url: up.fileUrl(copy.filename), sha256: evilSha }]));
    // Known refused: the project has no other file, so it stays listed (a download's 403 is the
    // only refusal pip prints)...
    expect((await page('innocent')).files.map((f: { filename: string }) => f.filename)).toEqual([copy.filename]);
    // ...and its URL, if a client still has it, is refused without a second scan.
    const scans = scanner.scans.length;
    const r = await get(`${proxy.url}/files/${evilSha}/${copy.filename}`);
    expect(r.status).toBe(403);
    expect(r.body.includes(evil.body.subarray(0, 64))).toBe(false);
    expect(scanner.scans.length).toBe(scans);
  });
});
