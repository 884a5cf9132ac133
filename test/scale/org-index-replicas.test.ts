// Issues 12 and 13 together: the organisation's index served by two replicas on one PostgreSQL
// database and one data folder. An upload through one replica is listed and served by the other,
// and the name it claims reaches the other's look-alike check (its change poll, every 5 s), so a
// public project imitating the new private name is held there too, not only where it was uploaded.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { openDatabase } from '../../src/store/db.js';
import { ReviewStore } from '../../src/store/review.js';
import { FaultUpstream, benignWheel, sha256 } from '../helpers/fault-upstream.js';
import { freshDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.js';
import { get } from '../reliability/harness.js';
import { built, serve, tearDown, waitFor, type Child } from './processes.js';

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
const mine = benignWheel('acme-billing', '1.0');
const lookalike = benignWheel('acme-biling', '2.0');

async function listed(r: Child, project: string): Promise<string[]> {
  const res = await get(`${r.url}/simple/${project}/`, { accept: JSON_TYPE });
  if (res.status !== 200) return [];
  return (JSON.parse(res.body.toString()) as { files: { filename: string }[] }).files.map((f) => f.filename);
}

describe.skipIf(!built || !postgresAvailable)('organisation index on two replicas (PostgreSQL)', () => {
  let up: FaultUpstream;
  let pg: TestDatabase;
  let data: string;
  let a: Child | undefined;
  let b: Child | undefined;
  let token: string;

  beforeAll(async () => {
    up = await new FaultUpstream().start();
    up.add('acme-biling', lookalike.filename, lookalike.body);
    pg = await freshDatabase();
    data = mkdtempSync(path.join(tmpdir(), 'pywarden-org-replicas-'));
    const upstreams = JSON.stringify([{ name: 'acme', hosted: true }, { name: 'pypi', url: up.simple }]);
    const extra = ['--upstreams', upstreams, '--refused-listing', 'hide'];
    [a, b] = await Promise.all([serve({ upstream: up.simple, data, database: pg.url, extra }), serve({ upstream: up.simple, data, database: pg.url, extra })]);
    const db = await openDatabase(pg.url, data);
    token = (await createToken(new ReviewStore(db).tokens, 'ci', 'upload', 'test')).token;
    await db.close();
  }, 60_000);

  afterAll(() => tearDown([a, b], up, pg, data));

  test('an upload to one replica is served by the other, and its look-alike is held on both', async () => {
    // Before the upload the public look-alike is an ordinary public project on b.
    expect(await listed(b!, 'acme-biling')).toEqual([lookalike.filename]);

    const form = new FormData();
    const fields = { ':action': 'file_upload', protocol_version: '1', name: 'acme-billing', version: '1.0', filetype: 'bdist_wheel', pyversion: 'py3', metadata_version: '2.1', sha256_digest: sha256(mine.body) };
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('content', new Blob([new Uint8Array(mine.body)]), mine.filename);
    const res = await fetch(`${a!.url}/-/upload/acme/`, { method: 'POST', body: form, headers: { authorization: 'Basic ' + Buffer.from(`__token__:${token}`).toString('base64') } });
    expect([res.status, await res.text()]).toEqual([200, 'OK\n']);

    // b learns the new private name on its change poll, before anyone asks it for the private
    // project (listing it would claim the name there too): the look-alike leaves its page and is refused.
    await waitFor('the look-alike to leave b\'s page', async () => (await listed(b!, 'acme-biling')).length === 0, 20_000);
    const refused = await get(`${b!.url}/files/${sha256(lookalike.body)}/${lookalike.filename}`);
    expect(refused.status).toBe(403);
    expect(refused.body.toString()).toMatch(/acme-billing/);
    expect(await listed(a!, 'acme-biling')).toEqual([]);

    // b lists the upload (claims and uploads are in the shared database) and serves its bytes.
    expect(await listed(b!, 'acme-billing')).toEqual([mine.filename]);
    const file = await get(`${b!.url}/files/${sha256(mine.body)}/${mine.filename}`);
    expect(file.status).toBe(200);
    expect(createHash('sha256').update(file.body).digest('hex')).toBe(sha256(mine.body));
  }, 60_000);
});
