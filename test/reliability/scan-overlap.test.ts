// Issue 13, the scan overlaps the download: the scanner is told a scan is coming while the file's
// bytes are still arriving (so a scan process starts meanwhile), and still nothing is served, and
// no verdict recorded, before the whole file is verified and scanned.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { FaultUpstream, benignWheel, sha256 } from '../helpers/fault-upstream.js';
import { countingScanner, fileUrlFromPage, get, startProxy, type Proxy } from './harness.js';

const wheel = benignWheel('slowdl', '1.0', 64 * 1024);
const sha = sha256(wheel.body);
let up: FaultUpstream;
let proxy: Proxy;
const warmedAt: { stored: boolean; verdicts: number; scans: number }[] = [];

beforeAll(async () => {
  up = await new FaultUpstream().start();
  up.add('slowdl', wheel.filename, wheel.body);
  const inner = countingScanner();
  const scanner = {
    ...inner,
    warm() {
      warmedAt.push({ stored: existsSync(proxy.deps.blobs.path(sha)), verdicts: proxy.verdictCount(), scans: inner.scans.length });
    },
  };
  proxy = await startProxy(up.simple, { upstreamTimeout: 2_000 }, scanner);
});

afterAll(async () => {
  await proxy?.stop();
  await up?.stop();
});

test('a cold file: the scanner is warmed while the download runs, and the bytes go out only after the verdict', async () => {
  const url = await fileUrlFromPage(proxy.url, 'slowdl', wheel.filename);
  // 16 KiB every 100 ms: the 64 KiB wheel takes about 0.4 s to arrive.
  up.setFault('file', { kind: 'trickle', bytes: 16 * 1024, everyMs: 100 });
  const r = await get(url);
  expect(r.status).toBe(200);
  expect(r.body.equals(wheel.body)).toBe(true);
  expect(warmedAt).toEqual([{ stored: false, verdicts: 0, scans: 0 }]);
  expect(proxy.scans).toHaveLength(1);
  expect(proxy.verdictCount()).toBe(1);
  // A stored file is scanned without a download: nothing to overlap, no warm-up.
  const again = await get(url);
  expect(again.body.equals(wheel.body)).toBe(true);
  expect(warmedAt).toHaveLength(1);
});
