// Issue 13: a scanner tier apart from serving. Two serving replicas queue scans as jobs on
// PostgreSQL and one `pywarden scan-worker` does them: 50 cold clients over both replicas make one
// upstream download and one scan (by the worker), identical bytes. A worker SIGKILLed mid-scan:
// the job is claimed again after its lease lapses, and no byte of the file is served before the
// second worker's verdict.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FaultUpstream, benignWheel, heavyWheel, sha256 } from '../helpers/fault-upstream.js';
import { freshDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.js';
import { PIP_ACCEPT, get } from '../reliability/harness.js';
import { built, fiftyColdClients, kill9, scanWorker, serve, tearDown, waitFor, type Child } from './processes.js';

const small = benignWheel('demo', '1.0', 256 * 1024);
const heavy = heavyWheel();

describe.skipIf(!built || !postgresAvailable)('two replicas and a scan worker on PostgreSQL', () => {
  let up: FaultUpstream;
  let db: TestDatabase;
  let data: string;
  let a: Child | undefined;
  let b: Child | undefined;
  let w: Child | undefined;
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    up = await new FaultUpstream().start();
    up.add('demo', small.filename, small.body);
    up.add('heavy', heavy.filename, heavy.body);
    db = await freshDatabase();
    data = mkdtempSync(path.join(tmpdir(), 'pywarden-tier-'));
    const opts = { upstream: up.simple, data, database: db.url, extra: ['--scan-jobs', 'true'] };
    a = await serve(opts); // the first migrates the fresh database
    [b, w] = await Promise.all([serve(opts), scanWorker({ data, database: db.url })]);
  }, 60_000);

  afterAll(() => tearDown([a, b, w], up, db, data));

  test('50 cold clients over both replicas: one download, one scan by the worker, identical bytes', async () => {
    await fiftyColdClients(a!, b!, up, 'demo', small);
    expect(w!.lines('scanned').map((l) => l.sha256)).toEqual([sha256(small.body)]);
    expect(a!.lines('scanned').length + b!.lines('scanned').length).toBe(0); // serving processes scan nothing
  }, 60_000);

  test('a worker SIGKILLed mid-scan: the job is retried by the next worker, and the file is held until it has a verdict', async () => {
    const heavySha = sha256(heavy.body);
    expect((await get(`${a!.url}/simple/heavy/`, { accept: PIP_ACCEPT })).status).toBe(200);
    let answered = false;
    const pending = get(`${a!.url}/files/${heavySha}/${heavy.filename}`).then((r) => ((answered = true), r));
    await waitFor('the worker to start scanning', () => w!.lines('scan started').some((l) => l.sha256 === heavySha));
    await kill9(w);
    // No worker: the job's lease lapses (2 s) but nobody scans it; the client gets nothing meanwhile.
    await new Promise((r) => setTimeout(r, 3000));
    expect(answered).toBe(false);
    expect(await query(`SELECT count(*)::int AS n FROM verdicts WHERE sha256 = $1`, [heavySha])).toEqual([{ n: 0 }]);
    w = await scanWorker({ data, database: db.url });
    const r = await pending;
    expect(r.status).toBe(200);
    expect(sha256(r.body)).toBe(heavySha);
    expect(w.lines('scanned').map((l) => l.sha256)).toContain(heavySha);
    expect(await query(`SELECT state, attempts::int FROM scan_jobs WHERE sha256 = $1`, [heavySha])).toEqual([{ state: 'done', attempts: 2 }]);
  }, 90_000);
});
