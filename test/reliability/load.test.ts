// Issue 7, load: 50 clients at once on one cold file (one download, one scan, identical bytes)
// and a generated 5,000-file project page (under 1 s of CPU cold, under 100 ms cached). Times are
// CPU time, not wall time, so a busy shared machine does not fail them; load at concurrency 64
// (zero errors, p99, RSS growth over 5 runs) is a benchmark, bench/load.mjs (docs/RELIABILITY.md).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FaultUpstream, benignWheel, sha256 } from '../helpers/fault-upstream.js';
import { PIP_ACCEPT, fileUrlFromPage, get, startProxy, type Proxy } from './harness.js';

let up: FaultUpstream;
let proxy: Proxy;
const big = benignWheel('bigone', '2.0', 4 * 1024 * 1024);
const small = benignWheel('smallone', '1.0');

function fiveThousandFilePage(): string {
  const files = [];
  for (let i = 0; i < 5000; i++) {
    const v = `${Math.floor(i / 10)}.${i % 10}.0`;
    const fn = i % 2 ? `huge-${v}.tar.gz` : `huge-${v}-py3-none-any.whl`;
    files.push({
      filename: fn,
      url: `${up.base}/files/${fn}`,
      hashes: { sha256: createHash('sha256').update(fn).digest('hex') },
      'requires-python': '>=3.8',
      size: 1000 + i,
      'upload-time': '2024-01-01T00:00:00.000000Z',
      yanked: i % 97 === 0 ? 'broken' : false,
      ...(i % 2 ? {} : { 'core-metadata': { sha256: createHash('sha256').update(fn + 'm').digest('hex') } }),
    });
  }
  return JSON.stringify({ meta: { 'api-version': '1.1', '_last-serial': 1 }, name: 'huge', versions: [...new Set(files.map((f) => f.filename.split('-')[1]))], files });
}

beforeAll(async () => {
  up = await new FaultUpstream().start();
  up.add('bigone', big.filename, big.body);
  up.add('smallone', small.filename, small.body);
  // Three copies under three names: the cold figure is the best of three, so that a busy shared
  // machine measures the proxy's cost rather than its neighbours' load.
  for (const name of ['huge', 'huge2', 'huge3']) up.pages.set(`/simple/${name}/`, { contentType: 'application/vnd.pypi.simple.v1+json', body: fiveThousandFilePage() });
  proxy = await startProxy(up.simple, { upstreamTimeout: 5000 });
});

afterAll(async () => {
  await proxy?.stop();
  await up?.stop();
});

describe('load', () => {
  test('50 clients at once on one cold file: one upstream download, one scan, the same verified bytes to all', async () => {
    const url = await fileUrlFromPage(proxy.url, 'bigone', big.filename);
    up.resetHits();
    // Slow headers keep the download in flight while all 50 requests arrive.
    up.setFault('file', { kind: 'slow-headers', ms: 400 });
    const results = await Promise.all(Array.from({ length: 50 }, () => get(url)));
    up.clearFault();
    expect(up.hitCount('/files/')).toBe(1);
    expect(proxy.scans.filter((s) => s.filename === big.filename)).toHaveLength(1);
    const want = sha256(big.body);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(sha256(r.body)).toBe(want);
    }
    expect(proxy.tmpFiles()).toEqual([]);
  });

  test('a 5,000-file project page costs < 1 s of CPU from upstream and < 100 ms cached', async () => {
    // The proxy, the upstream and this client share this process: its CPU time bounds the proxy's.
    const cpuMs = (from: NodeJS.CpuUsage) => {
      const u = process.cpuUsage(from);
      return (u.user + u.system) / 1000;
    };
    let coldMs = Infinity;
    let t = process.cpuUsage();
    for (const name of ['huge', 'huge2', 'huge3']) {
      t = process.cpuUsage();
      const cold = await get(`${proxy.url}/simple/${name}/`, { accept: PIP_ACCEPT });
      coldMs = Math.min(coldMs, cpuMs(t));
      expect(cold.status).toBe(200);
      expect(JSON.parse(cold.body.toString()).files).toHaveLength(5000);
    }
    // Warm each rendering (and its gzip form) once, then measure both forms cached.
    for (const accept of [PIP_ACCEPT, 'text/html']) await get(`${proxy.url}/simple/huge/`, { accept, 'accept-encoding': 'gzip' });
    const times: number[] = [];
    for (const accept of [PIP_ACCEPT, 'text/html']) {
      for (let i = 0; i < 5; i++) {
        t = process.cpuUsage();
        const r = await get(`${proxy.url}/simple/huge/`, { accept, 'accept-encoding': 'gzip' });
        times.push(cpuMs(t));
        expect(r.status).toBe(200);
      }
    }
    // Best of N (a collection may land in any one request); the rest are printed.
    const sorted = [...times].sort((a, b) => a - b);
    const cachedMs = sorted[0];
    console.log(`5,000-file page, CPU ms: cold (fetch + parse + record + render) best of 3 ${coldMs.toFixed(0)}; cached best ${cachedMs.toFixed(1)} ms, median ${sorted[5].toFixed(1)} ms (all: ${times.map((x) => x.toFixed(0)).join(' ')})`);
    expect(coldMs).toBeLessThan(1000);
    expect(cachedMs).toBeLessThan(100);
  });
});
