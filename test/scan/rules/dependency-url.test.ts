import { describe, it, expect } from 'vitest';
import { hits, maxSev } from './helpers.js';

describe('dependency-url', () => {
  it('flags install_requires pointing at a URL off the known forges (medium)', () => {
    const src = `from setuptools import setup\nsetup(name='x', install_requires=['helper @ https://files.example.xyz/helper-1.0.tar.gz'])\n`;
    expect(maxSev(hits('dependency-url', { 'setup.py': src }))).toBe('medium');
  });
  it('keeps git+https GitHub references low', () => {
    const src = `from setuptools import setup\nsetup(name='x', install_requires=['lib @ git+https://github.com/o/lib.git'])\n`;
    expect(maxSev(hits('dependency-url', { 'setup.py': src }))).toBe('low');
  });
  it('does not take requirement names that start with "http" for URLs (httpx, httptools)', () => {
    const meta = 'Metadata-Version: 2.1\nName: web\nVersion: 1.0\nRequires-Dist: httpx>=0.23\nRequires-Dist: httptools; extra == "standard"\nRequires-Dist: https-everywhere\n';
    expect(hits('dependency-url', { 'web.egg-info/PKG-INFO': meta, 'setup.py': `from setuptools import setup\nsetup(name='web', install_requires=['httpx>=0.23', 'httptools'])\n` })).toEqual([]);
  });
  it('does not flag index names', () => {
    expect(hits('dependency-url', { 'setup.py': `from setuptools import setup\nsetup(name='x', install_requires=['requests>=2', 'six'])\n` })).toEqual([]);
  });
});
