// PEP 691 negotiation as properties (the index helper's test covers "never throws"; these
// check meaning): order, spacing and case of Accept do not matter, an explicit q=1 for a type
// we serve always wins something we serve, q=0 excludes, ?format= shorthands override Accept,
// and the server's answer always carries the negotiated type or a 406 problem.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { negotiateContentType } from '../../src/index/index.js';
import { FaultUpstream, benignWheel } from '../helpers/fault-upstream.js';
import { get, startProxy, type Proxy } from '../reliability/harness.js';

const RUNS = { numRuns: Number(process.env.FC_NUM_RUNS ?? 1000) };
const JSON_T = 'application/vnd.pypi.simple.v1+json';
const HTML_T = 'application/vnd.pypi.simple.v1+html';
const TYPES = [JSON_T, HTML_T, 'text/html', 'application/vnd.pypi.simple.latest+json', 'application/vnd.pypi.simple.latest+html', 'text/*', 'application/*', '*/*', 'application/json', 'image/png', 'text/plain'];

const qValue = fc.oneof(fc.constant(null), fc.constantFrom('0', '1', '0.5', '0.01', '0.001', '1.0', '0.9'));
const range = fc.record({ type: fc.constantFrom(...TYPES), q: qValue, extra: fc.constantFrom('', ';charset=utf-8', ';level=1') });
const ranges = fc.array(range, { minLength: 1, maxLength: 6 });
const render = (rs: { type: string; q: string | null; extra: string }[], sep = ', ', semi = '; ') =>
  rs.map((r) => r.type + (r.extra ? semi + r.extra.slice(1) : '') + (r.q !== null ? `${semi}q=${r.q}` : '')).join(sep);

describe('negotiateContentType', () => {
  test('the order of the ranges does not matter', () => {
    fc.assert(
      fc.property(ranges, fc.nat(), (rs, seed) => {
        const shuffled = [...rs].sort((a, b) => ((TYPES.indexOf(a.type) * 31 + seed) % 7) - ((TYPES.indexOf(b.type) * 31 + seed) % 7));
        expect(negotiateContentType(render(shuffled))).toEqual(negotiateContentType(render(rs)));
      }),
      RUNS,
    );
  });

  test('spacing around , ; = and the case of media types do not matter', () => {
    fc.assert(
      fc.property(ranges, fc.constantFrom(',', ', ', ' , ', ',\t'), fc.constantFrom(';', '; ', ' ;'), (rs, sep, semi) => {
        const want = negotiateContentType(render(rs));
        expect(negotiateContentType(render(rs, sep, semi))).toEqual(want);
        expect(negotiateContentType(render(rs).toUpperCase())?.format).toBe(want?.format);
      }),
      RUNS,
    );
  });

  test('adding an exact JSON range with q=1 always yields JSON (JSON wins ties, PEP 691)', () => {
    fc.assert(
      fc.property(ranges, (rs) => {
        expect(negotiateContentType(render(rs) + ', ' + JSON_T)).toEqual({ format: 'json', contentType: JSON_T });
      }),
      RUNS,
    );
  });

  test('the answer is never a type the client gave q=0 (by its most specific range)', () => {
    fc.assert(
      fc.property(ranges, (rs) => {
        const got = negotiateContentType(render(rs));
        if (!got) return;
        // Every range naming the chosen type exactly must not all be q=0.
        const exact = rs.filter((r) => r.type === got.contentType || (got.contentType === JSON_T && r.type.endsWith('latest+json')) || (got.contentType === HTML_T && r.type.endsWith('latest+html')));
        if (exact.length) expect(exact.some((r) => r.q === null || Number(r.q) > 0)).toBe(true);
      }),
      RUNS,
    );
  });

  test('?format=json|html overrides any Accept', () => {
    fc.assert(
      fc.property(fc.oneof(ranges.map((rs) => render(rs)), fc.string()), fc.constantFrom('json', 'html', 'JSON', ' html '), (accept, f) => {
        expect(negotiateContentType(accept, f)?.format).toBe(f.trim().toLowerCase());
      }),
      RUNS,
    );
  });
});

describe('the project route and negotiation', () => {
  let up: FaultUpstream;
  let proxy: Proxy;

  beforeAll(async () => {
    up = await new FaultUpstream().start();
    const w = benignWheel('nego', '1.0');
    up.add('nego', w.filename, w.body);
    proxy = await startProxy(up.simple);
  });

  afterAll(async () => {
    await proxy?.stop();
    await up?.stop();
  });

  test('every answer is the negotiated type with Vary: Accept, or a 406 problem', async () => {
    await fc.assert(
      fc.asyncProperty(ranges, async (rs) => {
        const accept = render(rs);
        const want = negotiateContentType(accept);
        const r = await get(`${proxy.url}/simple/nego/`, { accept });
        if (!want) {
          expect(r.status).toBe(406);
          expect(r.headers.get('content-type')).toBe('application/problem+json');
          return;
        }
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toBe(want.contentType);
        expect(r.headers.get('vary')).toMatch(/\bAccept\b/);
        if (want.format === 'json') expect(JSON.parse(r.body.toString()).name).toBe('nego');
        else expect(r.body.toString()).toContain('nego-1.0-py3-none-any.whl');
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 200) },
    );
  });
});
