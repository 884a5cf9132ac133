import fc from 'fast-check';
import { expect, test } from 'vitest';
import { decodeEntities, escapeHtml } from '../../src/index/index.js';

test.each([
  ['&gt;=3.8,&lt;4', '>=3.8,<4'],
  ['&amp;&quot;&apos;&#39;', `&"''`],
  ['&#62;&#x3E;&#X3e;&#x1F600;', '>>>😀'],
  ['&#0;&#xD800;&#x110000;&#99999999999;', '\ufffd\ufffd\ufffd\ufffd'],
  ['&gt &lt x &amp y', '> < x & y'], // legacy names without ";"
  ['&bogus; & &; &#; &#x;', '&bogus; & &; &#; &#x;'], // not references: left as written
  ['&ndash;&hellip;&nbsp;', '\u2013\u2026\u00a0'],
  ['no references', 'no references'],
])('decodeEntities(%j)', (input, want) => {
  expect(decodeEntities(input)).toBe(want);
});

test('legacy names decode by longest prefix, as Python html.unescape (so pip) does', () => {
  expect(decodeEntities('?a=1&amp=2&lt;')).toBe('?a=1&=2<');
  expect(decodeEntities('&ampx &notit; &copyright')).toBe('&x \u00acit; \u00a9right');
  expect(decodeEntities('&zz; &a')).toBe('&zz; &a');
});

test('escapeHtml escapes the five specials and nothing else', () => {
  expect(escapeHtml(`<a href="x">'&'</a> é`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; é');
  expect(escapeHtml('plain')).toBe('plain');
});

test('decode ∘ escape = identity', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(decodeEntities(escapeHtml(s))).toBe(s);
    }),
    { numRuns: 2000 },
  );
});
