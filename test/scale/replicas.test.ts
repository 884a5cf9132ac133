// Issue 13: two serving replicas as real processes on one database and one shared blob folder.
// 50 cold clients spread over both make one upstream download and one scan and all get the same
// bytes; a replica SIGKILLed mid-download leaves nothing half-written that anyone serves, and the
// other replica takes the file over once the dead one's lease expires.
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FaultUpstream, benignWheel, sha256 } from '../helpers/fault-upstream.js';
import { freshDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.js';
import { PIP_ACCEPT, get } from '../reliability/harness.js';
import { built, fiftyColdClients, kill9, serve, stop, tearDown, waitFor, type Child } from './processes.js';

if (!built) console.warn('\n*** scale tests SKIPPED: dist/ is not built (run `npm run build`; `npm test` does) ***\n');

const small = benignWheel('demo', '1.0', 256 * 1024);
const big = benignWheel('slowdl', '1.0', 4 * 1024 * 1024);

describe.skipIf(!built || !postgresAvailable)('two replicas on PostgreSQL', () => {
  let up: FaultUpstream;
  let pg: TestDatabase;
  let data: string;
  let a: Child | undefined;
  let b: Child | undefined;

  beforeAll(async () => {
    up = await new FaultUpstream().start();
    up.add('demo', small.filename, small.body);
    up.add('slowdl', big.filename, big.body);
    pg = await freshDatabase();
    data = mkdtempSync(path.join(tmpdir(), 'pywarden-replicas-'));
    [a, b] = await Promise.all([serve({ upstream: up.simple, data, database: pg.url }), serve({ upstream: up.simple, data, database: pg.url })]);
  }, 60_000);

  afterAll(() => tearDown([a, b], up, pg, data));

  test('50 cold clients over both replicas: one upstream download, one scan, identical bytes', async () => {
    await fiftyColdClients(a!, b!, up, 'demo', small);
    expect(a!.lines('scanned').length + b!.lines('scanned').length).toBe(1);
  }, 60_000);

  test('a replica SIGKILLed mid-download: the other takes the file over; nothing half-written is served', async () => {
    const bigSha = sha256(big.body);
    for (const r of [a!, b!]) expect((await get(`${r.url}/simple/slowdl/`, { accept: PIP_ACCEPT })).status).toBe(200);
    const file = `/files/${bigSha}/${big.filename}`;
    // 64 KiB every 20 ms: the 4 MiB download takes over a second; a starts it, b's client waits on a's lease.
    up.setFault('file', { kind: 'trickle', bytes: 64 * 1024, everyMs: 20 });
    up.resetHits();
    const first = get(a!.url + file).then((r) => r.status, () => 'connection lost');
    const tmp = path.join(data, 'tmp');
    await waitFor('a partial download in tmp/', () => existsSync(tmp) && readdirSync(tmp).some((n) => statSync(path.join(tmp, n)).size > 0));
    const second = get(b!.url + file);
    await new Promise((r) => setTimeout(r, 200));
    expect(up.hitCount('/files/')).toBe(1); // b waits for a's download instead of starting its own
    await kill9(a);
    expect(await first).toBe('connection lost');
    const blob = path.join(data, 'blobs', bigSha.slice(0, 2), bigSha);
    expect(existsSync(blob)).toBe(false); // a died before its bytes were verified: no blob
    up.clearFault();
    const r = await second;
    expect(r.status).toBe(200);
    expect(sha256(r.body)).toBe(bigSha);
    expect(up.hitCount('/files/')).toBe(2); // b fetched it again, whole, after a's lease expired
    expect(b!.lines('scanned').filter((l) => l.sha256 === bigSha)).toHaveLength(1);
    expect(sha256(readFileSync(blob))).toBe(bigSha);
    // a replica started afterwards on the same folder removes what the dead one left in tmp/
    a = await serve({ upstream: up.simple, data, database: pg.url });
    expect(readdirSync(tmp)).toEqual([]);
    await stop(a);
  }, 90_000);
});
