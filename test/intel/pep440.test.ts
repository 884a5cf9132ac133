import { describe, expect, it } from 'vitest';
import { compareVersions, parseVersion } from '../../src/intel/pep440.js';

const cmp = (a: string, b: string) => Math.sign(compareVersions(parseVersion(a)!, parseVersion(b)!));

describe('PEP 440 ordering', () => {
  it('sorts the PEP example sequence in order', () => {
    // PEP 440 "Summary of permitted suffixes and relative ordering", plus epochs and locals.
    const ordered = [
      '1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0a12.dev456', '1.0a12', '1.0b1.dev456', '1.0b2', '1.0b2.post345.dev456',
      '1.0b2.post345', '1.0rc1.dev456', '1.0rc1', '1.0', '1.0+abc.5', '1.0+abc.7', '1.0+5', '1.0.post456.dev34', '1.0.post456',
      '1.0.15', '1.1.dev1', '2!0.1',
    ];
    for (let i = 0; i + 1 < ordered.length; i++) expect(cmp(ordered[i], ordered[i + 1]), `${ordered[i]} < ${ordered[i + 1]}`).toBe(-1);
  });

  it('treats equivalent spellings as equal', () => {
    expect(cmp('1.0', '1.0.0')).toBe(0);
    expect(cmp('1.0-RC1', '1.0rc1')).toBe(0);
    expect(cmp('v2.0', '2.0')).toBe(0);
    expect(cmp('1.0-1', '1.0.post1')).toBe(0);
    expect(cmp('1.0alpha', '1.0a0')).toBe(0);
    expect(cmp('10.0', '9.99')).toBe(1);
  });

  it('refuses what is not a version', () => {
    expect(parseVersion('latest')).toBeNull();
    expect(parseVersion('1.0..2')).toBeNull();
    expect(parseVersion('')).toBeNull();
  });
});
