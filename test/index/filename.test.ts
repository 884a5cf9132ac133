import { describe, expect, test } from 'vitest';
import { isWheel, safeFilename, versionFromFilename } from '../../src/index/index.js';

describe('versionFromFilename', () => {
  test.each([
    ['requests-2.32.3-py3-none-any.whl', 'requests', '2.32.3'],
    ['numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'numpy', '2.1.0'],
    ['foo-1.0-1build-py3-none-any.whl', 'foo', '1.0'],
    ['requests-2.32.3.tar.gz', 'requests', '2.32.3'],
    ['python-dateutil-2.9.0.post0.tar.gz', 'python-dateutil', '2.9.0.post0'],
    ['python_dateutil-2.9.0.post0.tar.gz', 'python-dateutil', '2.9.0.post0'],
    ['Django-5.1.tar.gz', 'django', '5.1'],
    ['zope.interface-7.0.zip', 'zope-interface', '7.0'],
    ['pkg-1.0rc1.tar.bz2', 'pkg', '1.0rc1'],
    ['pkg-1.0.tgz', 'pkg', '1.0'],
    ['setuptools-0.6c11-py2.7.egg', 'setuptools', '0.6c11'],
  ])('%s (%s) → %s', (file, project, want) => {
    expect(versionFromFilename(file, project)).toBe(want);
  });
  test.each([
    ['not-a-wheel.whl', 'not'],
    ['other-1.0.tar.gz', 'requests'],
    ['requests.tar.gz', 'requests'],
    ['requests-.tar.gz', 'requests'],
    ['requests-1.0.exe', 'requests'],
    ['README', 'requests'],
  ])('%s (%s) → null', (file, project) => {
    expect(versionFromFilename(file, project)).toBeNull();
  });
});

test('isWheel', () => {
  expect(isWheel('a-1-py3-none-any.whl')).toBe(true);
  expect(isWheel('A-1-PY3-NONE-ANY.WHL')).toBe(true);
  expect(isWheel('a-1.tar.gz')).toBe(false);
  expect(isWheel('.whl')).toBe(false);
});

test('safeFilename', () => {
  for (const ok of ['requests-2.0.tar.gz', 'a b.zip', 'x<y>&"\'.whl', 'démo-1.0.tar.gz', 'a'.repeat(255)]) expect(safeFilename(ok)).toBe(true);
  for (const bad of ['', '.', '..', '../x.whl', 'a/b.whl', 'a\\b.whl', 'a\u0000.whl', 'a\nb.whl', 'a\u007f', 'a'.repeat(256)]) {
    expect(safeFilename(bad)).toBe(false);
  }
});
