// Migration 3 (issue 10): listings per (sha256, file name). A database written before it keeps
// every file servable under its name, and a listing changes only through its own project's page.
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { migrate } from '../../src/store/db.js';
import { SqlMetadataStore } from '../../src/store/metadata.js';
import { SqliteDb } from '../../src/store/sql.js';

const SHA = 'a'.repeat(64);
const META = 'b'.repeat(64);

describe('listings', async () => {
  test('a version 2 database is carried over: each file becomes its own listing', async () => {
    const db = new Database(':memory:');
    for (const m of MIGRATIONS.filter((x) => x.version <= 2)) db.exec(m.sql + (m.sqlite ?? ''));
    db.pragma('user_version = 2');
    db.prepare(
      `INSERT INTO files (sha256, filename, project, version, size, upstream_url, upload_time, metadata_sha256, first_seen, stored)
       VALUES (?, 'demo-1.0-py3-none-any.whl', 'demo', '1.0', 10, 'https://files.example/demo.whl', NULL, ?, 1, 1)`,
    ).run(SHA, META);
    const sql = new SqliteDb(db);
    await migrate(sql);
    const store = new SqlMetadataStore(sql);
    expect(await store.getListing(SHA, 'demo-1.0-py3-none-any.whl')).toMatchObject({ project: 'demo', upstream_url: 'https://files.example/demo.whl', metadata_sha256: META, stored: 1, wheel_metadata_sha256: null });
    expect((await store.getFile(SHA))?.filename).toBe('demo-1.0-py3-none-any.whl');
  });

  test('another project can add a name for the same bytes, but not change an existing listing', async () => {
    const db = new Database(':memory:');
    const sql = new SqliteDb(db);
    await migrate(sql);
    const store = new SqlMetadataStore(sql);
    const f = (filename: string, upstreamUrl: string) => ({ sha256: SHA, filename, version: '1.0', size: 10, upstreamUrl, uploadTime: null, metadataSha256: null });
    await store.upsertFiles('alpha', [f('alpha-1.0-py3-none-any.whl', 'https://files.example/alpha.whl')]);
    await store.upsertFiles('beta', [f('beta-1.0-py3-none-any.whl', 'https://files.example/beta.whl'), f('alpha-1.0-py3-none-any.whl', 'https://files.example/decoy.whl')]);
    expect(await store.getListing(SHA, 'beta-1.0-py3-none-any.whl')).toMatchObject({ project: 'beta', upstream_url: 'https://files.example/beta.whl' });
    expect(await store.getListing(SHA, 'alpha-1.0-py3-none-any.whl')).toMatchObject({ project: 'alpha', upstream_url: 'https://files.example/alpha.whl' });
    // alpha's own page may move its URL.
    await store.upsertFiles('alpha', [f('alpha-1.0-py3-none-any.whl', 'https://files.example/alpha2.whl')]);
    expect((await store.getListing(SHA, 'alpha-1.0-py3-none-any.whl'))?.upstream_url).toBe('https://files.example/alpha2.whl');
    // The bytes' state is shared: stored once, for every listing.
    await store.markStored(SHA);
    expect((await store.getListing(SHA, 'beta-1.0-py3-none-any.whl'))?.stored).toBe(1);
    expect((await store.projectStates('beta')).size).toBe(0);
  });
});
