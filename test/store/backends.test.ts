// Issue 13: the same store tests run against the embedded SQLite file and a real PostgreSQL
// database (a fresh one per run). What a replica relies on must hold on both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { SqlMetadataStore, type NewFile } from '../../src/store/metadata.js';
import { ReviewStore } from '../../src/store/review.js';
import { AdvisoryStore } from '../../src/store/advisories.js';
import type { SqlDb } from '../../src/store/sql.js';
import type { ScanResult } from '../../src/scan/types.js';
import { freshDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.js';

const sha = (c: string) => c.repeat(64);
const file = (s: string, filename: string, extra: Partial<NewFile> = {}): NewFile => ({
  sha256: s, filename, version: '1.0', size: 10, upstreamUrl: `https://files.example/${filename}`, uploadTime: null, metadataSha256: null, ...extra,
});
const result = (verdict: ScanResult['verdict'], scannerVersion: string, rule = 'r1'): ScanResult =>
  ({ verdict, score: verdict === 'clean' ? 0.01 : 0.9, findings: verdict === 'clean' ? [] : [{ rule, severity: 'high', message: 'm' }], scannerVersion, ms: 5 }) as unknown as ScanResult;

const backends: { name: string; skip: boolean; open(): Promise<{ db: SqlDb; done(): Promise<void> }> }[] = [
  {
    name: 'sqlite',
    skip: false,
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), 'pywarden-store-'));
      const db = await openDatabase('', dir);
      return { db, done: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
    },
  },
  {
    name: 'postgres',
    skip: !postgresAvailable,
    async open() {
      const fresh: TestDatabase = await freshDatabase();
      const db = await openDatabase(fresh.url, '/nonexistent');
      return { db, done: async () => { await db.close(); await fresh.drop(); } };
    },
  },
];

for (const b of backends) {
  describe.skipIf(b.skip)(`store on ${b.name}`, () => {
    let db: SqlDb;
    let done: () => Promise<void>;
    let store: SqlMetadataStore;
    let reviews: ReviewStore;
    beforeAll(async () => {
      ({ db, done } = await b.open());
      store = new SqlMetadataStore(db, { coalesceMs: 60_000 });
      reviews = new ReviewStore(db);
    });
    afterAll(async () => done?.());

    it('migrates to the latest version, and migrating again changes nothing', async () => {
      const { migrate } = await import('../../src/store/db.js');
      await migrate(db);
      expect(await db.get<{ n: number }>(`SELECT count(*) AS n FROM leases`)).toEqual({ n: 0 });
    });

    it('listings: the first project keeps a listing; another project adds its own name for the same bytes', async () => {
      await store.upsertProject('alpha', null);
      await store.upsertFiles('alpha', [file(sha('a'), 'alpha-1.0-py3-none-any.whl', { uploadTime: '2026-01-01T00:00:00Z' })]);
      await store.upsertFiles('beta', [file(sha('a'), 'alpha-1.0-py3-none-any.whl', { upstreamUrl: 'https://decoy/x.whl' }), file(sha('a'), 'beta-1.0-py3-none-any.whl')]);
      expect(await store.getListing(sha('a'), 'alpha-1.0-py3-none-any.whl')).toMatchObject({ project: 'alpha', upstream_url: 'https://files.example/alpha-1.0-py3-none-any.whl', size: 10, stored: 0, requests: 0 });
      expect((await store.getListing(sha('a'), 'beta-1.0-py3-none-any.whl'))?.project).toBe('beta');
      expect((await store.getFile(sha('a')))?.filename).toBe('alpha-1.0-py3-none-any.whl');
      await store.markStored(sha('a'));
      await store.touchFile(sha('a'));
      expect(await store.getFile(sha('a'))).toMatchObject({ stored: 1, requests: 1 });
      expect(await store.leastRecentlyUsed(10)).toEqual([sha('a')]);
      expect(await store.storedProjects()).toEqual(['alpha']);
      expect(await store.projectStatus('alpha')).toBeNull();
    });

    it('a page of 300 files, one listed twice, is recorded in batches (the last listing of the duplicate wins)', async () => {
      const many = Array.from({ length: 300 }, (_, i) => file(i.toString(16).padStart(64, 'e'), `many-${i}.whl`));
      await store.upsertFiles('many', [...many, { ...many[7], upstreamUrl: 'https://files.example/again.whl' }]);
      expect(await db.get<{ n: number }>(`SELECT count(*) AS n FROM listings WHERE project = 'many'`)).toEqual({ n: 300 });
      expect((await store.getListing(many[7].sha256, many[7].filename))?.upstream_url).toBe('https://files.example/again.whl');
      expect((await store.getListing(many[299].sha256, many[299].filename))?.project).toBe('many');
    });

    it('verdicts: the latest is the newest decision, even within one millisecond; times survive as 64-bit numbers', async () => {
      await store.putVerdict(sha('a'), result('suspicious', 'v1'));
      await store.putVerdict(sha('a'), result('clean', 'v2'));
      expect((await store.latestVerdict(sha('a')))?.verdict).toBe('clean');
      expect((await store.getVerdict(sha('a'), 'v1'))?.findings).toEqual([{ rule: 'r1', severity: 'high', message: 'm' }]);
      const v = (await store.getVerdict(sha('a'), 'v2'))!;
      expect(typeof v.decided_at).toBe('number');
      expect(v.decided_at).toBeGreaterThan(1.7e12);
      expect(v.score).toBeCloseTo(0.01, 10);
      expect(await store.storedWithLatestVerdict()).toEqual([{ sha256: sha('a'), version: 'v2', verdict: 'clean' }]);
      expect([...(await store.projectStates('alpha'))]).toEqual([[sha('a'), { verdict: 'clean', review: undefined }]]);
    });

    it('review items: holding twice opens one item; a new state moves it; the queue filters by rule', async () => {
      await store.upsertFiles('gamma', [file(sha('c'), 'gamma-1.0.tar.gz')]);
      await store.putVerdict(sha('c'), result('malicious', 'v2', 'exfil'));
      const a = await store.holdForReview(sha('c'), 'quarantined');
      const again = await store.holdForReview(sha('c'), 'quarantined');
      expect(again).toEqual(a);
      expect((await store.holdForReview(sha('c'), 'blocked')).state).toBe('blocked');
      expect((await store.getReview(sha('c')))?.id).toBe(a.id);
      expect((await reviews.queue({ rule: 'exfil' })).items.map((i) => i.sha256)).toEqual([sha('c')]);
      expect((await reviews.queue({ rule: 'other' })).total).toBe(0);
      const item = (await reviews.item(a.id))!;
      expect(item).toMatchObject({ state: 'blocked', verdict: 'malicious', rules: ['exfil'], project: 'gamma' });
      expect(await reviews.queueDepth()).toEqual({ blocked: 1 });
      const { previous } = await reviews.setState(a.id, 'released', { sha256: sha('c'), action: 'release', actor: 'alice', reason: 'ok' });
      expect(previous).toBe('blocked');
      expect((await reviews.history(sha('c'), 'gamma')).map((d) => d.action)).toEqual(['release']);
      const today = new Date().toISOString().slice(0, 10);
      expect((await reviews.overview(2)).find((d) => d.day === today)).toMatchObject({ scanned: 2, held: 1, released: 1 });
    });

    it('events: repeats within the window share a row whose count grows; rows cannot be changed or deleted', async () => {
      for (let i = 0; i < 3; i++) await store.addEvent({ kind: 'refused', sha256: sha('c'), client: '10.0.0.1', requestId: `r${i}`, detail: { why: 'x' } });
      await store.addEvent({ kind: 'refused', sha256: sha('c'), client: '10.0.0.2', detail: { why: 'x' } });
      const rows = await reviews.eventsPage(0, 0, 10);
      expect(rows.map((r) => [r.client, r.count, r.last_request_id])).toEqual([['10.0.0.1', 3, 'r2'], ['10.0.0.2', 1, null]]);
      expect((await reviews.askers(sha('c')))[0]).toMatchObject({ client: '10.0.0.1', count: 3 });
      await expect(db.run(`UPDATE events SET kind = 'x'`)).rejects.toThrow(/append-only/);
      await expect(db.run(`DELETE FROM events`)).rejects.toThrow(/append-only/);
      await expect(db.run(`UPDATE events SET count = 0`)).rejects.toThrow(/only grows/);
      await expect(db.run(`DELETE FROM decisions`)).rejects.toThrow(/append-only/);
    });

    it('lists, waivers, rule modes and tokens, each with its decision row', async () => {
      expect((await reviews.addListEntry('deny', 'projects', 'evil', 'IOC', 'adam')).created).toBe(true);
      expect((await reviews.addListEntry('deny', 'projects', 'evil', 'IOC', 'adam')).created).toBe(false);
      const w = await reviews.addWaiver({ project: 'gamma', version: null, sha256: null, expiresAt: Date.now() + 60_000, justification: 'j', actor: 'alice' });
      await reviews.setRuleMode('exfil', 'monitor', 'adam', null);
      expect(await reviews.policyExtras()).toMatchObject({ deny: { projects: ['evil'] }, monitoredRules: ['exfil'], waivers: [{ project: 'gamma' }] });
      expect((await reviews.revokeWaiver(w.id, 'alice', null))?.revoked_at).toBeGreaterThan(0);
      const id = await reviews.tokens.add('ci', 'download', 'h'.repeat(64), 'adam', null);
      expect((await reviews.tokens.byHash('h'.repeat(64)))?.role).toBe('download');
      expect(await reviews.tokens.revoke(id, 'adam')).toBe(true);
      expect(await reviews.tokens.byHash('h'.repeat(64))).toBeUndefined();
      const actions = (await reviews.decisionsPage(0, 0, 100)).map((d) => d.action);
      expect(actions).toEqual(['release', 'deny-add', 'waive', 'rule-monitor', 'unwaive', 'token-create', 'token-revoke']);
    });

    it('advisories: a batch in one transaction; the generation grows; a withdrawn record stops matching', async () => {
      const adv = new AdvisoryStore(db);
      const g0 = await adv.generation();
      const rec = { id: 'MAL-1', modified: '2026-01-01T00:00:00Z', modifiedMs: 1, withdrawn: null, summary: 's', details: 'd', aliases: [], references: [], packages: [{ project: 'evil', versions: ['1.0'], ranges: [] }] };
      expect((await adv.applyBatch([rec], 'test')).outcomes).toEqual(['added']);
      expect(await adv.match('evil', '1.0')).toEqual(['MAL-1']);
      expect(await adv.generation()).toBeGreaterThan(g0);
      expect((await adv.applyBatch([{ ...rec, modifiedMs: 2, withdrawn: '2026-02-01T00:00:00Z' }], 'test')).outcomes).toEqual(['withdrawn']);
      expect(await adv.match('evil', '1.0')).toEqual([]);
      expect(await adv.activeCount()).toBe(0);
    });
  });
}

for (const b of backends) {
  describe.skipIf(b.skip)(`leases on ${b.name}`, () => {
    let db: SqlDb;
    let done: () => Promise<void>;
    beforeAll(async () => ({ db, done } = await b.open()));
    afterAll(async () => done?.());

    it('one holder at a time; renewed while held; taken over once its holder stops renewing; released for the next', async () => {
      const { LeaseStore } = await import('../../src/store/leases.js');
      // A lease time no test run comes near: the renewal timers never fire here, the test renews
      // by hand (Lease.renew is what the timer calls), so no timer races the expiry set below.
      const a = new LeaseStore(db, 'replica-a', 600_000);
      const c = new LeaseStore(db, 'replica-c', 600_000);
      const expiry = async () => (await db.get<{ expires_at: number }>(`SELECT expires_at FROM leases WHERE name = 'fetch:x'`))!.expires_at;
      const held = (await a.acquire('fetch:x'))!;
      expect(held.held).toBe(true);
      expect(await c.acquire('fetch:x')).toBeNull();
      // A renewal moves the expiry on; the lease stays a's.
      await db.run(`UPDATE leases SET expires_at = ? WHERE name = 'fetch:x'`, [Date.now() + 1_000]);
      expect(await held.renew()).toBe(true);
      expect(await expiry()).toBeGreaterThan(Date.now() + 500_000);
      expect(await c.acquire('fetch:x')).toBeNull();
      expect(await a.holder('fetch:x')).toBe('replica-a');
      await held.release();
      const byC = (await c.acquire('fetch:x'))!;
      expect(await c.holder('fetch:x')).toBe('replica-c');
      // c dies: nothing renews its lease (simulated by setting the expiry in the past).
      await db.run(`UPDATE leases SET expires_at = ? WHERE name = 'fetch:x'`, [Date.now() - 1]);
      expect(await c.holder('fetch:x')).toBeNull();
      const takeover = (await a.acquire('fetch:x'))!;
      expect(takeover).not.toBeNull();
      // c's next renewal finds the lease gone to a, and does not take it back.
      expect(await byC.renew()).toBe(false);
      expect(byC.held).toBe(false);
      await byC.release(); // releasing a lease that is no longer yours leaves the new holder's alone
      expect(await a.holder('fetch:x')).toBe('replica-a');
      await takeover.release();
      expect(await a.holder('fetch:x')).toBeNull();
    });

    it('the timer renews a held lease every third of its time', async () => {
      const { LeaseStore } = await import('../../src/store/leases.js');
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      try {
        const lease = (await new LeaseStore(db, 'replica-t', 600_000).acquire('fetch:t'))!;
        await db.run(`UPDATE leases SET expires_at = ? WHERE name = 'fetch:t'`, [Date.now() + 1_000]);
        vi.advanceTimersByTime(200_000);
        await vi.waitFor(async () => {
          const row = await db.get<{ expires_at: number }>(`SELECT expires_at FROM leases WHERE name = 'fetch:t'`);
          expect(row!.expires_at).toBeGreaterThan(Date.now() + 500_000);
        });
        await lease.release();
      } finally {
        vi.useRealTimers();
      }
    });
  });
}

for (const b of backends) {
  describe.skipIf(b.skip)(`scan jobs on ${b.name}`, () => {
    let db: SqlDb;
    let done: () => Promise<void>;
    beforeAll(async () => ({ db, done } = await b.open()));
    afterAll(async () => done?.());

    it('concurrent claimers never get the same job; a lapsed claim is taken again; the verdict and the end are one transaction', async () => {
      const { JobStore } = await import('../../src/store/jobs.js');
      const store = new SqlMetadataStore(db);
      const jobs = new JobStore(db, store);
      for (const c of ['1', '2', '3', '4', '5', '6']) await jobs.enqueue(sha(c), 'v1', `f${c}.whl`, 'p');
      await jobs.enqueue(sha('1'), 'v1', 'f1.whl', 'p'); // queued once
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => jobs.claim('v1', `w${i}`, 60_000)));
      const got = claims.filter((j) => j !== null).map((j) => j!.sha256);
      expect(got.length).toBeLessThanOrEqual(6);
      expect(new Set(got).size).toBe(got.length);
      // Whatever the race left, every job is claimed exactly once in the end.
      const rest: string[] = [];
      for (let j = await jobs.claim('v1', 'late', 60_000); j; j = await jobs.claim('v1', 'late', 60_000)) rest.push(j.sha256);
      expect([...got, ...rest].sort()).toEqual(['1', '2', '3', '4', '5', '6'].map(sha));
      expect(await jobs.claim('v2', 'other-version', 60_000)).toBeNull();
      // A worker that stopped renewing: its job is claimed again, attempts counted.
      await db.run(`UPDATE scan_jobs SET lease_until = ? WHERE sha256 = ?`, [Date.now() - 1, sha('1')]);
      const again = (await jobs.claim('v1', 'w9', 60_000))!;
      expect(again).toMatchObject({ sha256: sha('1'), attempts: 2, owner: 'w9', state: 'running' });
      expect(await jobs.renew(again, 'someone-else', 60_000)).toBe(false);
      expect(await jobs.renew(again, 'w9', 60_000)).toBe(true);
      await jobs.finish(again, result('clean', 'v1'));
      expect((await store.getVerdict(sha('1'), 'v1'))?.verdict).toBe('clean');
      expect((await jobs.get(sha('1'), 'v1'))?.state).toBe('done');
    });
  });
}

for (const b of backends) {
  describe.skipIf(b.skip)(`organisation index on ${b.name}`, () => {
    let db: SqlDb;
    let done: () => Promise<void>;
    beforeAll(async () => ({ db, done } = await b.open()));
    afterAll(async () => done?.());

    it('a listing records its upstream; only a page of its own project changes it', async () => {
      const store = new SqlMetadataStore(db);
      await store.upsertFiles('acme-tool', [file(sha('7'), 'acme_tool-1.0-py3-none-any.whl', { upstream: 'corp' })]);
      expect((await store.getListing(sha('7'), 'acme_tool-1.0-py3-none-any.whl'))?.upstream).toBe('corp');
      await store.upsertFiles('other', [file(sha('7'), 'acme_tool-1.0-py3-none-any.whl', { upstream: 'pypi' })]);
      expect((await store.getListing(sha('7'), 'acme_tool-1.0-py3-none-any.whl'))?.upstream).toBe('corp');
      await store.upsertFiles('acme-tool', [file(sha('7'), 'acme_tool-1.0-py3-none-any.whl', { upstream: 'acme' })]);
      expect((await store.getFile(sha('7')))?.upstream).toBe('acme');
      await store.upsertFiles('plain', [file(sha('8'), 'plain-1.0-py3-none-any.whl')]);
      expect((await store.getFile(sha('8')))?.upstream).toBeNull();
      // A page of many files is recorded many rows a statement: each row keeps its upstream.
      const many = Array.from({ length: 17 }, (_, i) => file(`${i}`.padStart(64, 'e'), `many-${i}.0-py3-none-any.whl`, { upstream: i % 2 ? 'corp' : 'pypi' }));
      await store.upsertFiles('many', many);
      for (const [i, f] of many.entries()) expect((await store.getListing(f.sha256, f.filename))?.upstream).toBe(i % 2 ? 'corp' : 'pypi');
    });

    it('claims: the first claimant wins, also when two replicas claim at once; another process learns the name', async () => {
      const { OrgStore } = await import('../../src/store/uploads.js');
      const { PrivateNames } = await import('../../src/upstream/private-names.js');
      const a = new OrgStore(db);
      const c = new OrgStore(db);
      const won = await Promise.all([a.claim('acme-billing', 'acme'), c.claim('acme-billing', 'corp')]);
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await a.claimOf('acme-billing')).toBe(won[0] ? 'acme' : 'corp');
      expect(await c.claimOf('nobody')).toBeUndefined();
      const there = new PrivateNames(c);
      await there.refresh();
      await new PrivateNames(a).claim('acme-payroll', 'acme');
      expect(there.targetOf('acme-payrol')).toBeUndefined();
      await there.refresh();
      expect(there.targetOf('acme-payrol')).toBe('acme-payroll');
      expect(await a.claimCount()).toBe(2);
    });

    it('uploads: a file name is taken once, even by racing uploads; state, yank and listing', async () => {
      const { OrgStore } = await import('../../src/store/uploads.js');
      const org = new OrgStore(db);
      const u = { index: 'acme', filename: 'acme_lib-1.0-py3-none-any.whl', project: 'acme-lib', version: '1.0', sha256: sha('9'), size: 12, uploader: 'ci' };
      const added = await Promise.all([org.addUpload(u), new OrgStore(db).addUpload({ ...u, sha256: sha('b') })]);
      expect(added.filter(Boolean)).toHaveLength(1);
      expect(await org.addUpload(u)).toBe(false);
      expect(await org.upload('acme', u.filename)).toMatchObject({ state: 'scanning', yanked: null, uploader: 'ci', size: 12 });
      expect(await org.listed('acme', 'acme-lib')).toEqual([]);
      await org.setState('acme', u.filename, 'published');
      await org.setYanked('acme', u.filename, '');
      const [row] = await org.listed('acme', 'acme-lib');
      expect(row).toMatchObject({ filename: u.filename, state: 'published', yanked: '' });
      expect(row.uploaded_at).toBeGreaterThan(1_700_000_000_000);
      expect(await org.projects('acme')).toEqual(['acme-lib']);
      await org.setState('acme', u.filename, 'deleted');
      expect(await org.projects('acme')).toEqual([]);
      expect(await org.addUpload(u)).toBe(false); // never reused, even after a delete
    });

    it('the upload role is a token role', async () => {
      const reviews = new ReviewStore(db);
      await reviews.tokens.add('twine', 'upload', 'u'.repeat(64), 'adam', null);
      expect((await reviews.tokens.byHash('u'.repeat(64)))?.role).toBe('upload');
      await expect(db.run(`INSERT INTO tokens (name, role, hash, created_at) VALUES ('x', 'root', ?, 1)`, ['v'.repeat(64)])).rejects.toThrow();
    });
  });
}
