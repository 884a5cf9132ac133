import { describe, expect, it } from 'vitest';
import { projectFromFilename } from '../../src/upstream/folder.js';

describe('folder upstream: project from a file name', () => {
  it.each([
    ['demo_pkg-1.0-py3-none-any.whl', 'demo-pkg'],
    ['python-dateutil-2.9.0.tar.gz', 'python-dateutil'],
    ['python-3parclient-4.2.12.tar.gz', 'python-3parclient'],
    ['Foo.Bar-1.0.zip', 'foo-bar'],
    ['pkg-1.0.tar.bz2', 'pkg'],
    ['pkg-1.0-py3.11.egg', 'pkg'],
  ])('%s → %s', (filename, project) => {
    expect(projectFromFilename(filename)).toBe(project);
  });

  it.each(['README.md', 'notes.txt', 'broken.whl', 'noversion.tar.gz'])('%s is not a distribution', (filename) => {
    expect(projectFromFilename(filename)).toBeNull();
  });
});
