// Hostile or broken upstream HTML must cost linear time: every construct that makes a naive
// scanner search to the end of the page, repeated 40,000 times. Measured in CPU time, since the
// two shared cores here often run at load 10+: the linear parser needs ~0.2 s of CPU for these
// ~2 MB inputs, the quadratic scan it replaced needed 6 s for HALF of one of them.
import { expect, test } from 'vitest';
import { parseProjectHtml, parseRootHtml } from '../../src/index/index.js';

const URL_ = 'https://idx.example/simple/foo/';
const N = 40_000;
const CPU_BOUND_MS = 4_000;

function timed<T>(fn: () => T): { value: T; ms: number } {
  const c0 = process.cpuUsage();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { value, ms: (c.user + c.system) / 1000 };
}

test.each([
  ['unclosed anchors', `<a href="foo-1.0.tar.gz#sha256=ab">foo-1.0.tar.gz `.repeat(N), N],
  ['anchors closed by nothing but text with "<"', `<a href="f-1.tar.gz">f-1.tar.gz < x `.repeat(N), N],
  ['unterminated quotes in unwanted tags', `<div title="x>`.repeat(N), 0],
  ['lone "<" characters', '< <= <3 <'.repeat(N), 0],
  ['unclosed comments', '<!-- <a href="x-1.tar.gz">x</a>'.repeat(N), 0],
  ['many end tags', '</a></b></div>'.repeat(N), 0],
  ['entity soup', `<a href="f-1.tar.gz" data-requires-python="${'&amp;&#x3e;&bogus;&'.repeat(20)}">f</a>`.repeat(N / 10), N / 10],
])('%s: linear time', (_label, html, files) => {
  const { value, ms } = timed(() => parseProjectHtml(html, URL_));
  expect(value.files.length).toBe(files);
  expect(ms).toBeLessThan(CPU_BOUND_MS);
});

test('an unclosed <script> hides everything after it, in linear time', () => {
  const html = '<script>' + '<a href="x-1.tar.gz">x-1.tar.gz</a>'.repeat(N);
  const { value, ms } = timed(() => parseProjectHtml(html, URL_));
  expect(value.files).toEqual([]);
  expect(ms).toBeLessThan(CPU_BOUND_MS);
});

test('a 100,000-project root page parses in linear time (0.4 s on an idle machine)', () => {
  const html = Array.from({ length: 100_000 }, (_, i) => `<a href="/simple/p${i}/">p${i}</a>`).join('\n');
  const { value, ms } = timed(() => parseRootHtml(html));
  expect(value.projects.length).toBe(100_000);
  expect(ms).toBeLessThan(CPU_BOUND_MS);
});
