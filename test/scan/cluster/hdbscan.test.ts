import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hdbscan } from '../../../src/scan/cluster/hdbscan.js';

function euclid(points: number[][]): Float32Array {
  const n = points.length;
  const d = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = Math.hypot(points[i][0] - points[j][0], points[i][1] - points[j][1]);
  return d;
}

describe('hdbscan', () => {
  it('finds two blobs and scores the lone point as the strongest outlier', () => {
    const pts: number[][] = [];
    for (let i = 0; i < 15; i++) pts.push([1 + 0.01 * (i % 5), 1 + 0.01 * Math.floor(i / 5)]);
    for (let i = 0; i < 15; i++) pts.push([5 + 0.01 * (i % 5), 5 + 0.01 * Math.floor(i / 5)]);
    pts.push([3, 30]);
    const r = hdbscan(euclid(pts), pts.length, { minClusterSize: 5, minSamples: 3, minDistance: 0.001 });
    const a = new Set(Array.from(r.labels.slice(0, 15)));
    const b = new Set(Array.from(r.labels.slice(15, 30)));
    expect(a.size).toBe(1);
    expect(b.size).toBe(1);
    expect([...a][0]).not.toBe([...b][0]);
    expect([...a][0]).toBeGreaterThanOrEqual(0);
    expect(r.labels[30]).toBe(-1);
    const maxInlier = Math.max(...Array.from(r.outlier.slice(0, 30)));
    expect(r.outlier[30]).toBeGreaterThan(maxInlier);
  });

  it('keeps scores in [0, 1] and labels consistent on random data', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true })), { minLength: 2, maxLength: 40 }), (raw) => {
        const pts = raw.map(([x, y]) => [x, y]);
        const r = hdbscan(euclid(pts), pts.length, { minClusterSize: 2, minSamples: 3 });
        const k = Math.max(-1, ...Array.from(r.labels));
        for (let i = 0; i < pts.length; i++) {
          expect(r.outlier[i]).toBeGreaterThanOrEqual(0);
          expect(r.outlier[i]).toBeLessThanOrEqual(1);
          expect(r.labels[i]).toBeGreaterThanOrEqual(-1);
          expect(r.labels[i]).toBeLessThanOrEqual(k);
        }
        // Every flat cluster has at least minClusterSize members.
        for (let c = 0; c <= k; c++) expect(Array.from(r.labels).filter((l) => l === c).length).toBeGreaterThanOrEqual(2);
      }),
      { numRuns: 100 },
    );
  });
});
