// Waivers and per-rule monitor mode in the pure policy, with the existing precedence kept.
import { describe, expect, it } from 'vitest';
import { decide, type PolicyOptions } from '../../src/policy/decide.js';

const sha = 'a'.repeat(64);
const f = { sha256: sha, project: 'demo', version: '1.0' };
const base: PolicyOptions = { mode: 'enforce', allow: { projects: [], versions: [], sha256: [] }, deny: { projects: [], versions: [], sha256: [] }, cooldownHours: 0 };
const now = Date.parse('2026-06-01T00:00:00Z');
const waiver = (w: Partial<{ project: string; version: string | null; sha256: string | null; expiresAt: number }>) => ({ project: 'demo', version: null, sha256: null, expiresAt: now + 1000, ...w });

describe('waivers', () => {
  it('allow a held file by project, version or sha256 until they expire', () => {
    for (const w of [waiver({}), waiver({ version: '1.0' }), waiver({ sha256: sha })]) {
      expect(decide(f, { verdict: 'suspicious' }, { ...base, waivers: [w] }, now)).toMatchObject({ action: 'allow', source: 'waiver' });
    }
    expect(decide(f, { verdict: 'suspicious' }, { ...base, waivers: [waiver({ expiresAt: now })] }, now).action).toBe('quarantine');
    expect(decide(f, { verdict: 'suspicious' }, { ...base, waivers: [waiver({ version: '2.0' })] }, now).action).toBe('quarantine');
    expect(decide(f, { verdict: 'suspicious' }, { ...base, waivers: [waiver({ sha256: 'b'.repeat(64) })] }, now).action).toBe('quarantine');
    expect(decide(f, { verdict: 'suspicious' }, { ...base, waivers: [waiver({ project: 'other' })] }, now).action).toBe('quarantine');
  });

  it('lose to a deny entry, upstream quarantine and a confirmed block', () => {
    const o = { ...base, waivers: [waiver({})] };
    expect(decide(f, { verdict: 'clean' }, { ...o, deny: { ...base.deny, sha256: [sha] } }, now).source).toBe('denylist');
    expect(decide(f, { verdict: 'clean', projectStatus: 'quarantined' }, o, now).source).toBe('upstream-quarantine');
    expect(decide(f, { verdict: 'suspicious', review: 'confirmed' }, o, now).action).toBe('block');
  });

  it('a sha256 deny beats a release', () => {
    expect(decide(f, { verdict: 'suspicious', review: 'released' }, { ...base, deny: { ...base.deny, sha256: [sha] } }, now)).toMatchObject({ action: 'block', source: 'denylist' });
  });
});

describe('per-rule monitor mode', () => {
  it('logs instead of refusing when every finding comes from a monitored rule', () => {
    const o = { ...base, monitoredRules: ['new-rule'] };
    expect(decide(f, { verdict: 'suspicious', rules: ['new-rule', 'new-rule'] }, o, now)).toMatchObject({ action: 'quarantine', enforced: false });
    expect(decide(f, { verdict: 'malicious', rules: ['new-rule', 'old-rule'] }, o, now)).toMatchObject({ action: 'block', enforced: true });
    // No findings to blame (a model-only score) or a scan error: enforced.
    expect(decide(f, { verdict: 'suspicious', rules: [] }, o, now).enforced).toBe(true);
    expect(decide(f, { verdict: 'error', rules: ['new-rule'] }, o, now).enforced).toBe(true);
  });
});
