import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CONTENT_TYPE, negotiate, negotiateContentType } from '../../src/index/index.js';

const JSON_T = 'application/vnd.pypi.simple.v1+json';
const HTML_T = 'application/vnd.pypi.simple.v1+html';

describe('negotiate (PEP 691)', () => {
  test('pip 23+ header, with spaces', () => {
    const pip = `${JSON_T}, ${HTML_T}; q=0.1, text/html; q=0.01`;
    expect(negotiateContentType(pip)).toEqual({ format: 'json', contentType: JSON_T });
  });
  test('uv header, without spaces', () => {
    const uv = `${JSON_T}, ${HTML_T};q=0.2, text/html;q=0.01`;
    expect(negotiate(uv)).toBe('json');
  });
  test('pip < 22.2 asks for text/html and gets exactly text/html', () => {
    expect(negotiateContentType('text/html')).toEqual({ format: 'html', contentType: 'text/html' });
  });
  test('a client naming no simple-API type (no Accept, */*) gets text/html, as from PyPI', () => {
    for (const accept of [undefined, null, '', '*/*', 'text/*', '*/*;q=0.8']) {
      expect(negotiateContentType(accept)).toEqual({ format: 'html', contentType: 'text/html' });
    }
    // text/html excluded: the wildcard still reaches JSON, preferred on ties.
    expect(negotiate('application/*')).toBe('json');
    expect(negotiate('*/*, text/html;q=0')).toBe('json');
  });
  test('a client naming JSON among wildcards gets JSON', () => {
    expect(negotiate(`${JSON_T}, */*;q=0.1`)).toBe('json');
  });
  test('ties between v1+html and text/html go to v1+html', () => {
    expect(negotiateContentType(`text/html, ${HTML_T}`)).toEqual({ format: 'html', contentType: HTML_T });
  });
  test('q-values decide over preference', () => {
    expect(negotiate(`${JSON_T};q=0.5, ${HTML_T};q=0.9`)).toBe('html');
    expect(negotiateContentType(`${JSON_T};q=0.5, text/html;q=0.9`)).toEqual({ format: 'html', contentType: 'text/html' });
    expect(negotiate(`text/html;q=0.3, */*;q=0.2`)).toBe('html');
  });
  test('latest aliases', () => {
    expect(negotiateContentType('application/vnd.pypi.simple.latest+json')).toEqual({ format: 'json', contentType: JSON_T });
    expect(negotiateContentType('application/vnd.pypi.simple.latest+html')).toEqual({ format: 'html', contentType: HTML_T });
  });
  test('q=0 means not acceptable', () => {
    expect(negotiate(`${JSON_T};q=0, text/html`)).toBe('html');
    expect(negotiate(`*/*, ${JSON_T};q=0`)).toBe('html');
    expect(negotiate(`${JSON_T};q=0, ${HTML_T};q=0.000, text/html;q=0`)).toBeNull();
    expect(negotiate('*/*;q=0')).toBeNull();
  });
  test('nothing we offer → null (406)', () => {
    expect(negotiate('application/json')).toBeNull();
    expect(negotiate('image/png, text/plain')).toBeNull();
    expect(negotiate('application/vnd.pypi.simple.v2+json')).toBeNull();
  });
  test('case, extra parameters and junk entries', () => {
    expect(negotiate('TEXT/HTML; charset=UTF-8')).toBe('html');
    expect(negotiate(`${JSON_T};q=banana, text/html`)).toBe('html');
    expect(negotiate(' , ,text/html ,')).toBe('html');
    expect(negotiate(`${JSON_T};q=7`)).toBe('json'); // clamped to 1
  });
  test('?format= overrides Accept', () => {
    expect(negotiate('text/html', JSON_T)).toBe('json');
    expect(negotiate(JSON_T, HTML_T)).toBe('html');
    expect(negotiateContentType(JSON_T, 'text/html')).toEqual({ format: 'html', contentType: 'text/html' });
    expect(negotiate(JSON_T, 'json')).toBe('json');
    expect(negotiate(JSON_T, 'html')).toBe('html');
    expect(negotiate(JSON_T, 'application/xml')).toBeNull();
    expect(negotiate('text/html', '')).toBe('html'); // empty parameter is ignored
    expect(negotiate('text/html', null)).toBe('html');
  });
  test('CONTENT_TYPE', () => {
    expect(CONTENT_TYPE).toEqual({ json: JSON_T, html: HTML_T });
  });
  test('never throws and returns a known format or null on arbitrary input', () => {
    const pieces = fc.constantFrom(JSON_T, HTML_T, 'text/html', '*/*', 'text/*', ';', ',', 'q=', '0.5', ' ', '=', '*', '');
    const headerish = fc.oneof(fc.string(), fc.array(pieces).map((a) => a.join('')), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(headerish, fc.option(headerish), (accept, format) => {
        const r = negotiateContentType(accept, format);
        expect(r === null || (['json', 'html'].includes(r.format) && typeof r.contentType === 'string')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
  test('a remembered choice is the choice: the same answers before and after 1,000 distinct headers filled and reset the memory', () => {
    const headers = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? `${JSON_T};q=0.${i % 9}, text/html;q=0.${(i + 4) % 9}` : i % 3 === 1 ? `text/html;q=0.${i % 9}, ${HTML_T};q=0.${(i + 2) % 9}` : `image/${i}`));
    const first = headers.map((h) => negotiateContentType(h));
    expect(headers.map((h) => negotiateContentType(h))).toEqual(first);
    expect(new Set(first.map((r) => r?.format ?? null))).toEqual(new Set(['json', 'html', null]));
  });
});
