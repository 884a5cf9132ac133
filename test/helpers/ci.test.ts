// Under CI=true a missing prerequisite fails the run instead of skipping a suite (issue 14).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { requireOrSkip } from './ci.js';

const saved = process.env.CI;
afterEach(() => {
  if (saved === undefined) delete process.env.CI;
  else process.env.CI = saved;
  vi.restoreAllMocks();
});

describe('requireOrSkip', () => {
  it('passes what is present, skips what is missing on a workstation, fails it under CI=true', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    delete process.env.CI;
    expect(requireOrSkip(true, 'x')).toBe(true);
    expect(requireOrSkip(false, 'the corpus')).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('the corpus: missing, suite SKIPPED'));
    process.env.CI = 'true';
    expect(() => requireOrSkip(false, 'the corpus')).toThrow(/the corpus: missing, and CI=true makes that a failure/);
    expect(requireOrSkip(true, 'x')).toBe(true);
  });
});
