// Byte ranges (RFC 9110 §14) as properties: parseRange against an independent oracle written
// from the RFC, and the real file route: every satisfiable range returns exactly those bytes.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseRange, type RangeResult } from '../../src/server/range.js';
import { FaultUpstream, benignWheel } from '../helpers/fault-upstream.js';
import { fileUrlFromPage, get, startProxy, type Proxy } from '../reliability/harness.js';

const RUNS = { numRuns: Number(process.env.FC_NUM_RUNS ?? 1000) };

// The oracle: one `bytes=` range; first-last, first-, or -suffix; digits only; anything else
// (multi-range, junk, other units) is ignored and the whole file is sent (§14.2 allows that).
function oracle(header: string, size: number): RangeResult {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (!m[1] && !m[2])) return { kind: 'none' };
  const big = (s: string) => s !== '' && BigInt(s) > BigInt(Number.MAX_SAFE_INTEGER); // ignore rather than misread
  if (!m[1]) {
    if (big(m[2])) return { kind: 'none' };
    const n = Number(m[2]);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'ok', start: Math.max(0, size - n), end: size - 1 };
  }
  if (big(m[1]) || big(m[2])) return { kind: 'none' };
  const first = Number(m[1]);
  const last = m[2] ? Number(m[2]) : size - 1;
  if (m[2] && last < first) return { kind: 'none' };
  if (first >= size) return { kind: 'unsatisfiable' };
  return { kind: 'ok', start: first, end: Math.min(last, size - 1) };
}

const digits = fc.oneof(fc.nat({ max: 5000 }).map(String), fc.constant(''), fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String));
const ws = fc.constantFrom('', ' ', '  ', '\t');
const wellFormedish = fc
  .tuple(fc.constantFrom('bytes', 'BYTES', 'Bytes', 'items', 'byte'), ws, digits, ws, digits, ws, fc.constantFrom('', ',0-1', ', 5-', ';x'))
  .map(([unit, a, first, b, last, c, tail]) => `${a}${unit}${b}=${a}${first}${c}-${b}${last}${c}${tail}`);
const header = fc.oneof(wellFormedish, fc.string(), fc.string({ unit: 'binary' }));
const size = fc.oneof(fc.nat({ max: 5000 }), fc.constant(0), fc.constant(1));

describe('parseRange', () => {
  test('agrees with the RFC 9110 oracle on arbitrary and near-valid headers', () => {
    fc.assert(
      fc.property(header, size, (h, n) => {
        expect(parseRange(h, n)).toEqual(oracle(h, n));
      }),
      RUNS,
    );
  });

  test('never throws; an ok range always lies inside the file and is non-empty', () => {
    fc.assert(
      fc.property(fc.oneof(header, fc.constant(undefined), fc.constant(null)), size, (h, n) => {
        const r = parseRange(h, n);
        if (r.kind === 'ok') {
          expect(r.start).toBeGreaterThanOrEqual(0);
          expect(r.end).toBeGreaterThanOrEqual(r.start);
          expect(r.end).toBeLessThan(n);
        }
      }),
      RUNS,
    );
  });
});

describe('the file route honours ranges byte for byte', () => {
  let up: FaultUpstream;
  let proxy: Proxy;
  let url: string;
  const wheel = benignWheel('ranged', '1.0', 4096);

  beforeAll(async () => {
    up = await new FaultUpstream().start();
    up.add('ranged', wheel.filename, wheel.body);
    proxy = await startProxy(up.simple);
    url = await fileUrlFromPage(proxy.url, 'ranged', wheel.filename);
    expect((await get(url)).status).toBe(200); // fetched, verified and scanned once
  });

  afterAll(async () => {
    await proxy?.stop();
    await up?.stop();
  });

  test('206 with exactly the requested bytes and Content-Range; 416 when unsatisfiable; 200 whole when ignored', async () => {
    const n = wheel.body.length;
    const rangeHeader = fc.oneof(
      fc.tuple(fc.nat({ max: n + 50 }), fc.nat({ max: n + 50 })).map(([a, b]) => `bytes=${Math.min(a, b)}-${Math.max(a, b)}`),
      fc.nat({ max: n + 50 }).map((a) => `bytes=${a}-`),
      fc.nat({ max: n + 50 }).map((k) => `bytes=-${k}`),
      wellFormedish,
    );
    await fc.assert(
      fc.asyncProperty(rangeHeader, async (h) => {
        const r = await get(url, { range: h });
        const want = oracle(h, n);
        if (want.kind === 'ok') {
          expect(r.status).toBe(206);
          expect(r.headers.get('content-range')).toBe(`bytes ${want.start}-${want.end}/${n}`);
          expect(r.body.equals(wheel.body.subarray(want.start, want.end + 1))).toBe(true);
        } else if (want.kind === 'unsatisfiable') {
          expect(r.status).toBe(416);
          expect(r.headers.get('content-range')).toBe(`bytes */${n}`);
        } else {
          expect(r.status).toBe(200);
          expect(r.body.equals(wheel.body)).toBe(true);
        }
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 300) },
    );
  });

  test('If-Range with another validator sends the whole file', async () => {
    const r = await get(url, { range: 'bytes=0-9', 'if-range': '"not-this-one"' });
    expect(r.status).toBe(200);
    expect(r.body.equals(wheel.body)).toBe(true);
  });
});
