import { describe, expect, test } from 'vitest';
import {
  apiVersion,
  parseProjectHtml,
  parseProjectJson,
  parseRootHtml,
  parseRootJson,
  renderProjectHtml,
  renderProjectJson,
  renderRootHtml,
  renderRootJson,
  type ProjectPage,
} from '../../src/index/index.js';
import { H, PAGE_URL, PYPI_HTML, PYPI_JSON } from './fixtures.js';

describe('renderProjectHtml', () => {
  const page = parseProjectJson(PYPI_JSON, PAGE_URL);
  const html = renderProjectHtml(page);

  test('PEP 503 page with version and status metas', () => {
    expect(html.startsWith('<!DOCTYPE html>\n')).toBe(true);
    expect(html).toContain('<meta name="pypi:repository-version" content="1.4">');
    expect(html).toContain('<meta name="pypi:project-status" content="quarantined">');
    expect(html).toContain('<meta name="pypi:project-status-reason" content="Malware reported &lt;PYSEC-0000&gt; &amp; confirmed">');
    expect(html).toContain('<title>Links for demo-pkg</title>');
  });

  test('one anchor per file with every attribute, escaped', () => {
    const lines = html.split('\n').filter((l) => l.startsWith('<a '));
    expect(lines).toEqual([
      `<a href="https://files.pythonhosted.org/packages/00/11/demo_pkg-0.9-py3-none-any.whl#sha256=${H.old}" data-requires-python="&gt;=3.8,&lt;4" data-yanked="Broken build: use 1.0" data-core-metadata="sha256=${H.oldMeta}" data-dist-info-metadata="sha256=${H.oldMeta}">demo_pkg-0.9-py3-none-any.whl</a><br />`,
      `<a href="https://pypi.org/packages/22/33/demo_pkg-1.0.tar.gz#sha256=${H.sdist}" data-requires-python="&gt;=3.8,&lt;4">demo_pkg-1.0.tar.gz</a><br />`,
      `<a href="https://files.pythonhosted.org/packages/44/55/demo_pkg-1.0-py3-none-any.whl#sha256=${H.wheel}" data-requires-python="&gt;=3.8,&lt;4" data-core-metadata="sha256=${H.wheelMeta}" data-dist-info-metadata="sha256=${H.wheelMeta}" data-provenance="https://pypi.org/integrity/demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl/provenance">demo_pkg-1.0-py3-none-any.whl</a><br />`,
    ]);
  });

  test('hostile strings are escaped everywhere', () => {
    const evil: ProjectPage = {
      name: 'x',
      status: { status: '"><script>', reason: "'&<>" },
      files: [
        {
          filename: '<img src=x onerror=alert(1)>.tar.gz',
          url: 'https://e.example/a"b<c>.tar.gz?x=1&y=2',
          hashes: { sha256: 'ab' },
          requiresPython: '"><script>',
          yanked: '</a><a href="javascript:x">',
          provenance: 'https://p.example/"onmouseover="x',
        },
      ],
    };
    const out = renderProjectHtml(evil);
    expect(out).not.toMatch(/<script|<img|"onmouseover|<\/a><a href="javascript/);
    expect(out).toContain('href="https://e.example/a&quot;b&lt;c&gt;.tar.gz?x=1&amp;y=2#sha256=ab"');
    // And it parses back to the same strings.
    const back = parseProjectHtml(out, 'https://proxy.example/simple/x/');
    expect(back.status).toEqual(evil.status);
    expect(back.files[0]).toMatchObject({
      filename: evil.files[0].filename,
      requiresPython: evil.files[0].requiresPython,
      yanked: evil.files[0].yanked,
      provenance: evil.files[0].provenance,
    });
  });

  test('a PyPI HTML page and its JSON twin render the same HTML', () => {
    const fromHtml = parseProjectHtml(PYPI_HTML, PAGE_URL);
    expect(renderProjectHtml(fromHtml)).toBe(html);
  });
});

describe('renderProjectJson', () => {
  test('PyPI JSON round-trips to an equivalent document', () => {
    const page = parseProjectJson(PYPI_JSON, PAGE_URL);
    const out = JSON.parse(renderProjectJson(page));
    const src = JSON.parse(PYPI_JSON);
    // Differences by design: relative URL made absolute, hashes lowercased, api-version recomputed.
    src.files[1].url = 'https://pypi.org/packages/22/33/demo_pkg-1.0.tar.gz';
    src.files[1].hashes.sha256 = H.sdist;
    expect(out).toEqual(src);
  });

  test('never writes the PEP 691 key "dist-info-metadata" that pip 22.3-23.1 crash on (PEP 714)', () => {
    const out = JSON.parse(renderProjectJson(parseProjectJson(PYPI_JSON, PAGE_URL)));
    for (const f of out.files) expect(Object.keys(f)).not.toContain('dist-info-metadata');
    expect(out.files[2]['core-metadata']).toEqual({ sha256: H.wheelMeta });
  });

  test('HTML upstream: versions derived from file names, size omitted when unknown, yanked always written', () => {
    const page = parseProjectHtml(
      `<a href="foo-1.0.tar.gz#sha256=aa">foo-1.0.tar.gz</a><a href="foo-1.0-py3-none-any.whl#sha256=bb" data-yanked>foo-1.0-py3-none-any.whl</a>
       <a href="Foo_Bar-2.0.tar.gz">Foo_Bar-2.0.tar.gz</a><a href="foo-0.5b1.zip">foo-0.5b1.zip</a>`,
      'https://x.example/simple/foo/',
    );
    const out = JSON.parse(renderProjectJson(page));
    expect(out.meta).toEqual({ 'api-version': '1.1' });
    expect(out.name).toBe('foo');
    expect(out.versions).toEqual(['1.0', '0.5b1']);
    expect(out.files[0]).toEqual({ filename: 'foo-1.0.tar.gz', url: 'https://x.example/simple/foo/foo-1.0.tar.gz', hashes: { sha256: 'aa' }, yanked: false });
    expect(out.files[1].yanked).toBe(true);
    expect(out.files[2].hashes).toEqual({});
  });
});

describe('apiVersion', () => {
  const base: ProjectPage = { name: 'p', files: [{ filename: 'p-1.tar.gz', url: 'https://x/p-1.tar.gz', hashes: {} }] };
  test.each<[string, ProjectPage, string, string]>([
    ['baseline', base, '1.0', '1.1'],
    ['PEP 700 fields only', { ...base, files: [{ ...base.files[0], size: 1, uploadTime: '2024-01-01T00:00:00Z' }] }, '1.0', '1.1'],
    ['provenance null', { ...base, files: [{ ...base.files[0], provenance: null }] }, '1.0', '1.3'],
    ['provenance URL', { ...base, files: [{ ...base.files[0], provenance: 'https://p/x' }] }, '1.3', '1.3'],
    ['project status', { ...base, status: { status: 'active' } }, '1.4', '1.4'],
  ])('%s → html %s, json %s', (_label, page, html, json) => {
    expect(apiVersion(page, 'html')).toBe(html);
    expect(apiVersion(page, 'json')).toBe(json);
    expect(renderProjectHtml(page)).toContain(`content="${html}"`);
    expect(JSON.parse(renderProjectJson(page)).meta['api-version']).toBe(json);
  });
});

describe('root pages', () => {
  const root = { projects: ['Django', 'zope.interface', 'a&b'], lastSerial: 7 };
  test('HTML', () => {
    const html = renderRootHtml(root);
    expect(html).toContain('<a href="django/">Django</a>');
    expect(html).toContain('<a href="zope-interface/">zope.interface</a>');
    expect(html).toContain('<a href="a%26b/">a&amp;b</a>');
    expect(parseRootHtml(html)).toEqual({ projects: root.projects });
  });
  test('JSON', () => {
    const json = renderRootJson(root);
    expect(JSON.parse(json)).toEqual({ meta: { 'api-version': '1.0', '_last-serial': 7 }, projects: [{ name: 'Django' }, { name: 'zope.interface' }, { name: 'a&b' }] });
    expect(parseRootJson(json)).toEqual(root);
  });
});
