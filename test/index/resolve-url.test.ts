// The fast path of resolveUrl must never disagree with WHATWG URL parsing: differential test.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { hrefOf, resolveUrl } from '../../src/index/resolve-url.js';

const BASE = new URL('https://pypi.org/simple/x/');
const whatwg = (href: string) => {
  try {
    return new URL(href, BASE).href;
  } catch {
    return undefined;
  }
};

test('real-looking URLs take the fast path and equal WHATWG', () => {
  const href = 'https://files.pythonhosted.org/packages/ab/cd/0123456789abcdef/demo_pkg-1.0+local-py3-none-any.whl';
  expect(resolveUrl(href, BASE)).toBe(href); // a string = fast path taken
});

test.each([
  'https://files.example/a/../b.whl',
  'https://files.example/a/./b.whl',
  'https://files.example/a/%2e%2e/b.whl',
  'https://files.example/a/%2E/b.whl',
  'https://FILES.example/a.whl',
  'https://xn--nxasmq6b.example/a.whl',
  'https://0x7f.1/a.whl',
  'https://127.0.0.1/a.whl',
  'https://files.example:443/a.whl',
  'https://user@files.example/a.whl',
  'https://files.example/a b.whl',
  'https://files.example/a\\b.whl',
  'https://files.example/a.whl?x=1',
  'https://files.example',
  'https://files.example/a^b`c{d}.whl',
  'https://files.example/é.whl',
  '../../packages/a.whl',
  '//files.example/a.whl',
])('%s resolves exactly like new URL', (href) => {
  const r = resolveUrl(href, BASE);
  expect(r === undefined ? undefined : hrefOf(r)).toBe(whatwg(href));
});

test('differential: arbitrary URL-ish strings agree with WHATWG', () => {
  const alphabet = fc.constantFrom(
    ...'abcxyzAZ019-._~!$&\'()*+,;=:@/%?#\\ ^`{}|"<>'.split(''),
    '%2e', '%2E', '%41', '%zz', 'xn--', '..', '/./', '/../', 'é', '\t', '\n', '0x', '127', ':443', 'https://', 'http://',
  );
  const urlish = fc.tuple(fc.constantFrom('https://', 'http://', 'HTTPS://', 'https:/', ''), fc.string({ unit: alphabet, maxLength: 40 }), fc.string({ unit: alphabet, maxLength: 40 }))
    .map(([scheme, host, path]) => `${scheme}${host}/${path}`);
  fc.assert(
    fc.property(urlish, (href) => {
      const r = resolveUrl(href, BASE);
      expect(r === undefined ? undefined : hrefOf(r)).toBe(whatwg(href));
    }),
    { numRuns: Number(process.env.FC_NUM_RUNS ?? 3000) },
  );
});

test('differential on near-canonical URLs, and the fast path is really exercised', () => {
  const hostChar = fc.constantFrom(...'abz09-.'.split(''), 'xn--', 'A');
  const pathChar = fc.constantFrom(...'aZ09._~!$&\'()*+,;=:@/-'.split(''), '%41', '%2e', '%2E', '.', '/./', '/..', '%', '^', '\\');
  const near = fc.tuple(fc.constantFrom('https://', 'http://'), fc.string({ unit: hostChar, minLength: 1, maxLength: 20 }), fc.string({ unit: pathChar, maxLength: 40 }))
    .map(([scheme, host, path]) => `${scheme}${host}/${path}`);
  let fast = 0;
  let total = 0;
  fc.assert(
    fc.property(near, (href) => {
      const r = resolveUrl(href, BASE);
      total++;
      if (typeof r === 'string') fast++;
      expect(r === undefined ? undefined : hrefOf(r)).toBe(whatwg(href));
    }),
    { numRuns: Number(process.env.FC_NUM_RUNS ?? 3000) },
  );
  // About 4 % of these strings are canonical; the rest check that the fast path declines correctly.
  expect(fast / total).toBeGreaterThan(0.02);
});
