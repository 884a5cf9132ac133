import { describe, expect, it } from 'vitest';
import { decide, inCooldown, type PolicyOptions } from '../../src/policy/decide.js';

const SHA = 'a'.repeat(64);
const file = { sha256: SHA, project: 'demo', version: '1.0', uploadTime: '2026-01-01T00:00:00Z' };
const none = { projects: [], versions: [], sha256: [] };
const opts = (o: Partial<PolicyOptions> = {}): PolicyOptions => ({ mode: 'enforce', allow: none, deny: none, cooldownHours: 0, ...o });

describe('policy', () => {
  it.each([
    ['clean', 'allow'],
    ['suspicious', 'quarantine'],
    ['malicious', 'block'],
    ['error', 'quarantine'],
  ] as const)('verdict %s → %s', (verdict, action) => {
    expect(decide(file, { verdict }, opts()).action).toBe(action);
  });

  it('an unscanned file is not allowed (fail closed)', () => {
    expect(decide(file, {}, opts())).toMatchObject({ action: 'quarantine', source: 'pending' });
  });

  it('a denied sha256 beats a reviewer release and an allow list', () => {
    const d = decide(file, { verdict: 'clean', review: 'released' }, opts({ deny: { ...none, sha256: [SHA] }, allow: { ...none, projects: ['demo'] } }));
    expect(d).toMatchObject({ action: 'block', source: 'denylist' });
  });

  it('deny by version and by project', () => {
    expect(decide(file, { verdict: 'clean' }, opts({ deny: { ...none, versions: ['demo==1.0'] } })).action).toBe('block');
    expect(decide(file, { verdict: 'clean' }, opts({ deny: { ...none, projects: ['demo'] } })).action).toBe('block');
    expect(decide(file, { verdict: 'clean' }, opts({ deny: { ...none, versions: ['demo==2.0'] } })).action).toBe('allow');
  });

  it('upstream quarantine (PEP 792) beats a release', () => {
    expect(decide(file, { verdict: 'clean', review: 'released', projectStatus: 'quarantined' }, opts()).source).toBe('upstream-quarantine');
  });

  it('a release and the allow list override the verdict', () => {
    expect(decide(file, { verdict: 'malicious', review: 'released' }, opts())).toMatchObject({ action: 'allow', source: 'review' });
    expect(decide(file, { verdict: 'suspicious' }, opts({ allow: { ...none, projects: ['demo'] } }))).toMatchObject({ action: 'allow', source: 'allowlist' });
  });

  it('a confirmed block stays blocked even with a clean verdict', () => {
    expect(decide(file, { verdict: 'clean', review: 'confirmed' }, opts()).action).toBe('block');
  });

  it('monitor mode computes the action but does not enforce it', () => {
    const d = decide(file, { verdict: 'malicious' }, opts({ mode: 'monitor' }));
    expect(d).toMatchObject({ action: 'block', enforced: false });
  });

  it('cooldown holds young uploads only', () => {
    const now = Date.parse('2026-01-01T10:00:00Z');
    expect(inCooldown('2026-01-01T00:00:00Z', 24, now)).toBe(true);
    expect(inCooldown('2025-12-30T00:00:00Z', 24, now)).toBe(false);
    expect(inCooldown(null, 24, now)).toBe(false);
    expect(inCooldown('2026-01-01T00:00:00Z', 0, now)).toBe(false);
    expect(decide(file, { verdict: 'clean' }, opts({ cooldownHours: 24 }), now)).toMatchObject({ action: 'quarantine', source: 'cooldown' });
  });

  it('a known-malicious advisory blocks at once, over a clean verdict, a release, a waiver and the allow list', () => {
    const waivers = [{ project: 'demo', version: null, sha256: null, expiresAt: Date.now() + 86_400_000 }];
    const d = decide(file, { verdict: 'clean', review: 'released', advisories: ['MAL-2099-0001'] }, opts({ allow: { ...none, projects: ['demo'] }, waivers }));
    expect(d).toEqual({ action: 'block', source: 'advisory', reason: 'known malicious (MAL-2099-0001)', enforced: true });
    // Before any scan, too: no verdict needed.
    expect(decide(file, { advisories: ['MAL-2099-0001'] }, opts())).toMatchObject({ action: 'block', source: 'advisory' });
  });

  it('an advisory reason names at most three ids; the deny list still comes first; monitor mode only logs it', () => {
    expect(decide(file, { advisories: ['MAL-1', 'MAL-2', 'MAL-3', 'MAL-4', 'MAL-5'] }, opts()).reason).toBe('known malicious (MAL-1, MAL-2, MAL-3 and 2 more)');
    expect(decide(file, { advisories: ['MAL-1'] }, opts({ deny: { ...none, sha256: [SHA] } })).source).toBe('denylist');
    expect(decide(file, { verdict: 'clean', advisories: ['MAL-1'] }, opts({ mode: 'monitor' }))).toMatchObject({ action: 'block', source: 'advisory', enforced: false });
    expect(decide(file, { verdict: 'clean', advisories: [] }, opts()).action).toBe('allow');
  });
});

describe('public look-alikes of private names (issue 12)', () => {
  it('are held over a clean verdict; a reviewer release or the allow list lets one through', () => {
    expect(decide(file, { verdict: 'clean', imitates: 'dem0' }, opts())).toMatchObject({ action: 'quarantine', source: 'private-name', reason: 'public project named like private project dem0' });
    expect(decide(file, { verdict: 'clean', imitates: 'dem0', review: 'released' }, opts()).action).toBe('allow');
    expect(decide(file, { verdict: 'clean', imitates: 'dem0' }, opts({ allow: { ...none, projects: ['demo'] } })).action).toBe('allow');
  });
});
