// Issue 10 parts 4 and 5 against a real proxy on port 0, a real HTTP upstream and real SQLite:
// a hostile serial cannot pin a page, an older serial is kept only for a bounded number of
// answers, pages over the size or file limits are refused uncached, and parsed pages stay
// within their memory budget however many distinct projects a client walks.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { FaultUpstream } from '../helpers/fault-upstream.js';
import { SERIAL_REGRESSION_TRIES } from '../../src/pages/cache.js';
import { get, startProxy, type Proxy } from '../reliability/harness.js';
import { testDb } from '../helpers/sqlite.js';

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
let up: FaultUpstream | undefined;
let proxy: Proxy | undefined;

afterEach(async () => {
  await proxy?.stop();
  await up?.stop();
  proxy = up = undefined;
});

/** A PEP 691 page listing `files` (fake sha256s: nothing here downloads a file). */
function page(project: string, files: string[], serial?: number): string {
  return JSON.stringify({
    meta: { 'api-version': '1.1', ...(serial === undefined ? {} : { '_last-serial': serial }) },
    name: project,
    files: files.map((filename) => ({
      filename,
      url: `https://files.example.org/${filename}`,
      hashes: { sha256: createHash('sha256').update(filename).digest('hex') },
    })),
  });
}

function setPage(project: string, files: string[], serial?: number): void {
  up!.pages.set(`/simple/${project}/`, { contentType: JSON_TYPE, body: page(project, files, serial) });
}

async function listed(project: string): Promise<{ files: string[]; serial: unknown }> {
  const r = await get(`${proxy!.url}/simple/${project}/`, { accept: JSON_TYPE });
  expect(r.status, r.body.toString()).toBe(200);
  const body = JSON.parse(r.body.toString()) as { meta: Record<string, unknown>; files: { filename: string }[] };
  return { files: body.files.map((f) => f.filename), serial: body.meta['_last-serial'] };
}

const persisted = (project: string) =>
  testDb(proxy!.deps).prepare('SELECT body, serial FROM pages WHERE project = ?').get(project) as { body: string; serial: number | null } | undefined;

const v1 = ['demo-1.0-py3-none-any.whl'];
const v2 = ['demo-1.0-py3-none-any.whl', 'demo-2.0-py3-none-any.whl'];

describe('serial guard (issue 10 part 5)', () => {
  test('one answer with _last-serial 2^53-1 does not pin the page: the next correct page is served', async () => {
    up = await new FaultUpstream().start();
    proxy = await startProxy(up.simple, { pageTtl: 0 });
    setPage('demo', v1, Number.MAX_SAFE_INTEGER);
    expect((await listed('demo')).serial).toBeUndefined(); // the implausible serial is not repeated to clients
    expect(persisted('demo')?.serial).toBeNull();
    setPage('demo', v2, 30_000_000);
    for (let i = 0; i < 5; i++) expect((await listed('demo')).files).toEqual(v2);
    expect(persisted('demo')?.serial).toBe(30_000_000);
    expect(proxy.logs.some((l) => l.includes('implausible serial'))).toBe(true);
  });

  test('an older serial keeps the cached page for a bounded number of answers, then is accepted (and persisted)', async () => {
    up = await new FaultUpstream().start();
    proxy = await startProxy(up.simple, { pageTtl: 0 });
    setPage('demo', v2, 2000);
    expect((await listed('demo')).files).toEqual(v2);
    setPage('demo', v1, 1000); // a lagging mirror, or an index that was reset
    for (let i = 1; i < SERIAL_REGRESSION_TRIES; i++) {
      expect((await listed('demo')).files).toEqual(v2);
      // The count is persisted with the page: neither an eviction nor a restart starts it again.
      expect(JSON.parse(persisted('demo')!.body).regression.tries).toBe(i);
    }
    expect((await listed('demo')).files).toEqual(v1);
    expect(persisted('demo')?.serial).toBe(1000);
    // The accepted page is the new reference: a newer serial after it is served at once.
    setPage('demo', v2, 1001);
    expect((await listed('demo')).files).toEqual(v2);
  });
});

describe('page limits (issue 10 part 4)', () => {
  test('a page listing more than maxPageFiles files: 502 with the reason, nothing cached or persisted', async () => {
    up = await new FaultUpstream().start();
    proxy = await startProxy(up.simple, { maxPageFiles: 3 });
    setPage('demo', ['a-1-py3-none-any.whl', 'a-2-py3-none-any.whl', 'a-3-py3-none-any.whl', 'a-4-py3-none-any.whl']);
    for (let i = 1; i <= 2; i++) {
      const r = await get(`${proxy.url}/simple/demo/`, { accept: JSON_TYPE });
      expect(r.status).toBe(502);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.parse(r.body.toString()).detail).toContain('lists 4 files, over the limit of 3 (maxPageFiles)');
      expect(up.hitCount('/simple/demo/')).toBe(i); // not cached: each request asks upstream again
    }
    expect(persisted('demo')).toBeUndefined();
    expect(testDb(proxy.deps).prepare('SELECT count(*) FROM files').pluck().get()).toBe(0);
  });

  test('a page over maxPageMb (no Content-Length): 502 with the reason, nothing cached', async () => {
    up = await new FaultUpstream().start();
    proxy = await startProxy(up.simple, { maxPageMb: 1 });
    setPage('demo', v1);
    up.setFault('page', { kind: 'oversized', bytes: 3 * 1024 * 1024, chunked: true });
    const r = await get(`${proxy.url}/simple/demo/`, { accept: JSON_TYPE });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body.toString()).detail).toMatch(/exceeds the 1048576 byte limit/);
    expect(persisted('demo')).toBeUndefined();
  });
});

describe('page cache memory (issue 10 part 4)', () => {
  test('walking 300 distinct 50-file pages keeps parsed pages within the budget; evicted pages are still served', async () => {
    up = await new FaultUpstream().start();
    // 2 MiB: 1 MiB for parsed pages (about 17 of these), 1 MiB for rendered ones.
    proxy = await startProxy(up.simple, { pageCacheMb: 2 });
    const files = (p: string) => Array.from({ length: 50 }, (_, i) => `${p}-${i}.0-cp312-cp312-manylinux_2_17_x86_64.whl`);
    for (let i = 0; i < 300; i++) setPage(`walk${i}`, files(`walk${i}`));
    let peak = 0;
    for (let i = 0; i < 300; i++) {
      expect((await listed(`walk${i}`)).files).toHaveLength(50);
      peak = Math.max(peak, proxy.deps.pages.cachedBytes);
    }
    expect(peak).toBeGreaterThan(256 * 1024);
    expect(peak).toBeLessThanOrEqual(1024 * 1024);
    // The first pages were evicted long ago: they come back from SQLite (revalidated) intact.
    expect((await listed('walk0')).files).toEqual(files('walk0'));
  });
});
