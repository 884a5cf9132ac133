// Issue 10, bounded resources: a maximum file size, the size a page lists enforced, a limit on
// concurrent cold downloads (a bounded queue, then 503 with Retry-After), and a blob store quota
// with least-recently-used eviction that keeps verdicts.
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { statSync } from 'node:fs';
import { FaultUpstream, benignWheel, sha256 } from '../helpers/fault-upstream.js';
import { fileUrlFromPage, get, startProxy, type Proxy } from './harness.js';

const KiB = 1024;
const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';

let up: FaultUpstream;
let proxy: Proxy | undefined;

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  up?.clearFault();
  await up?.stop();
});

afterAll(async () => {
  await up?.stop();
});

/** Bytes in blobs/ (and tmp/ when asked); a file removed while counting counts 0. */
function blobBytes(p: Proxy, withTmp = false): number {
  const files = withTmp ? [...p.blobFiles(), ...p.tmpFiles()] : p.blobFiles();
  return files.reduce((n, f) => n + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0);
}

/** A JSON page listing one file with whatever size the test wants to claim. */
function listWithSize(project: string, f: { filename: string; sha256: string }, size: number | undefined): void {
  up.pages.set(`/simple/${project}/`, {
    contentType: JSON_TYPE,
    body: JSON.stringify({
      meta: { 'api-version': '1.1' },
      name: project,
      files: [{ filename: f.filename, url: up.fileUrl(f.filename), hashes: { sha256: f.sha256 }, ...(size === undefined ? {} : { size }) }],
    }),
  });
}

describe('file size', () => {
  test('a file listed over maxFileSize is refused without a request; one that only turns out larger is cut off; nothing is kept', async () => {
    up = await new FaultUpstream().start();
    const listed = up.add('huge', benignWheel('huge', '1.0', 256 * KiB).filename, benignWheel('huge', '1.0', 256 * KiB).body);
    const unlisted = benignWheel('huge2', '1.0', 256 * KiB);
    const u = up.add('huge2', unlisted.filename, unlisted.body);
    listWithSize('huge2', u, undefined);
    proxy = await startProxy(up.simple, { maxFileSize: 100 * KiB, blobQuota: 0 });
    const a = await get(await fileUrlFromPage(proxy.url, 'huge', listed.filename));
    expect(a.status).toBe(502);
    expect(JSON.parse(a.body.toString()).code).toBe('upstream-too-large');
    expect(up.hitCount('/files/')).toBe(0);
    // Without a listed size or a Content-Length, the bytes are counted as they arrive.
    for (const fault of [null, { kind: 'chunked' } as const]) {
      if (fault) up.setFault('file', fault);
      const b = await get(await fileUrlFromPage(proxy.url, 'huge2', u.filename));
      expect(b.status).toBe(502);
      expect(JSON.parse(b.body.toString()).code).toBe('upstream-too-large');
      expect(JSON.parse(b.body.toString()).detail).toMatch(fault ? /is over the 102400 byte limit/ : /declares/);
    }
    expect(proxy.tmpFiles()).toEqual([]);
    expect(proxy.blobFiles()).toEqual([]);
    expect(proxy.verdictCount()).toBe(0);
  });

  test('the size a page lists is enforced: more or fewer bytes than listed is a failed download', async () => {
    up = await new FaultUpstream().start();
    const w = benignWheel('toobig', '1.0', 64 * KiB);
    const f = up.add('toobig', w.filename, w.body);
    proxy = await startProxy(up.simple);
    // With a Content-Length the lie is seen on the headers; without one, by counting the bytes.
    for (const fault of [null, { kind: 'chunked' } as const]) {
      if (fault) up.setFault('file', fault);
      for (const size of [w.body.length - 1, w.body.length + 1]) {
        listWithSize('toobig', f, size);
        proxy.deps.pages.forget('toobig');
        const r = await get(await fileUrlFromPage(proxy.url, 'toobig', w.filename));
        expect(r.status, `listed ${size} of ${w.body.length}, ${fault ? 'chunked' : 'with a length'}`).toBe(502);
        expect(proxy.tmpFiles()).toEqual([]);
        expect(proxy.blobFiles()).toEqual([]);
        expect(proxy.verdictCount()).toBe(0);
      }
    }
    up.clearFault();
    listWithSize('toobig', f, w.body.length);
    proxy.deps.pages.forget('toobig');
    const ok = await get(await fileUrlFromPage(proxy.url, 'toobig', w.filename));
    expect(ok.status).toBe(200);
    expect(ok.body.equals(w.body)).toBe(true);
  });
});

describe('cold downloads', () => {
  test('at most maxColdDownloads at once; the queue is bounded, beyond it 503 with Retry-After', async () => {
    up = await new FaultUpstream().start();
    const wheels = ['fresh1', 'fresh2', 'fresh3'].map((p) => {
      const w = benignWheel(p, '1.0');
      up.add(p, w.filename, w.body);
      return { p, ...w };
    });
    proxy = await startProxy(up.simple, { maxColdDownloads: 1, coldDownloadQueue: 1 });
    const urls = [];
    for (const w of wheels) urls.push(await fileUrlFromPage(proxy.url, w.p, w.filename));
    up.setFault('file', { kind: 'slow-headers', ms: 400 });
    const answers = urls.map((u) => get(u));
    for (const a of answers) a.catch(() => undefined); // reported by Promise.all below
    await new Promise((r) => setTimeout(r, 250));
    // Without the limit all three would be at the upstream by now.
    expect(up.hitCount('/files/')).toBe(1);
    const results = await Promise.all(answers);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 503]);
    const busy = results.find((r) => r.status === 503)!;
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.parse(busy.body.toString()).code).toBe('busy');
    expect(up.hitCount('/files/')).toBe(2);
    expect(proxy.tmpFiles()).toEqual([]);
  });
});

describe('blob store quota', () => {
  test('least recently used files are evicted, verdicts kept; an evicted file is fetched again but not scanned again', async () => {
    up = await new FaultUpstream().start();
    const names = ['fits', 'calm', 'bigone'];
    const wheels = names.map((p) => {
      const w = benignWheel(p, '1.0', 256 * KiB);
      up.add(p, w.filename, w.body);
      return { p, ...w, sha: sha256(w.body) };
    });
    const quota = 600 * KiB;
    // The third is listed without a size and sent without a Content-Length: its room is reserved
    // as its bytes arrive, and the eviction happens in the middle of its download.
    listWithSize('bigone', { filename: wheels[2].filename, sha256: wheels[2].sha }, undefined);
    proxy = await startProxy(up.simple, { blobQuota: quota, maxFileSize: 300 * KiB });
    const urls: string[] = [];
    for (const w of wheels) urls.push(await fileUrlFromPage(proxy.url, w.p, w.filename));
    for (const [i, u] of urls.entries()) {
      if (i === 2) up.setFault('file', { kind: 'chunked' });
      const r = await get(u);
      expect(r.status).toBe(200);
      expect(r.body.equals(wheels[i].body)).toBe(true);
      expect(blobBytes(proxy)).toBeLessThanOrEqual(quota);
      await new Promise((r) => setTimeout(r, 5)); // distinct last-requested times
    }
    // The first file was the least recently used: its blob is gone, its verdict is not.
    const [first] = wheels;
    expect(proxy.blobFiles().some((f) => f.endsWith(first.sha))).toBe(false);
    expect((await proxy.deps.store.getFile(first.sha))?.stored).toBe(0);
    expect((await proxy.deps.store.latestVerdict(first.sha))?.verdict).toBeDefined();
    up.clearFault();
    const scans = proxy.scans.length;
    const again = await get(urls[0]);
    expect(again.status).toBe(200);
    expect(again.body.equals(first.body)).toBe(true);
    expect(up.hitCount(`/files/${first.filename}`)).toBe(2);
    expect(proxy.scans.length).toBe(scans);
    expect(blobBytes(proxy)).toBeLessThanOrEqual(quota);
    expect(proxy.tmpFiles()).toEqual([]);
  });

  test('downloads that together need more than the quota wait for room instead of failing', async () => {
    up = await new FaultUpstream().start();
    const wheels = ['fresh4', 'fresh5', 'fresh6', 'fresh7'].map((p) => {
      const w = benignWheel(p, '1.0', 256 * KiB);
      up.add(p, w.filename, w.body);
      return { p, ...w };
    });
    const quota = 600 * KiB; // two of them at a time
    proxy = await startProxy(up.simple, { blobQuota: quota, maxFileSize: 300 * KiB });
    const urls: string[] = [];
    for (const w of wheels) urls.push(await fileUrlFromPage(proxy.url, w.p, w.filename));
    up.setFault('file', { kind: 'slow-headers', ms: 200 });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, blobBytes(proxy!, true))), 5);
    const results = await Promise.all(urls.map((u) => get(u)));
    clearInterval(sampler);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    results.forEach((r, i) => expect(r.body.equals(wheels[i].body)).toBe(true));
    expect(peak).toBeLessThanOrEqual(quota);
    expect(blobBytes(proxy)).toBeLessThanOrEqual(quota);
  });
});
