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
  it('does not flag index names', () => {
    expect(hits('dependency-url', { 'setup.py': `from setuptools import setup\nsetup(name='x', install_requires=['requests>=2', 'six'])\n` })).toEqual([]);
  });
});
