import { describe, it, expect } from 'vitest';
import { analyze } from '../../../src/scan/analyze/index.js';
import { distOf } from './helpers.js';

const squat = (name: string) =>
  analyze(distOf({ [`${name}-1.0/PKG-INFO`]: `Metadata-Version: 2.1\nName: ${name}\nVersion: 1.0\nAuthor: a\nHome-page: https://x\n\nSome long description of the thing.\n` })).findings.filter((f) => f.rule === 'typosquat');

describe('typosquat', () => {
  it('flags typos, swaps, repeats, separators, prefixes and homoglyphs of popular names', () => {
    expect(squat('reqeusts')[0]?.message).toMatch(/requests.*swapped/);
    expect(squat('requessts')[0]?.message).toMatch(/requests/);
    expect(squat('python-dateutils')[0]?.message).toMatch(/python-dateutil/);
    expect(squat('beautifulsoup-4')[0]?.message).toMatch(/beautifulsoup4/);
    expect(squat('python-numpy')[0]?.message).toMatch(/numpy/);
    expect(squat('rеquests')[0]?.message).toMatch(/requests.*homoglyph/);
  });
  it('never flags a popular project under its own name', () => {
    for (const n of ['requests', 'numpy', 'python-dateutil', 'Django', 'typing_extensions', 'six']) expect(squat(n)).toEqual([]);
  });
  it('does not flag unrelated names', () => {
    expect(squat('my-unique-internal-tool')).toEqual([]);
  });
});
