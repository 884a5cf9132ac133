import { describe, expect, test } from 'vitest';
import { IndexParseError, parseProjectJson, parseRootJson } from '../../src/index/index.js';
import { H, PAGE_URL, PYPI_JSON } from './fixtures.js';

describe('parseProjectJson on a PyPI-style page', () => {
  const page = parseProjectJson(PYPI_JSON, PAGE_URL);

  test('page-level fields', () => {
    expect(page.name).toBe('Demo.Pkg');
    expect(page.lastSerial).toBe(26001234);
    expect(page.versions).toEqual(['0.9', '1.0']);
    expect(page.status).toEqual({ status: 'quarantined', reason: 'Malware reported <PYSEC-0000> & confirmed' });
  });

  test('files', () => {
    expect(page.files).toEqual([
      {
        filename: 'demo_pkg-0.9-py3-none-any.whl',
        url: 'https://files.pythonhosted.org/packages/00/11/demo_pkg-0.9-py3-none-any.whl',
        hashes: { sha256: H.old },
        requiresPython: '>=3.8,<4',
        size: 10240,
        uploadTime: '2024-01-02T03:04:05.678901Z',
        yanked: 'Broken build: use 1.0',
        coreMetadata: { sha256: H.oldMeta },
        provenance: null,
      },
      {
        filename: 'demo_pkg-1.0.tar.gz',
        url: 'https://pypi.org/packages/22/33/demo_pkg-1.0.tar.gz',
        hashes: { sha256: H.sdist, md5: '0123456789abcdef0123456789abcdef' },
        requiresPython: '>=3.8,<4',
        size: 20480,
        uploadTime: '2024-05-06T07:08:09.000000Z',
        provenance: null,
      },
      {
        filename: 'demo_pkg-1.0-py3-none-any.whl',
        url: 'https://files.pythonhosted.org/packages/44/55/demo_pkg-1.0-py3-none-any.whl',
        hashes: { sha256: H.wheel },
        requiresPython: '>=3.8,<4',
        size: 12345,
        uploadTime: '2024-05-06T07:08:10.000000Z',
        coreMetadata: { sha256: H.wheelMeta },
        provenance: 'https://pypi.org/integrity/demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl/provenance',
      },
    ]);
  });

  test('an already-parsed object and a Buffer are accepted too', () => {
    expect(parseProjectJson(JSON.parse(PYPI_JSON), PAGE_URL)).toEqual(page);
    expect(parseProjectJson(Buffer.from(PYPI_JSON), PAGE_URL)).toEqual(page);
  });
});

describe('parseProjectJson edge cases', () => {
  const url = 'https://idx.example/simple/foo/';
  const file = { filename: 'foo-1.0.tar.gz', url: 'foo-1.0.tar.gz', hashes: { sha256: 'ab' } };
  const one = (f: Record<string, unknown>) => parseProjectJson({ meta: { 'api-version': '1.0' }, name: 'foo', files: [{ ...file, ...f }] }, url).files[0];

  test('minimal PEP 691 1.0 page', () => {
    expect(parseProjectJson({ meta: { 'api-version': '1.0' }, name: 'foo', files: [file] }, url)).toEqual({
      name: 'foo',
      files: [{ filename: 'foo-1.0.tar.gz', url: 'https://idx.example/simple/foo/foo-1.0.tar.gz', hashes: { sha256: 'ab' } }],
    });
  });

  test('yanked forms (PEP 592 / 691: only truthy values mean yanked)', () => {
    expect(one({ yanked: false }).yanked).toBeUndefined();
    expect(one({ yanked: true }).yanked).toBe(true);
    expect(one({ yanked: '' }).yanked).toBeUndefined();
    expect(one({ yanked: 'reason' }).yanked).toBe('reason');
  });

  test('core-metadata forms (PEP 658/714), new key preferred over the legacy one', () => {
    expect(one({ 'core-metadata': true }).coreMetadata).toBe(true);
    expect(one({ 'core-metadata': false }).coreMetadata).toBeUndefined();
    expect(one({ 'data-dist-info-metadata': { sha256: 'AA' } }).coreMetadata).toEqual({ sha256: 'aa' });
    expect(one({ 'core-metadata': { sha256: 'bb' }, 'data-dist-info-metadata': { sha256: 'cc' } }).coreMetadata).toEqual({ sha256: 'bb' });
  });

  test('non-hex and unknown hashes are dropped, a missing hashes object means no hash', () => {
    expect(one({ hashes: { sha256: 'not hex', md5: 'AB', foo: 'ab' } }).hashes).toEqual({ md5: 'ab' });
    expect(one({ hashes: undefined }).hashes).toEqual({});
  });

  test('files on other schemes are not offered', () => {
    const p = parseProjectJson({ name: 'foo', files: [{ ...file, url: 'file:///etc/passwd' }, { ...file, url: 'data:,x' }, file] }, url);
    expect(p.files.map((f) => f.url)).toEqual(['https://idx.example/simple/foo/foo-1.0.tar.gz']);
  });

  test('file names that could act as paths are dropped', () => {
    const p = parseProjectJson({ name: 'foo', files: [{ ...file, filename: '../x.whl' }, { ...file, filename: 'a\\b.whl' }, file] }, url);
    expect(p.files.map((f) => f.filename)).toEqual(['foo-1.0.tar.gz']);
  });

  test('a file with an unparseable URL is dropped, the rest of the page kept', () => {
    const p = parseProjectJson({ name: 'foo', files: [{ ...file, url: 'http://[::1' }, file] }, url);
    expect(p.files.map((f) => f.url)).toEqual(['https://idx.example/simple/foo/foo-1.0.tar.gz']);
  });

  test('missing name falls back to the normalized name from the URL', () => {
    expect(parseProjectJson({ files: [] }, 'https://x.example/simple/Foo.Bar/').name).toBe('foo-bar');
  });

  test.each([
    ['not JSON', '{"files": ['],
    ['not an object', '[1,2]'],
    ['null', 'null'],
    ['files missing', '{"name":"foo"}'],
    ['files not array', '{"name":"foo","files":{}}'],
    ['file not object', '{"name":"foo","files":[1]}'],
    ['filename missing', '{"name":"foo","files":[{"url":"a"}]}'],
    ['url missing', '{"name":"foo","files":[{"filename":"a"}]}'],
    ['hashes wrong type', '{"name":"foo","files":[{"filename":"a","url":"a","hashes":"sha256=ab"}]}'],
    ['hash value wrong type', '{"name":"foo","files":[{"filename":"a","url":"a","hashes":{"sha256":1}}]}'],
    ['yanked wrong type', '{"name":"foo","files":[{"filename":"a","url":"a","hashes":{},"yanked":1}]}'],
    ['size negative', '{"name":"foo","files":[{"filename":"a","url":"a","hashes":{},"size":-1}]}'],
    ['size string', '{"name":"foo","files":[{"filename":"a","url":"a","hashes":{},"size":"12"}]}'],
    ['provenance wrong type', '{"name":"foo","files":[{"filename":"a","url":"a","hashes":{},"provenance":{}}]}'],
    ['versions wrong type', '{"name":"foo","files":[],"versions":[1]}'],
    ['name wrong type', '{"name":1,"files":[]}'],
    ['api-version 2', '{"meta":{"api-version":"2.0"},"name":"foo","files":[]}'],
    ['api-version unreadable', '{"meta":{"api-version":"v1"},"name":"foo","files":[]}'],
    ['serial not integer', '{"meta":{"_last-serial":"12"},"name":"foo","files":[]}'],
    ['status wrong type', '{"name":"foo","files":[],"project-status":5}'],
  ])('%s → IndexParseError', (_label, body) => {
    expect(() => parseProjectJson(body, url)).toThrow(IndexParseError);
  });

  test('IndexParseError carries a status and a stable code', () => {
    try {
      parseProjectJson('nope', url);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(IndexParseError);
      expect((err as IndexParseError).code).toBe('INDEX_PARSE');
      expect((err as IndexParseError).status).toBe(502);
    }
  });
});

describe('parseRootJson', () => {
  test('PyPI shape', () => {
    const body = '{"meta":{"_last-serial":99,"api-version":"1.4"},"projects":[{"_last-serial":3,"name":"0"},{"name":"Django"}]}';
    expect(parseRootJson(body)).toEqual({ projects: ['0', 'Django'], lastSerial: 99 });
  });
  test('invalid', () => {
    expect(() => parseRootJson('{"projects":[{"nom":"x"}]}')).toThrow(IndexParseError);
    expect(() => parseRootJson('{}')).toThrow(IndexParseError);
  });
});
