import { describe, it, expect } from 'vitest';
import { analyze } from '../../../src/scan/analyze/index.js';
import { distOf } from './helpers.js';

const meta = (extra: string, body = 'A real description of the project that is long enough.') =>
  distOf({ 'x-1/PKG-INFO': `Metadata-Version: 2.1\nName: x\n${extra}\n\n${body}\n` }).members;

describe('metadata-signals', () => {
  it('flags dependency-confusion versions, missing author/home page and disposable e-mail (low only)', () => {
    const d = distOf({ 'x-1/PKG-INFO': 'Metadata-Version: 2.1\nName: corp-internal\nVersion: 999.0.1\nAuthor-email: a@mailinator.com\n\n' });
    const f = analyze(d).findings.filter((x) => x.rule === 'metadata-signals');
    expect(f.map((x) => x.message).join(' ')).toMatch(/999\.0\.1/);
    expect(f.map((x) => x.message).join(' ')).toMatch(/disposable/);
    expect(f.every((x) => x.severity === 'low')).toBe(true);
    expect(analyze(d).verdict).toBe('clean'); // metadata alone never holds or blocks
  });
  it('does not flag complete metadata', () => {
    const d = distOf({ 'x-1/PKG-INFO': 'Metadata-Version: 2.1\nName: x\nVersion: 1.2.3\nSummary: tool\nAuthor: A B\nHome-page: https://x.org\n\nA real description of the project that is long enough.\n' });
    expect(analyze(d).findings.filter((x) => x.rule === 'metadata-signals')).toEqual([]);
    expect(meta('Version: 1').length).toBe(1);
  });
});
