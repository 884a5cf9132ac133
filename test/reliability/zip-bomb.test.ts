// Issue 7, one proxy-level hostile archive (the archive reader's own hostile-input tests live
// with the scanner): a zip bomb served by upstream ends with verdict `error`, held (403), in
// bounded time, while the server keeps answering other requests.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { makeZip, zeroBomb } from '../scan/archive/fixtures.js';
import { FaultUpstream, benignWheel, sha256 } from '../helpers/fault-upstream.js';
import { PIP_ACCEPT, fileUrlFromPage, get, startProxy, type Proxy } from './harness.js';

let up: FaultUpstream;
let proxy: Proxy;
let bomb: Buffer;
const benign = benignWheel('calm', '1.0');

beforeAll(async () => {
  // 512 MiB of zeros in one member (~0.5 MiB compressed), plus a nested copy: flat and nested.
  const payload = await zeroBomb(512 * 1024 * 1024);
  const inner = makeZip([{ name: 'inner.bin', raw: payload }]);
  bomb = makeZip([
    { name: 'boom/__init__.py', data: 'x = 1\n' },
    // The member lies about its size, so only the streaming limits can stop it.
    { name: 'boom/zeros.bin', raw: payload, claimedSize: 100_000 },
    { name: 'boom/nested.zip', data: inner, method: 0 },
    { name: 'boom-1.0.dist-info/METADATA', data: 'Metadata-Version: 2.1\nName: boom\nVersion: 1.0\n' },
    { name: 'boom-1.0.dist-info/WHEEL', data: 'Wheel-Version: 1.0\nTag: py3-none-any\n' },
    { name: 'boom-1.0.dist-info/RECORD', data: '' },
  ]);
  up = await new FaultUpstream().start();
  up.add('boom', 'boom-1.0-py3-none-any.whl', bomb);
  up.add('calm', benign.filename, benign.body);
  proxy = await startProxy(up.simple);
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await up?.stop();
});

test('a zip bomb from upstream is held with verdict error in bounded time; other requests are answered meanwhile', async () => {
  const bombUrl = await fileUrlFromPage(proxy.url, 'boom', 'boom-1.0-py3-none-any.whl');
  const calmUrl = await fileUrlFromPage(proxy.url, 'calm', benign.filename);
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const bombReq = get(bombUrl);
  // While the bomb is being read: pages and another file are served.
  const others = await Promise.all([get(calmUrl), get(`${proxy.url}/simple/calm/`, { accept: PIP_ACCEPT }), get(`${proxy.url}/simple/`, { accept: PIP_ACCEPT })]);
  for (const r of others) expect(r.status).toBe(200);
  expect(others[0].body.equals(benign.body)).toBe(true);
  const r = await bombReq;
  const ms = performance.now() - started;
  expect(r.status).toBe(403);
  expect(JSON.parse(r.body.toString()).action).toBe('quarantine');
  const v = (await proxy.deps.store.latestVerdict(sha256(bomb)));
  expect(v?.verdict).toBe('error');
  console.log(`zip bomb (512 MiB member, flat + nested): verdict ${v?.verdict} (${v?.reason}) in ${ms.toFixed(0)} ms; RSS growth ${((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(0)} MiB`);
  expect(ms).toBeLessThan(30_000);
  expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 2 ** 20);
});
