// Several upstreams as one (issue 12): a real private folder and a real public HTTP index on port 0,
// real SQLite for the claims. The public index always carries a higher version of the private name.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeDists } from '../helpers/dists.js';
import { startIndexServer, type TestIndex } from '../helpers/index-server.js';
import { FolderUpstream, HttpUpstream, SeveralUpstreams, allowedOrigins } from '../../src/upstream/index.js';
import { patternMatcher, type Source } from '../../src/upstream/several.js';
import type { Upstream } from '../../src/upstream/types.js';
import { openSqlite } from '../../src/store/db.js';
import { OrgStore } from '../../src/store/uploads.js';

let work: string;
let privateDir: string;
let pub: TestIndex;
let org: OrgStore;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'pywarden-several-'));
  privateDir = path.join(work, 'private');
  const publicDir = path.join(work, 'public');
  makeDists(privateDir, [
    { kind: 'wheel', name: 'acme_tool', version: '1.0' },
    { kind: 'wheel', name: 'requests', version: '2.0+acme' },
  ]);
  makeDists(publicDir, [
    { kind: 'wheel', name: 'acme_tool', version: '99.0' },
    { kind: 'wheel', name: 'acme_new', version: '1.0' },
    { kind: 'wheel', name: 'requests', version: '2.32.0' },
    { kind: 'wheel', name: 'six', version: '1.16.0' },
  ]);
  pub = await startIndexServer(publicDir);
  pub.projects.set('acme-tool', { files: [{ filename: 'acme_tool-99.0-py3-none-any.whl' }] });
  pub.projects.set('acme-new', { files: [{ filename: 'acme_new-1.0-py3-none-any.whl' }] });
  pub.projects.set('requests', { files: [{ filename: 'requests-2.32.0-py3-none-any.whl' }] });
  pub.projects.set('six', { files: [{ filename: 'six-1.16.0-py3-none-any.whl' }] });
});

afterAll(async () => {
  await pub?.close();
  rmSync(work, { recursive: true, force: true });
});

beforeEach(async () => {
  org = new OrgStore(await openSqlite(':memory:'));
  pub.hits.clear();
  pub.faults.down = false;
});

function several(extra: Partial<Source> = {}, privateUpstream: Upstream = new FolderUpstream(privateDir, 0)) {
  const publicUp = new HttpUpstream(pub.url, { timeoutMs: 2000 });
  return new SeveralUpstreams(
    [
      { name: 'acme', upstream: privateUpstream, private: true, routes: [], merge: [], ...extra },
      { name: 'pypi', upstream: publicUp, private: false, routes: [], merge: [] },
    ],
    org,
  );
}

const publicHits = (project: string) => pub.hits.get(`/simple/${project}/`) ?? 0;

describe('several upstreams', () => {
  it('serves a private name from the private upstream only: the public higher version is never looked up', async () => {
    const res = await several().project('acme-tool');
    expect(res.status).toBe('ok');
    if (res.status !== 'ok') return;
    expect(res.page.files.map((f) => [f.filename, f.upstream])).toEqual([['acme_tool-1.0-py3-none-any.whl', 'acme']]);
    expect(publicHits('acme-tool')).toBe(0);
    expect(await org.claimOf('acme-tool')).toBe('acme');
  });

  it('serves a name the private upstream does not have from the public one, files tagged with their origin', async () => {
    const res = await several().project('six');
    expect(res.status === 'ok' && res.page.files.map((f) => f.upstream)).toEqual(['pypi']);
    expect(await org.claimOf('six')).toBeUndefined();
  });

  it('a claimed name stays private when the private upstream later answers "not found"', async () => {
    await several().project('acme-tool');
    const empty = path.join(work, 'empty');
    mkdirSync(empty, { recursive: true });
    const res = await several({}, new FolderUpstream(empty, 0)).project('acme-tool');
    expect(res.status).toBe('not-found');
    expect(publicHits('acme-tool')).toBe(0);
  });

  it('fails closed when the private upstream cannot be reached: the public page is not served instead', async () => {
    const down = new HttpUpstream('http://127.0.0.1:1/simple/', { timeoutMs: 1000 });
    await expect(several({}, down).project('acme-tool')).rejects.toMatchObject({ name: 'UpstreamError' });
    await expect(several({}, down).project('six')).rejects.toMatchObject({ name: 'UpstreamError' });
    expect(publicHits('acme-tool') + publicHits('six')).toBe(0);
  });

  it('a route pins a name pattern to one upstream: a public acme-* project is never looked up', async () => {
    const res = await several({ routes: ['acme-*'] }).project('acme-new');
    expect(res.status).toBe('not-found');
    expect(publicHits('acme-new')).toBe(0);
  });

  it('merge lists the public files of an allowed name after the private ones', async () => {
    const res = await several({ merge: ['requests'] }).project('requests');
    expect(res.status === 'ok' && res.page.files.map((f) => [f.filename, f.upstream])).toEqual([
      ['requests-2.0+acme-py3-none-any.whl', 'acme'],
      ['requests-2.32.0-py3-none-any.whl', 'pypi'],
    ]);
  });

  it('without merge a private name shadows the public project of the same name', async () => {
    const res = await several().project('requests');
    expect(res.status === 'ok' && res.page.files.map((f) => f.upstream)).toEqual(['acme']);
    expect(publicHits('requests')).toBe(0);
  });

  it('a file is opened only through the upstream that listed it: a public page cannot reach the private origin', async () => {
    const privateHttp = await startIndexServer(privateDir);
    try {
      const privateUp = new HttpUpstream(privateHttp.url, { timeoutMs: 2000, origins: allowedOrigins(privateHttp.url, []) });
      const s = several({}, privateUp);
      const privateFile = new URL('/files/acme_tool-1.0-py3-none-any.whl', privateHttp.url).href;
      await expect(s.open(privateFile, 'pypi')).rejects.toMatchObject({ code: 'forbidden-origin' });
      await expect(s.open(privateFile, 'nowhere')).rejects.toMatchObject({ code: 'forbidden-origin' });
      const { body } = await s.open(privateFile, 'acme');
      body.resume();
    } finally {
      await privateHttp.close();
    }
  });

  it('revalidates with the ETag of the source that made the page, and drops the serial when the source changes', async () => {
    pub.faults.serial = 500;
    const s = several();
    // No previous page to say which source made it: no serial to compare either.
    const unknown = await s.project('six');
    expect(unknown.status === 'ok' && unknown.serial).toBe(null);
    const first = await s.project('six', unknown.status === 'ok' ? unknown.etag : null);
    expect(first.status === 'ok' && first.serial).toBe(500);
    // The same name turns up on the private upstream: its page wins, with no serial to compare against PyPI's.
    const moved = path.join(work, 'moved');
    makeDists(moved, [{ kind: 'wheel', name: 'six', version: '0.1' }]);
    const s2 = several({}, new FolderUpstream(moved, 0));
    const second = await s2.project('six', first.status === 'ok' ? first.etag : null);
    expect(second.status === 'ok' && [second.serial, second.page.files.map((f) => f.upstream)]).toEqual([null, ['acme']]);
    delete pub.faults.serial;
  });
});

describe('name patterns', () => {
  it('matches normalized names with * wildcards only', () => {
    const m = patternMatcher(['acme-*', 'internal']);
    expect(['acme-tool', 'acme-', 'internal'].map(m)).toEqual([true, true, true]);
    expect(['acmetool', 'internal2', 'x-acme-tool'].map(m)).toEqual([false, false, false]);
  });
});

describe('several upstreams behind the page cache', () => {
  it('serves the cached private page stale when the private upstream goes down, never the public one', async () => {
    const { PageCache } = await import('../../src/pages/cache.js');
    const { SqlMetadataStore } = await import('../../src/store/metadata.js');
    const { createLogger } = await import('../../src/log.js');
    const privateHttp = await startIndexServer(privateDir);
    privateHttp.projects.set('acme-tool', { files: [{ filename: 'acme_tool-1.0-py3-none-any.whl' }] });
    try {
      const db = await openSqlite(':memory:');
      org = new OrgStore(db);
      const cache = new PageCache(several({}, new HttpUpstream(privateHttp.url, { timeoutMs: 2000 })), new SqlMetadataStore(db), createLogger('silent'), { ttlMs: 0, negativeTtlMs: 60_000 });
      const fresh = await cache.project('acme-tool');
      expect(fresh?.stale).toBe(false);
      privateHttp.faults.down = true;
      const stale = await cache.project('acme-tool');
      expect(stale?.stale).toBe(true);
      expect(stale?.page.files.map((f) => f.filename)).toEqual(['acme_tool-1.0-py3-none-any.whl']);
      expect(stale?.staleReason).toMatch(/503/);
      // A name never seen: no stale copy, so an error rather than the public page.
      await expect(cache.project('six')).rejects.toMatchObject({ name: 'UpstreamError' });
      expect(publicHits('acme-tool') + publicHits('six')).toBe(0);
      // "Not found" everywhere is remembered for the negative TTL: the second miss asks nobody.
      privateHttp.faults.down = false;
      expect(await cache.project('nowhere')).toBeNull();
      const asked = (privateHttp.hits.get('/simple/nowhere/') ?? 0) + publicHits('nowhere');
      expect(await cache.project('nowhere')).toBeNull();
      expect((privateHttp.hits.get('/simple/nowhere/') ?? 0) + publicHits('nowhere')).toBe(asked);
    } finally {
      await privateHttp.close();
    }
  });
});
