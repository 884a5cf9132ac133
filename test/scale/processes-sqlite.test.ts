// Issue 13: `pywarden serve --processes 2` on the embedded SQLite file. 50 cold clients on the one
// port are spread over both processes (each answers with its own request-id prefix) and still make
// one upstream download and one scan, with identical bytes.
// (A file response is the blob's own Response; the access log carries the request id.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FaultUpstream, benignWheel, sha256 } from '../helpers/fault-upstream.js';
import { PIP_ACCEPT, get } from '../reliability/harness.js';
import { record } from '../intel/records.js';
import { built, serve, stop, waitFor, type Child } from './processes.js';

const small = benignWheel('demo', '1.0', 256 * 1024);

describe.skipIf(!built)('serve --processes 2 on SQLite', () => {
  let up: FaultUpstream;
  let data: string;
  let s: Child | undefined;

  beforeAll(async () => {
    up = await new FaultUpstream().start();
    up.add('demo', small.filename, small.body);
    up.pages.set('/feed.json', { contentType: 'application/json', body: JSON.stringify(record({ id: 'MAL-2099-0077', affected: [{ package: { ecosystem: 'PyPI', name: 'other-pkg' }, versions: ['1.0'] }] })) });
    data = mkdtempSync(path.join(tmpdir(), 'pywarden-procs-'));
    s = await serve({ upstream: up.simple, data, database: '', extra: ['--processes', '2', '--log-level', 'debug', '--intel-url', `${up.base}/feed.json`] });
  }, 60_000);

  afterAll(async () => {
    await stop(s);
    await up?.stop();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  test('one process fetches the advisory feed, not each of them', async () => {
    await waitFor('the feed import', () => s!.lines('advisory feed imported').length > 0);
    await new Promise((r) => setTimeout(r, 1000)); // time for a second process's first fetch, were there one
    expect(up.hitCount('/feed.json')).toBe(1);
    expect(s!.lines('advisory feed imported')).toHaveLength(1);
  });

  test('50 cold clients: both processes answer, one upstream download, one scan, identical bytes', async () => {
    // Both processes listen before the test starts (the first to listen answers the health check).
    for (let i = 0; i < 200 && s!.lines('pywarden listening').length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(s!.lines('pywarden listening')).toHaveLength(2);
    expect((await get(`${s!.url}/simple/demo/`, { accept: PIP_ACCEPT })).status).toBe(200);
    const file = `/files/${sha256(small.body)}/${small.filename}`;
    up.resetHits();
    const answers = await Promise.all(Array.from({ length: 50 }, () => get(`${s!.url}${file}`, { connection: 'close' })));
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(new Set(answers.map((r) => sha256(r.body)))).toEqual(new Set([sha256(small.body)]));
    const ids = s!.lines('request').filter((l) => l.path === file).map((l) => String(l.requestId).slice(0, 6));
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(2);
    expect(up.hitCount('/files/')).toBe(1);
    expect(s!.lines('scanned')).toHaveLength(1);
  }, 60_000);

  test('SIGTERM stops the primary and both serving processes', async () => {
    await stop(s);
    expect(s!.proc.exitCode).toBe(0);
    await expect(fetch(`${s!.url}/-/health`)).rejects.toThrow();
  });
});
