import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { combine, modelCard, type Judged } from '../../../src/scan/combine.js';
import { FEATURE_NAMES } from '../../../src/scan/features/index.js';
import { MODEL_PATH, modelInfo, scoreBatch, scoreModel } from '../../../src/scan/model/index.js';
import type { Finding } from '../../../src/scan/types.js';

const fixtures = JSON.parse(readFileSync(new URL('../../fixtures/model/fixtures.json', import.meta.url), 'utf8')) as {
  model_sha256: string;
  features: number;
  tolerance: number;
  cases: { filename: string; label: string; x: number[]; score: number }[];
};

describe('committed model', () => {
  it('is the file its .sha256 and its card name, at most 5 MB', () => {
    const bytes = readFileSync(MODEL_PATH);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(readFileSync(MODEL_PATH + '.sha256', 'utf8').split(/\s/)[0]).toBe(sha);
    expect(modelInfo().sha256).toBe(sha);
    expect(fixtures.model_sha256).toBe(sha);
    expect(statSync(MODEL_PATH).size).toBeLessThanOrEqual(5 * 1024 * 1024);
    // The card lists the feature order the model was trained on; it must be today's.
    expect(modelCard().features).toEqual([...FEATURE_NAMES]);
    const t = modelCard().thresholds;
    expect(t.quarantine).toBeLessThanOrEqual(t.raise);
    expect(t.block).toBeGreaterThan(0);
    expect(t.block).toBeLessThanOrEqual(1);
  });

  it('reproduces the training scores for the fixture vectors', async () => {
    expect(fixtures.features).toBe(FEATURE_NAMES.length);
    expect(fixtures.cases.length).toBeGreaterThanOrEqual(5);
    for (const c of fixtures.cases) {
      const s = await scoreModel(Float32Array.from(c.x));
      expect(Math.abs(s - c.score), c.filename).toBeLessThanOrEqual(fixtures.tolerance);
    }
    // The fixtures are real files of both labels and the model separates most of them.
    const labels = new Set(fixtures.cases.map((c) => c.label));
    expect(labels).toEqual(new Set(['benign', 'malicious']));
  });

  it('scores a batch like single rows', async () => {
    const rows = fixtures.cases.map((c) => Float32Array.from(c.x));
    const batch = await scoreBatch(rows);
    for (let i = 0; i < rows.length; i++) expect(batch[i]).toBeCloseTo(await scoreModel(rows[i]), 5);
  });

  it('rejects a vector of the wrong length', async () => {
    await expect(scoreModel(new Float32Array(3))).rejects.toThrow(/expects/);
  });
});

describe('combine (rules decide, the model only raises)', () => {
  const t = { raise: 0.8, block: 0.95 };
  const f: Finding = { rule: 'x', severity: 'medium', path: 'setup.py', message: 'm' };
  const v = (verdict: Judged['verdict'], score = 0.3): Judged => ({ verdict, score, findings: verdict === 'clean' ? [] : [f] });

  it('never lowers a verdict and never touches error', () => {
    for (const verdict of ['clean', 'suspicious', 'malicious', 'error'] as const) {
      expect(combine(v(verdict), 0, t, false).verdict).toBe(verdict);
    }
    expect(combine(v('error'), 1, t, false).verdict).toBe('error');
  });

  it('holds a rules-clean file only from the raise threshold, and never blocks it', () => {
    expect(combine(v('clean'), 0.79, t, false).verdict).toBe('clean');
    const held = combine(v('clean'), 0.8, t, false);
    expect(held.verdict).toBe('suspicious');
    expect(held.findings.at(-1)?.rule).toBe('model-score');
    expect(combine(v('clean'), 1, t, false).verdict).toBe('suspicious');
  });

  it('blocks only next to rule evidence, above the block threshold, and never a popular project', () => {
    expect(combine(v('suspicious', 0.6), 0.94, t, false).verdict).toBe('suspicious');
    const blocked = combine(v('suspicious', 0.6), 0.95, t, false);
    expect(blocked.verdict).toBe('malicious');
    expect(blocked.score).toBeGreaterThanOrEqual(0.85);
    expect(combine(v('suspicious', 0.6), 1, t, true).verdict).toBe('suspicious');
  });
});
