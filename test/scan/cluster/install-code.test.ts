import { describe, expect, it } from 'vitest';
import type { ArchiveMember, Distribution } from '../../../src/scan/archive/types.js';
import { installCode, wantsInstallCode } from '../../../src/scan/cluster/install-code.js';

const member = (path: string, text: string): ArchiveMember => {
  const data = Buffer.from(text);
  return { path, type: 'file', size: data.length, head: data.subarray(0, 64), data };
};
const dist = (format: Distribution['format'], members: ArchiveMember[]): Distribution => ({
  filename: 'x',
  sha256: 'x',
  format,
  container: format === 'wheel' ? 'zip' : 'tar.gz',
  members,
  totalBytes: 0,
  fileBytes: 0,
});

describe('install-time code selection', () => {
  it('asks for setup.py, top-level helpers, package __init__ and .pth in both layouts', () => {
    for (const p of ['pkg-1.0/setup.py', 'pkg-1.0/buildlibxml.py', 'pkg-1.0/pkg/__init__.py', 'pkg-1.0/src/pkg/__init__.py', 'pkg-1.0/pyproject.toml', 'pkg/__init__.py', 'evil.pth']) {
      expect(wantsInstallCode(p), p).toBe(true);
    }
    for (const p of ['pkg-1.0/README.md', 'pkg-1.0/tests/deep/a/b/test_x.py', 'pkg-1.0/pkg/data.json']) expect(wantsInstallCode(p), p).toBe(false);
  });

  it('joins setup.py with the top-level helpers it imports (setup view)', () => {
    const d = dist('sdist-tar', [
      member('p-1.0/setup.py', 'import buildlibxml\nfrom setuptools import setup\nsetup()'),
      member('p-1.0/buildlibxml.py', 'import urllib.request\nurllib.request.urlretrieve(u)'),
      member('p-1.0/unrelated.py', 'import os\nos.system("x")'),
      member('p-1.0/p/__init__.py', '__version__ = "1"\nprint(1)'),
    ]);
    const views = installCode(d);
    const setup = views.find((v) => v.view === 'setup')!;
    expect(setup.paths).toEqual(['p-1.0/setup.py', 'p-1.0/buildlibxml.py']);
    expect(setup.text).not.toContain('os.system');
    expect(views.find((v) => v.view === 'import')!.paths).toEqual(['p-1.0/p/__init__.py']);
  });

  it('finds an in-tree PEP 517 backend named by pyproject.toml', () => {
    const d = dist('sdist-tar', [
      member('p-1.0/pyproject.toml', '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["_custom_build"]\n'),
      member('p-1.0/_custom_build/backend.py', 'import subprocess\nsubprocess.run(["sh"])'),
    ]);
    expect(installCode(d)).toEqual([{ view: 'setup', paths: ['p-1.0/_custom_build/backend.py'], text: 'import subprocess\nsubprocess.run(["sh"])' }]);
  });

  it('takes only the executable lines of a .pth file, and a wheel has no setup view', () => {
    const d = dist('wheel', [
      member('evil.pth', '/some/path\nimport os; os.system("id")\n'),
      member('pkg/__init__.py', 'from .core import x\n'),
      member('pkg-1.0.dist-info/METADATA', 'Name: pkg'),
      member('setup.py', 'import os\nos.system("never runs from a wheel")'),
    ]);
    const views = installCode(d);
    expect(views.map((v) => v.view)).toEqual(['import']);
    expect(views[0].text).toContain('import os; os.system("id")');
    expect(views[0].text).not.toContain('/some/path');
  });

  it('returns nothing for a distribution without install-time code', () => {
    expect(installCode(dist('wheel', [member('pkg/core.py', 'x = 1')]))).toEqual([]);
  });
});
