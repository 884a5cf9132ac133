// Importing OSV records from a file, a list, a folder and a zip export into a real SQLite store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../src/store/db.js';
import { AdvisoryStore } from '../../src/store/advisories.js';
import { importDocuments } from '../../src/intel/import.js';
import { DEFAULT_LIMITS, loadBuffer, loadPaths } from '../../src/intel/load.js';
import { record, writeJson, writeLyingZip, writeZip } from './records.js';

let dir: string;
let store: AdvisoryStore;
let close: () => void;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pywarden-intel-'));
  const db = await openSqlite(path.join(dir, 'db.sqlite'));
  store = new AdvisoryStore(db);
  close = () => void db.close();
});
afterEach(() => {
  close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (...paths: string[]) => importDocuments(loadPaths(paths), store, 'test');
const all = (name: string) => ({ affected: [{ package: { ecosystem: 'PyPI', name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] });

describe('intel import', () => {
  it('reads one record, a list of records, and a folder recursively', async () => {
    writeJson(path.join(dir, 'one.json'), record());
    mkdirSync(path.join(dir, 'feed', 'deeper'), { recursive: true });
    writeJson(path.join(dir, 'feed', 'list.json'), [record({ id: 'MAL-2099-0002', ...all('other') }), record({ id: 'MAL-2099-0003', affected: [{ package: { ecosystem: 'npm', name: 'x' }, versions: ['1'] }] })]);
    writeJson(path.join(dir, 'feed', 'deeper', 'bad.json'), { id: 'MAL-2099-0004' });
    const r = await run(path.join(dir, 'one.json'), path.join(dir, 'feed'));
    expect(r.counts).toMatchObject({ added: 2, updated: 0, withdrawn: 0, skippedNonPypi: 1, invalid: 1 });
    expect(r.problems[0].where).toMatch(/bad\.json$/);
    expect([...r.projects].sort()).toEqual(['evil-pkg', 'other']);
    expect(await store.match('evil-pkg', '1.1')).toEqual(['MAL-2099-0001']);
    expect(await store.match('evil-pkg', '1.0')).toEqual([]);
    expect(await store.match('other', '0.0.1')).toEqual(['MAL-2099-0002']);
  });

  it('reads an OSV zip export (all.zip layout), skipping non-JSON members and unreadable ones', async () => {
    const zip = path.join(dir, 'all.zip');
    writeZip(zip, {
      'MAL-2099-0001.json': record(),
      'PYSEC-2099-1.json': record({ id: 'PYSEC-2099-1', database_specific: {} }),
      'README.txt': 'not a record',
      'broken.json': '{"id": ',
    });
    const r = await run(zip);
    expect(r.counts).toMatchObject({ added: 1, skippedNotMalicious: 1, invalid: 1 });
    expect(await store.match('evil-pkg', '1.1')).toEqual(['MAL-2099-0001']);
  });

  it('a newer modified replaces the stored record; the same or an older one changes nothing', async () => {
    const f = path.join(dir, 'r.json');
    writeJson(f, record());
    expect((await run(f)).counts.added).toBe(1);
    const g0 = await store.generation();
    expect((await run(f)).counts.unchanged).toBe(1);
    expect(await store.generation()).toBe(g0);
    writeJson(f, record({ modified: '2099-03-01T00:00:00Z', affected: [{ package: { ecosystem: 'PyPI', name: 'evil-pkg' }, versions: ['1.2'] }] }));
    expect((await run(f)).counts.updated).toBe(1);
    expect(await store.generation()).toBeGreaterThan(g0);
    expect(await store.match('evil-pkg', '1.1')).toEqual([]);
    expect(await store.match('evil-pkg', '1.2')).toEqual(['MAL-2099-0001']);
    writeJson(f, record({ modified: '2099-02-01T00:00:00Z' }));
    expect((await run(f)).counts.unchanged).toBe(1);
    expect(await store.match('evil-pkg', '1.2')).toEqual(['MAL-2099-0001']);
  });

  it('a withdrawn record stops refusing, and an older copy does not bring it back', async () => {
    const f = path.join(dir, 'r.json');
    writeJson(f, record());
    await run(f);
    writeJson(f, record({ modified: '2099-05-01T00:00:00Z', withdrawn: '2099-05-01T00:00:00Z' }));
    const r = await run(f);
    expect(r.counts.withdrawn).toBe(1);
    expect([...r.projects]).toEqual(['evil-pkg']);
    expect(await store.match('evil-pkg', '1.1')).toEqual([]);
    expect((await store.get('MAL-2099-0001'))?.withdrawn).toBe('2099-05-01T00:00:00Z');
    writeJson(f, record());
    expect((await run(f)).counts.unchanged).toBe(1);
    expect(await store.match('evil-pkg', '1.1')).toEqual([]);
    expect(await store.activeCount()).toBe(0);
  });

  it('bounds a zip: an entry declared over the limit is not read, and one lying about its size fails', async () => {
    const big = path.join(dir, 'big.zip');
    writeZip(big, { 'MAL-2099-0001.json': record({ details: 'x'.repeat(5000) }) });
    const limits = { ...DEFAULT_LIMITS, maxRecordBytes: 1000 };
    const got = [];
    for await (const d of loadBuffer(readFileSync(big), big, limits)) got.push(d);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ error: expect.stringMatching(/over the limit/) });

    // Declares 20 bytes, inflates to ~200 KiB: yauzl's size check stops the read.
    const liar = path.join(dir, 'liar.zip');
    writeLyingZip(liar, 'MAL-2099-0001.json', JSON.stringify(record({ details: 'y'.repeat(200_000) })), 20);
    const r = await run(liar);
    expect(r.counts.invalid).toBe(1);
    expect(r.problems[0].reason).toMatch(/unreadable entry/);
    expect(await store.activeCount()).toBe(0);
  });

  it('a zip with more entries than allowed is refused whole', async () => {
    const zip = path.join(dir, 'many.zip');
    writeZip(zip, { 'a.json': record(), 'b.json': record({ id: 'MAL-2099-0002' }), 'c.json': record({ id: 'MAL-2099-0003' }) });
    const got = [];
    for await (const d of loadBuffer(readFileSync(zip), zip, { ...DEFAULT_LIMITS, maxEntries: 2 })) got.push(d);
    expect(got).toEqual([{ where: zip, error: expect.stringMatching(/3 entries/) }]);
  });

  it('a missing path is an error before anything is read', async () => {
    await expect(run(path.join(dir, 'nope.json'))).rejects.toThrow(/no such file or folder/);
  });
});
