// Issue 10 part 4, the audit log: a client repeating a refused request must not grow the
// undeletable events table row by row, must not store 8 KiB User-Agents, and must not choose the
// request id the server reports as its own. Real server on port 0, real upstream, real SQLite.
import { afterEach, describe, expect, test } from 'vitest';
import { FaultUpstream, benignWheel } from '../helpers/fault-upstream.js';
import { MAX_AUDIT_FIELD } from '../../src/store/metadata.js';
import { fileUrlFromPage, get, startProxy, type Proxy } from '../reliability/harness.js';
import { testDb } from '../helpers/sqlite.js';

let up: FaultUpstream | undefined;
let proxy: Proxy | undefined;

afterEach(async () => {
  await proxy?.stop();
  await up?.stop();
  proxy = up = undefined;
});

interface Row {
  id: number;
  kind: string;
  sha256: string;
  user_agent: string | null;
  request_id: string | null;
  client_request_id: string | null;
  count: number;
  last_at: number | null;
  last_request_id: string | null;
}

/** A proxy whose deny list refuses `demo` (by sha256) and allows `other`. */
async function setUp(flags: Record<string, unknown> = {}) {
  up = await new FaultUpstream().start();
  const demo = up.add('demo', benignWheel('demo', '1.0').filename, benignWheel('demo', '1.0').body);
  const other = up.add('demo', benignWheel('demo', '2.0').filename, benignWheel('demo', '2.0').body);
  proxy = await startProxy(up.simple, { deny: { sha256: [demo.sha256, other.sha256] }, refusedListing: 'show', ...flags });
  return {
    demo: await fileUrlFromPage(proxy.url, 'demo', demo.filename),
    other: await fileUrlFromPage(proxy.url, 'demo', other.filename),
  };
}

const rows = () => testDb(proxy!.deps).prepare(`SELECT * FROM events ORDER BY id`).all() as Row[];

describe('refusal audit rows', () => {
  test('200 refusals of one file to one client share one row whose count is 200; header fields are truncated', async () => {
    const url = (await setUp()).demo;
    const ua = 'x'.repeat(8192);
    let last = '';
    for (let i = 0; i < 200; i++) {
      const r = await get(url, { 'user-agent': ua, 'x-request-id': `client-${i}` });
      expect(r.status).toBe(403);
      last = r.headers.get('x-request-id')!;
    }
    const all = rows();
    expect(all).toHaveLength(1);
    expect(all[0].kind).toBe('refused');
    expect(all[0].count).toBe(200);
    expect(all[0].user_agent!.length).toBeLessThanOrEqual(MAX_AUDIT_FIELD);
    expect(all[0].last_request_id).toBe(last);
    expect(all[0].last_at).toBeGreaterThanOrEqual(Date.now() - 60_000);
    // The review item's "asked by" counts every refusal, not rows.
    expect((await proxy!.deps.reviews!.askers(all[0].sha256))[0].count).toBe(200);
  });

  test("the server's request id is its own; the client's X-Request-Id is kept apart, truncated", async () => {
    const url = (await setUp()).demo;
    const r = await get(url, { 'x-request-id': 'chosen-by-client' });
    expect(r.status).toBe(403);
    const ours = r.headers.get('x-request-id');
    expect(ours).not.toBe('chosen-by-client');
    expect(JSON.parse(r.body.toString()).requestId).toBe(ours);
    const row = rows()[0];
    expect(row.request_id).toBe(ours);
    expect(row.client_request_id).toBe('chosen-by-client');
    // A long client id on another file (a new row): kept, but cut to the bound.
    await get((await fileUrlFromPage(proxy!.url, 'demo', benignWheel('demo', '2.0').filename)), { 'x-request-id': 'y'.repeat(5000) });
    expect(rows()[1].client_request_id!.length).toBe(MAX_AUDIT_FIELD);
  });

  test('another file, or the same one after the window, gets its own row; auditCoalesceSeconds 0 keeps one row each', async () => {
    const urls = await setUp({ auditCoalesceSeconds: 1 });
    await get(urls.demo);
    await get(urls.demo);
    await get(urls.other);
    expect(rows().map((r) => r.count)).toEqual([2, 1]);
    await new Promise((r) => setTimeout(r, 1100));
    await get(urls.demo);
    expect(rows().map((r) => r.count)).toEqual([2, 1, 1]);
    await proxy!.stop();
    await up!.stop();
    const again = await setUp({ auditCoalesceSeconds: 0 });
    for (let i = 0; i < 3; i++) await get(again.demo);
    expect(rows().map((r) => r.count)).toEqual([1, 1, 1]);
  });
});
