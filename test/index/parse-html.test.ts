import { describe, expect, test } from 'vitest';
import { IndexParseError, parseProjectHtml, parseRootHtml } from '../../src/index/index.js';
import { H, PAGE_URL, PYPI_HTML } from './fixtures.js';

describe('parseProjectHtml on a PyPI-style page', () => {
  const page = parseProjectHtml(PYPI_HTML, PAGE_URL);

  test('name from the page URL, status from the PEP 792 metas', () => {
    expect(page.name).toBe('demo-pkg');
    expect(page.status).toEqual({ status: 'quarantined', reason: 'Malware reported <PYSEC-0000> & confirmed' });
    expect(page.versions).toBeUndefined();
    expect(page.lastSerial).toBeUndefined();
  });

  test('every file with every attribute', () => {
    expect(page.files).toEqual([
      {
        filename: 'demo_pkg-0.9-py3-none-any.whl',
        url: 'https://files.pythonhosted.org/packages/00/11/demo_pkg-0.9-py3-none-any.whl',
        hashes: { sha256: H.old },
        requiresPython: '>=3.8,<4',
        yanked: 'Broken build: use 1.0',
        coreMetadata: { sha256: H.oldMeta },
      },
      {
        filename: 'demo_pkg-1.0.tar.gz',
        // relative href resolved against the page URL; hex lowercased
        url: 'https://pypi.org/packages/22/33/demo_pkg-1.0.tar.gz',
        hashes: { sha256: H.sdist },
        requiresPython: '>=3.8,<4',
      },
      {
        filename: 'demo_pkg-1.0-py3-none-any.whl',
        url: 'https://files.pythonhosted.org/packages/44/55/demo_pkg-1.0-py3-none-any.whl',
        hashes: { sha256: H.wheel },
        requiresPython: '>=3.8,<4',
        coreMetadata: { sha256: H.wheelMeta },
        provenance: 'https://pypi.org/integrity/demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl/provenance',
      },
    ]);
  });
});

describe('parseProjectHtml tolerance', () => {
  const url = 'https://idx.example/simple/foo/';

  test('quotes, case, unquoted values, bare attributes, numeric entities', () => {
    const html = `<A HREF='foo-1.0.tar.gz#SHA256=ABCD' DATA-YANKED>foo-1.0.tar.gz</A>
      <a href=foo-1.1.tar.gz#sha256=ef data-requires-python=&#62;=3.9 data-gpg-sig=true>foo-1.1.tar.gz</a>
      <a data-requires-python="&#x3E;=3.10&#x2C;&lt;4" href = "foo-1.2.tar.gz" data-gpg-sig="false">foo&#45;1.2.tar.gz</a>`;
    const p = parseProjectHtml(html, url);
    expect(p.files).toEqual([
      { filename: 'foo-1.0.tar.gz', url: 'https://idx.example/simple/foo/foo-1.0.tar.gz', hashes: { sha256: 'abcd' }, yanked: true },
      {
        filename: 'foo-1.1.tar.gz',
        url: 'https://idx.example/simple/foo/foo-1.1.tar.gz',
        hashes: { sha256: 'ef' },
        requiresPython: '>=3.9',
        gpgSig: true,
      },
      {
        filename: 'foo-1.2.tar.gz',
        url: 'https://idx.example/simple/foo/foo-1.2.tar.gz',
        hashes: {},
        requiresPython: '>=3.10,<4',
        gpgSig: false,
      },
    ]);
  });

  test('<base href> changes the base URL, relative to the page', () => {
    const html = `<html><head><base href="../../files/"></head><body><a href="foo-1.0.tar.gz">foo-1.0.tar.gz</a></body></html>`;
    expect(parseProjectHtml(html, url).files[0].url).toBe('https://idx.example/files/foo-1.0.tar.gz');
    const abs = `<base href="https://cdn.example/p/"><a href="foo-1.0.tar.gz">foo-1.0.tar.gz</a>`;
    expect(parseProjectHtml(abs, url).files[0].url).toBe('https://cdn.example/p/foo-1.0.tar.gz');
  });

  test('a <base> pointing at file: or javascript: cannot smuggle local URLs', () => {
    expect(parseProjectHtml('<base href="file:///etc/"><a href="passwd">passwd</a>', url).files).toEqual([]);
    expect(parseProjectHtml('<base href="javascript:alert(1)"><a href="x-1.tar.gz">x-1.tar.gz</a>', url).files).toEqual([]);
  });

  test('links in comments, scripts, styles and titles are not files', () => {
    const html = `<!-- <a href="x-1.0.tar.gz">x-1.0.tar.gz</a> -->
      <script>document.write('<a href="evil-1.0.tar.gz">evil</a>')</script>
      <style>a::after { content: "<a href=s-1.tar.gz>" }</style>
      <title>Links <a href="t-1.tar.gz">t</a></title>
      <a href="foo-1.0.tar.gz">foo-1.0.tar.gz</a>`;
    expect(parseProjectHtml(html, url).files.map((f) => f.filename)).toEqual(['foo-1.0.tar.gz']);
  });

  test('unclosed anchors do not swallow the next ones; nested tags are stripped from the text', () => {
    const html = `<a href="a-1.tar.gz">a-1.tar.gz<br><a href="b-1.tar.gz"><span>b-1</span>.tar.gz</a><a href="c-1.tar.gz">  c-1.tar.gz  `;
    expect(parseProjectHtml(html, url).files.map((f) => f.filename)).toEqual(['a-1.tar.gz', 'b-1.tar.gz', 'c-1.tar.gz']);
  });

  test('empty anchor text falls back to the URL file name (what pip uses)', () => {
    const p = parseProjectHtml('<a href="https://x.example/p/foo%2B1-1.0.tar.gz#sha256=aa"></a>', url);
    expect(p.files[0].filename).toBe('foo+1-1.0.tar.gz');
  });

  test('anchors without href, with unusable URLs or non-HTTP schemes are dropped', () => {
    const html = `<a>none</a><a href="">empty</a><a href="http://[::1">bad</a>
      <a href="javascript:alert(1)">js</a><a href="file:///etc/passwd">f</a><a href="data:text/plain,x">d</a>
      <a name="x" href="http://plain.example/ok-1.0.tar.gz">ok-1.0.tar.gz</a>`;
    expect(parseProjectHtml(html, url).files.map((f) => f.url)).toEqual(['http://plain.example/ok-1.0.tar.gz']);
  });

  test('file names that could act as paths are dropped', () => {
    const html = `<a href="a.whl">../../etc/passwd</a><a href="b.whl">b/c.whl</a><a href="c.whl">c&#10;x.whl</a><a href="d-1.tar.gz">d-1.tar.gz</a>`;
    expect(parseProjectHtml(html, url).files.map((f) => f.filename)).toEqual(['d-1.tar.gz']);
  });

  test('a local-folder (file:) page may link file: URLs', () => {
    const p = parseProjectHtml('<a href="foo-1.0.tar.gz">foo-1.0.tar.gz</a>', 'file:///srv/simple/foo/');
    expect(p.files[0].url).toBe('file:///srv/simple/foo/foo-1.0.tar.gz');
  });

  test('fragments that are not a hash give no hash; the fragment is always removed', () => {
    const p = parseProjectHtml('<a href="f-1.tar.gz#egg=f">f-1.tar.gz</a><a href="g-1.tar.gz#sha256=xyz">g-1.tar.gz</a>', url);
    expect(p.files.map((f) => [f.url, f.hashes])).toEqual([
      ['https://idx.example/simple/foo/f-1.tar.gz', {}],
      ['https://idx.example/simple/foo/g-1.tar.gz', {}],
    ]);
  });

  test('core-metadata forms: true, hash, legacy name only, garbage', () => {
    const html = `<a href="a-1.whl" data-core-metadata="true">a</a>
      <a href="b-1.whl" data-dist-info-metadata="sha256=AB">b</a>
      <a href="c-1.whl" data-core-metadata="sha256=cd" data-dist-info-metadata="sha256=ef">c</a>
      <a href="d-1.whl" data-core-metadata="whatever">d</a>
      <a href="e-1.whl" data-core-metadata="false">e</a>`;
    expect(parseProjectHtml(html, url).files.map((f) => f.coreMetadata)).toEqual([true, { sha256: 'ab' }, { sha256: 'cd' }, true, undefined]);
  });

  test('yanked with and without a reason; entities in the reason', () => {
    const html = `<a href="a-1.tar.gz" data-yanked="">a</a><a href="b-1.tar.gz" data-yanked='CVE &quot;x&quot; &amp; more'>b</a>`;
    expect(parseProjectHtml(html, url).files.map((f) => f.yanked)).toEqual([true, 'CVE "x" & more']);
  });

  test('a truncated tag at end of input is ignored', () => {
    expect(parseProjectHtml('<a href="a-1.tar.gz">a-1.tar.gz</a><a href="b-1.tar', url).files).toHaveLength(1);
  });

  test('PEP 629: unknown major version is refused, minor versions are fine', () => {
    expect(() => parseProjectHtml('<meta name="pypi:repository-version" content="2.0">', url)).toThrow(IndexParseError);
    expect(parseProjectHtml('<meta name="pypi:repository-version" content="1.99">', url).files).toEqual([]);
  });

  test('a relative page URL is an IndexParseError', () => {
    expect(() => parseProjectHtml('', '/simple/foo/')).toThrow(IndexParseError);
  });

  test('the name comes from the last path segment, normalized', () => {
    expect(parseProjectHtml('', 'https://x.example/simple/Foo_Bar/').name).toBe('foo-bar');
  });
});

describe('parseRootHtml', () => {
  test('names as listed', () => {
    const html = `<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.4"><title>Simple index</title></head><body>
      <a href="/simple/0/">0</a>
      <a href="/simple/django/">Django</a>
      <a href="/simple/zope-interface/">zope.interface</a>
      <a href="/simple/empty/"></a>
    </body></html>`;
    expect(parseRootHtml(html)).toEqual({ projects: ['0', 'Django', 'zope.interface'] });
  });
});
