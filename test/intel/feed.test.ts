// The scheduled advisory feed against a real HTTP server on port 0: retries after failures,
// conditional requests, the body limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IntelFeed, watchAdvisories } from '../../src/intel/feed.js';
import { createLogger } from '../../src/log.js';

let server: Server;
let base: string;
let plan: ((headers: IncomingHttpHeaders) => [number, Record<string, string>, string])[] = [];
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    const [status, headers, body] = (plan.shift() ?? (() => [500, {}, '']))(req.headers);
    res.writeHead(status, headers).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

function feed(run: (b: Buffer) => Promise<unknown>, o: Partial<ConstructorParameters<typeof IntelFeed>[0]> = {}) {
  const logs: string[] = [];
  const f = new IntelFeed({ url: `${base}/all.zip`, intervalMs: 60_000, retryMs: 20, log: createLogger('debug', {}, (l) => logs.push(l)), run: (b) => run(b), ...o });
  return { f, logs };
}

describe('IntelFeed', () => {
  it('a failed fetch is logged and retried sooner, then the body is imported', async () => {
    seen.length = 0;
    plan = [() => [503, {}, ''], () => [500, {}, ''], () => [200, { etag: '"v1"' }, '{"id":"x"}']];
    const bodies: string[] = [];
    let done!: () => void;
    const imported = new Promise<void>((r) => (done = r));
    const { f, logs } = feed(async (b) => {
      bodies.push(b.toString());
      done();
    });
    f.start();
    await imported;
    await f.stop();
    expect(bodies).toEqual(['{"id":"x"}']);
    const failures = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'advisory feed fetch failed; will retry');
    expect(failures.map((l) => [l.reason, l.retryInMs])).toEqual([
      ['HTTP 503', 20],
      ['HTTP 500', 40],
    ]);
  });

  it('asks again with the ETag and imports nothing on 304; a failed import is fetched again whole', async () => {
    seen.length = 0;
    plan = [() => [200, { etag: '"v1"' }, 'A'], (h) => (h['if-none-match'] === '"v1"' ? [304, {}, ''] : [200, {}, 'again'])];
    const bodies: string[] = [];
    const { f } = feed(async (b) => void bodies.push(b.toString()));
    expect(await f.runOnce()).toBe(true);
    expect(await f.runOnce()).toBe(true);
    expect(bodies).toEqual(['A']);

    plan = [() => [200, { etag: '"v2"' }, 'B'], (h) => [200, {}, `second ${h['if-none-match'] ?? 'none'}`]];
    let fail = true;
    const { f: g } = feed(async (b) => {
      if (fail) {
        fail = false;
        throw new Error('import failed');
      }
      bodies.push(b.toString());
    });
    expect(await g.runOnce()).toBe(false);
    expect(await g.runOnce()).toBe(true);
    expect(bodies).toEqual(['A', 'second none']);
  });

  it('refuses a body over the limit, declared or streamed', async () => {
    plan = [() => [200, { 'content-length': '5000' }, 'x'.repeat(5000)], () => [200, { 'transfer-encoding': 'chunked' }, 'y'.repeat(5000)]];
    const { f, logs } = feed(async () => expect.unreachable('nothing over the limit is imported'), { maxBytes: 1000 });
    expect(await f.runOnce()).toBe(false);
    expect(await f.runOnce()).toBe(false);
    expect(logs.map((l) => JSON.parse(l).reason)).toEqual(['body of 5000 bytes is over the limit of 1000', 'body over the limit of 1000 bytes']);
  });

  it('a redirect is not followed; the log names where it points', async () => {
    plan = [() => [302, { location: 'https://elsewhere.example/all.zip' }, '']];
    const { f, logs } = feed(async () => expect.unreachable('nothing is imported'));
    expect(await f.runOnce()).toBe(false);
    expect(JSON.parse(logs[0]).reason).toBe('HTTP 302 (redirects to https://elsewhere.example/all.zip; configure that URL)');
  });

  it('an unreachable URL is a logged failure, not a crash', async () => {
    const { f, logs } = feed(async () => undefined, { url: 'http://127.0.0.1:1/all.zip', timeoutMs: 2000 });
    expect(await f.runOnce()).toBe(false);
    expect(JSON.parse(logs[0])).toMatchObject({ level: 'warn', msg: 'advisory feed fetch failed; will retry', reason: expect.stringMatching(/ECONNREFUSED/) });
  });
});

describe('watchAdvisories', () => {
  it('calls back once per change of the generation', async () => {
    let g = 1;
    let calls = 0;
    const stop = watchAdvisories(async () => g, () => calls++, 10);
    await new Promise((r) => setTimeout(r, 40));
    g = 2;
    await new Promise((r) => setTimeout(r, 40));
    stop();
    expect(calls).toBe(1);
  });
});
