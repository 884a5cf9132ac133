import { describe, expect, it } from 'vitest';
import { attribute } from '../../src/review/explain.js';

describe('model attribution by occlusion', () => {
  it('ranks the features whose removal lowers the score most, in one batch', async () => {
    const weights = [0.5, 0.1, 0, -0.2, 0.3];
    let batches = 0;
    const score = async (rows: Float32Array[]) => {
      batches++;
      return rows.map((r) => Math.min(1, Math.max(0, r.reduce((s, v, i) => s + v * weights[i], 0))));
    };
    const view = await attribute(Float32Array.from([1, 1, 1, 1, 0]), ['a', 'b', 'c', 'd', 'e'], score);
    expect(batches).toBe(1);
    expect(view.score).toBe(0.4);
    // c has weight 0, d lowers the score, e is zero: only a and b contribute.
    expect(view.top).toEqual([
      { feature: 'a', value: 1, contribution: 0.4 }, // 0.4 → 0 (clamped)
      { feature: 'b', value: 1, contribution: 0.1 },
    ]);
  });
});
