import { describe, it, expect } from 'vitest';
import { decide } from '../../../src/scan/analyze/verdict.js';
import type { Finding } from '../../../src/scan/types.js';
import type { RuleContext } from '../../../src/scan/analyze/context.js';

const f = (rule: string, severity: Finding['severity'], path = 'a/setup.py'): Finding => ({ rule, severity, path, message: 'm' });
const ctx = {} as RuleContext;

describe('verdict', () => {
  it('blocks on a critical finding or two high behaviour rules in one file', () => {
    expect(decide([f('encoded-exec', 'critical')], ctx).verdict).toBe('malicious');
    expect(decide([f('download-exec', 'high'), f('hidden-spawn', 'high')], ctx).verdict).toBe('malicious');
  });
  it('holds a single high, or two mediums', () => {
    expect(decide([f('download-exec', 'high')], ctx).verdict).toBe('suspicious');
    expect(decide([f('persistence', 'medium'), f('obfuscation', 'medium')], ctx).verdict).toBe('suspicious');
  });
  it('never blocks or holds on metadata alone, and two highs in different files do not block', () => {
    expect(decide([f('typosquat', 'low'), f('metadata-signals', 'low'), f('dependency-url', 'medium')], ctx).verdict).toBe('clean');
    expect(decide([f('download-exec', 'high', 'x.py'), f('hidden-spawn', 'high', 'y.py')], ctx).verdict).toBe('suspicious');
  });
  it('keeps the score in [0,1] and ordered by verdict', () => {
    const m = decide([f('encoded-exec', 'critical')], ctx).score;
    const s = decide([f('download-exec', 'high')], ctx).score;
    const c = decide([f('install-time-exec', 'low')], ctx).score;
    expect(m).toBeLessThanOrEqual(1);
    expect(m).toBeGreaterThan(s);
    expect(s).toBeGreaterThan(c);
    expect(c).toBeGreaterThanOrEqual(0);
  });
});
