import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, INCAPABLE_FACTOR, maliciousWeight, rankScore } from '../../../src/scan/cluster/rank.js';

const unit = fc.double({ min: 0, max: 1, noNaN: true });

describe('rank score (MPHunter)', () => {
  it('mixes outlierness and malicious similarity 50/50 for large scripts', () => {
    const t = { outlier: 0.8, benignDistance: 0.6, maliciousSimilarity: 0.9, calls: 50 };
    // outlierness = (0.8 + 0.6) / 2 = 0.7; rank = 0.5 * 0.7 + 0.5 * 0.9
    expect(rankScore(t)).toBeCloseTo(0.8, 10);
  });

  it('shifts towards the malicious term for small scripts', () => {
    expect(maliciousWeight(0)).toBeCloseTo(DEFAULT_WEIGHTS.maliciousSmall, 10);
    expect(maliciousWeight(10)).toBeCloseTo((DEFAULT_WEIGHTS.maliciousSmall + DEFAULT_WEIGHTS.malicious) / 2, 10);
    expect(maliciousWeight(20)).toBeCloseTo(DEFAULT_WEIGHTS.malicious, 10);
    expect(maliciousWeight(500)).toBeCloseTo(DEFAULT_WEIGHTS.malicious, 10);
    const far = { outlier: 1, benignDistance: 1, maliciousSimilarity: 0, calls: 2 };
    const big = { ...far, calls: 200 };
    expect(rankScore(far)).toBeLessThan(rankScore(big));
  });

  it('needs both terms: a script that is only odd or only similar ranks below one that is both', () => {
    const both = { outlier: 0.9, benignDistance: 0.9, maliciousSimilarity: 0.9, calls: 30 };
    expect(rankScore(both)).toBeGreaterThan(rankScore({ ...both, maliciousSimilarity: 0 }));
    expect(rankScore(both)).toBeGreaterThan(rankScore({ ...both, outlier: 0, benignDistance: 0 }));
  });

  it('halves a script that calls nothing a payload needs, whatever its terms', () => {
    // An unseen small project's plain setup() is a loner and resembles the many plain malicious ones.
    const loner = { outlier: 1, benignDistance: 1, maliciousSimilarity: 0.95, calls: 2 };
    expect(rankScore({ ...loner, capable: false })).toBeCloseTo(rankScore(loner) * INCAPABLE_FACTOR, 12);
    expect(rankScore({ ...loner, capable: true })).toBe(rankScore(loner));
    expect(rankScore({ ...loner, capable: false })).toBeLessThan(rankScore({ outlier: 0.5, benignDistance: 0.5, maliciousSimilarity: 0.6, calls: 2, capable: true }));
  });

  it('is bounded and monotone in every term', () => {
    fc.assert(
      fc.property(unit, unit, unit, fc.nat(100), unit, (o, b, m, calls, bump) => {
        const t = { outlier: o, benignDistance: b, maliciousSimilarity: m, calls };
        const r = rankScore(t);
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThanOrEqual(1);
        const up = (x: number) => Math.min(1, x + bump);
        expect(rankScore({ ...t, outlier: up(o) })).toBeGreaterThanOrEqual(r - 1e-12);
        expect(rankScore({ ...t, benignDistance: up(b) })).toBeGreaterThanOrEqual(r - 1e-12);
        expect(rankScore({ ...t, maliciousSimilarity: up(m) })).toBeGreaterThanOrEqual(r - 1e-12);
      }),
    );
  });
});
