import { describe, it, expect } from 'vitest';
import { hits, maxSev } from './helpers.js';

describe('pth-code', () => {
  it('flags a .pth import line that decodes and execs (critical)', () => {
    expect(maxSev(hits('pth-code', { 'evil.pth': "import base64;exec(base64.b64decode('aW1wb3J0IG9z'))\n" }))).toBe('critical');
  });
  it('flags a .pth line that spawns a process (critical)', () => {
    expect(maxSev(hits('pth-code', { 'x.pth': "import subprocess; subprocess.Popen(['python', '-c', 'x'])\n" }))).toBe('critical');
  });
  it('keeps setuptools distutils-precedence.pth low', () => {
    const line = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n";
    expect(maxSev(hits('pth-code', { 'distutils-precedence.pth': line }))).toBe('low');
  });
  it('ignores plain path lines', () => {
    expect(hits('pth-code', { 'pkg.pth': '/usr/lib/python3/dist-packages/pkg\n' })).toEqual([]);
  });
});
