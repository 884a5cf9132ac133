// Issue 7, faults: a test upstream injects each fault; for each one the client gets a clear
// answer (a stale page where one is cached, else 502/504 problem+json), no partial or
// unverified file is kept or served, no verdict is recorded for unchecked bytes, and the next
// request after the fault clears succeeds without a restart.
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FaultUpstream, benignWheel, sha256, type Fault } from '../helpers/fault-upstream.js';
import { PIP_ACCEPT, fileUrlFromPage, get, startProxy, type Proxy } from './harness.js';
import { testDb } from '../helpers/sqlite.js';

const TIMEOUT_MS = 800; // the proxy's upstream timeout in these tests

// Each fault with the status a client must get while it lasts.
const PAGE_FAULTS: [string, Fault, number][] = [
  ['reset on connect', { kind: 'reset-on-connect' }, 502],
  ['slow headers', { kind: 'slow-headers', ms: TIMEOUT_MS * 3 }, 504],
  ['body trickle', { kind: 'trickle', bytes: 8, everyMs: TIMEOUT_MS * 2 }, 504],
  ['500', { kind: 'status', status: 500 }, 502],
  ['503', { kind: 'status', status: 503 }, 502],
  ['reset mid-body', { kind: 'reset-mid-body' }, 502],
  ['truncated with a correct Content-Length', { kind: 'truncated' }, 502],
  ['oversized page (declared)', { kind: 'oversized', bytes: 300 * 1024 * 1024 }, 502],
  ['redirect to another host', { kind: 'redirect', location: 'http://127.0.0.2:9/simple/demo/' }, 502],
  ['invalid JSON', { kind: 'garbage', contentType: 'application/vnd.pypi.simple.v1+json', body: '{"meta": {"api-version": "1.0"}, "files": [' }, 502],
  ['JSON of the wrong shape', { kind: 'garbage', contentType: 'application/vnd.pypi.simple.v1+json', body: '{"meta": {"api-version": "1.0"}, "name": "x", "files": "nope"}' }, 502],
  ['HTML of an unknown major api-version', { kind: 'garbage', contentType: 'text/html', body: '<html><head><meta name="pypi:repository-version" content="9.0"></head><body><a href="x.whl">x</a>' }, 502],
];

const FILE_FAULTS: [string, Fault, number][] = [
  ['reset on connect', { kind: 'reset-on-connect' }, 502],
  ['slow headers', { kind: 'slow-headers', ms: TIMEOUT_MS * 3 }, 504],
  ['body trickle', { kind: 'trickle', bytes: 1024, everyMs: TIMEOUT_MS * 2 }, 504],
  // 20 bytes/s never trips the idle timeout; the 256 KiB wheel would take hours: the speed limit ends it.
  ['body trickle under the idle timeout', { kind: 'trickle', bytes: 4, everyMs: 200 }, 504],
  ['500', { kind: 'status', status: 500 }, 502],
  ['404', { kind: 'status', status: 404 }, 502],
  ['reset mid-body', { kind: 'reset-mid-body' }, 502],
  ['truncated with a correct Content-Length', { kind: 'truncated' }, 502],
  ['wrong hash', { kind: 'wrong-bytes' }, 502],
  ['redirect to another host', { kind: 'redirect', location: 'http://127.0.0.2:9/evil.whl' }, 502],
];

let up: FaultUpstream;
let proxy: Proxy;
const wheel = benignWheel('demo', '1.0', 256 * 1024);
const wheelSha = sha256(wheel.body);
const slow = benignWheel('fresh17', '1.0');
const orphan = benignWheel('fresh18', '1.0', 64 * 1024);
const forged = benignWheel('fresh19', '1.0', 64 * 1024);

beforeAll(async () => {
  up = await new FaultUpstream().start();
  up.add('demo', wheel.filename, wheel.body);
  for (const [i] of PAGE_FAULTS.entries()) {
    const w = benignWheel(`fresh${i}`, '1.0');
    up.add(`fresh${i}`, w.filename, w.body);
  }
  up.add('fresh17', slow.filename, slow.body);
  up.add('fresh18', orphan.filename, orphan.body);
  up.add('fresh19', forged.filename, forged.body);
  // pageTtl 0: every page request revalidates upstream, so every request meets the fault.
  proxy = await startProxy(up.simple, { pageTtl: 0, negativeTtl: 0, upstreamTimeout: TIMEOUT_MS });
});

afterAll(async () => {
  await proxy?.stop();
  await up?.stop();
});

function expectProblem(r: { status: number; headers: Headers; body: Buffer }, status: number) {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  const p = JSON.parse(r.body.toString()) as { status: number; code: string; detail: string };
  expect(p.status).toBe(status);
  expect(p.code).toMatch(/^upstream-/);
  return p;
}

describe('index page faults', () => {
  test.each(PAGE_FAULTS.map(([name, fault, status], i) => [name, fault, status, i] as const))(
    '%s: stale page when cached, %s problem when not, then recovers',
    async (_name, fault, status, i) => {
      up.clearFault();
      const good = await get(`${proxy.url}/simple/demo/`, { accept: PIP_ACCEPT });
      expect(good.status).toBe(200);
      expect(good.headers.get('x-pywarden-stale')).toBeNull();

      up.setFault('page', fault);
      // Cached: the old page, marked stale, with the same bytes.
      const stale = await get(`${proxy.url}/simple/demo/`, { accept: PIP_ACCEPT });
      expect(stale.status).toBe(200);
      expect(stale.headers.get('x-pywarden-stale')).toBe('1');
      expect(stale.body.equals(good.body)).toBe(true);
      // Not cached: a clear problem, nothing cached for it.
      const fresh = await get(`${proxy.url}/simple/fresh${i}/`, { accept: PIP_ACCEPT });
      expectProblem(fresh, status);
      expect(await proxy.deps.store.getPage(`fresh${i}`)).toBeUndefined();

      up.clearFault();
      const after = await get(`${proxy.url}/simple/fresh${i}/`, { accept: PIP_ACCEPT });
      expect(after.status).toBe(200);
      expect(JSON.parse(after.body.toString()).files).toHaveLength(1);
      const again = await get(`${proxy.url}/simple/demo/`, { accept: PIP_ACCEPT });
      expect(again.headers.get('x-pywarden-stale')).toBeNull();
      expect(proxy.logs.some((l) => l.includes('serving a stale page'))).toBe(true);
    },
  );
});

describe('a page that trickles in under the idle timeout', () => {
  test('is cut off at 4 × the upstream timeout: 504 problem for a cold page, stale copy for a cached one', async () => {
    up.clearFault();
    // 4 bytes every 200 ms never trips the 800 ms idle timeout; the whole page would take ~10 s.
    up.setFault('page', { kind: 'trickle', bytes: 4, everyMs: 200 });
    const started = Date.now();
    const cold = await get(`${proxy.url}/simple/fresh17/`, { accept: PIP_ACCEPT });
    expectProblem(cold, 504);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 4 + 2_000);
    expect(await proxy.deps.store.getPage('fresh17')).toBeUndefined();
    const cached = await get(`${proxy.url}/simple/demo/`, { accept: PIP_ACCEPT });
    expect(cached.status).toBe(200);
    expect(cached.headers.get('x-pywarden-stale')).toBe('1');
    up.clearFault();
    expect((await get(`${proxy.url}/simple/fresh17/`, { accept: PIP_ACCEPT })).status).toBe(200);
  });
});

describe('file faults', () => {
  test.each(FILE_FAULTS)('%s: %s problem, nothing kept, no verdict, then the same URL serves the verified bytes', async (_name, fault, status) => {
    up.clearFault();
    const url = await fileUrlFromPage(proxy.url, 'demo', wheel.filename);
    // Start each case cold: forget what an earlier case stored (a fresh data dir per case would
    // hide leaks between cases, so the same proxy is kept and its state checked instead).
    expect(await proxy.deps.store.latestVerdict(wheelSha)).toBeUndefined();

    up.setFault('file', fault);
    const r = await get(url);
    expectProblem(r, status);
    expect(proxy.tmpFiles()).toEqual([]);
    expect(proxy.blobFiles()).toEqual([]);
    expect(proxy.verdictCount()).toBe(0);
    expect((await proxy.deps.store.getFile(wheelSha))?.stored).toBe(0);
    // A second try while the fault lasts fails the same way (no poisoned state either way).
    const r2 = await get(url);
    expect(r2.status).toBe(status);

    up.clearFault();
    const ok = await get(url);
    expect(ok.status).toBe(200);
    expect(ok.body.equals(wheel.body)).toBe(true);
    expect(proxy.tmpFiles()).toEqual([]);
    expect(proxy.verdictCount()).toBe(1);

    // Reset for the next case: drop the blob and the verdict so the next case starts cold.
    testDb(proxy.deps).prepare('DELETE FROM verdicts').run();
    testDb(proxy.deps).prepare('DELETE FROM reviews').run();
    testDb(proxy.deps).prepare('UPDATE files SET stored = 0').run();
    for (const f of proxy.blobFiles()) rmSync(f);
  });
});

describe('upstream down (nothing listening)', () => {
  test('stale page, 502 for a cold file, recovery after the upstream comes back on the same port', async () => {
    up.clearFault();
    const url = await fileUrlFromPage(proxy.url, 'demo', wheel.filename);
    await up.stop();
    // Whatever fails below, the upstream comes back for the tests after this one.
    onTestFinished(async () => {
      if (!up.running) await up.start();
    });
    const page = await get(`${proxy.url}/simple/demo/`, { accept: PIP_ACCEPT });
    expect(page.status).toBe(200);
    expect(page.headers.get('x-pywarden-stale')).toBe('1');
    expect(page.headers.get('x-pywarden-stale-reason')).toMatch(/ECONNREFUSED|failed|refused/i);
    const cold = await get(`${proxy.url}/simple/never-seen/`, { accept: PIP_ACCEPT });
    expectProblem(cold, 502);
    const file = await get(url);
    expectProblem(file, 502);
    expect(proxy.tmpFiles()).toEqual([]);
    expect(proxy.verdictCount()).toBe(0);

    await up.start();
    const ok = await get(url);
    expect(ok.status).toBe(200);
    expect(ok.body.equals(wheel.body)).toBe(true);
    const fresh = await get(`${proxy.url}/simple/demo/`, { accept: PIP_ACCEPT });
    expect(fresh.headers.get('x-pywarden-stale')).toBeNull();
  });
});

// A SIGKILL between the rename into blobs/ and the UPDATE that marks the file stored leaves a
// blob the database does not know it has (test/reliability/crash.test.ts can land there).
describe('a blob on disk that the database does not call stored', () => {
  async function leaveBlob(project: string, listed: { filename: string; body: Buffer }, bytes: Buffer): Promise<{ url: string; blob: string }> {
    up.clearFault();
    const url = await fileUrlFromPage(proxy.url, project, listed.filename);
    const sha = sha256(listed.body);
    expect((await proxy.deps.store.getFile(sha))?.stored).toBe(0);
    const blob = proxy.deps.blobs.path(sha);
    mkdirSync(path.dirname(blob), { recursive: true });
    writeFileSync(blob, bytes);
    return { url, blob };
  }

  test('bytes that hash to the name are kept and scanned, not downloaded again', async () => {
    const { url } = await leaveBlob('fresh18', orphan, orphan.body);
    up.resetHits();
    const r = await get(url);
    expect(r.status).toBe(200);
    expect(r.body.equals(orphan.body)).toBe(true);
    expect(up.hitCount('/files/')).toBe(0);
    expect((await proxy.deps.store.getFile(sha256(orphan.body)))?.stored).toBe(1);
    expect(proxy.logs.some((l) => l.includes('adopted stored blob'))).toBe(true);
  });

  test('bytes that do not hash to the name are removed, and the listed file is fetched and served', async () => {
    const { url, blob } = await leaveBlob('fresh19', forged, Buffer.from('not the wheel the index listed'));
    up.resetHits();
    const r = await get(url);
    expect(r.status).toBe(200);
    expect(r.body.equals(forged.body)).toBe(true);
    expect(up.hitCount('/files/')).toBe(1);
    expect(readFileSync(blob).equals(forged.body)).toBe(true);
    expect(proxy.logs.some((l) => l.includes('do not match its name'))).toBe(true);
  });
});
