import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wantsContent } from '../../../src/scan/analyze/index.js';
import { readDistribution } from '../../../src/scan/archive/index.js';
import { combine, combineWithModel, modelCard, type Judged } from '../../../src/scan/combine.js';
import { DEFAULT_LIMITS } from '../../../src/scan/limits.js';
import { FEATURE_NAMES } from '../../../src/scan/features/index.js';
import { MODEL_PATH, modelInfo, scoreBatch, scoreModel } from '../../../src/scan/model/index.js';
import type { Finding } from '../../../src/scan/types.js';
import { requireOrSkip } from '../../helpers/ci.js';

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

  const low = (rule: string, path = 'pkg/__init__.py'): Judged => ({ verdict: 'clean', score: 0.1, findings: [{ rule, severity: 'low', path, message: 'Touches SSH key.' }] });

  it('never holds on the score alone: a rules-clean file needs a behaviour finding', () => {
    expect(combine(v('clean'), 1, t, false).verdict).toBe('clean');
    // A name or metadata signal is not behaviour, whatever the score (an internal `acme-lib` "imitates acme").
    expect(combine(low('typosquat', ''), 1, t, false).verdict).toBe('clean');
    expect(combine(low('metadata-signals', ''), 1, t, false).verdict).toBe('clean');
    expect(combine(low('credential-theft'), 0.79, t, false).verdict).toBe('clean');
    const held = combine(low('credential-theft'), 0.8, t, false);
    expect(held.verdict).toBe('suspicious');
    expect(held.findings.at(-1)?.rule).toBe('model-score');
    expect(held.findings.at(-1)?.message).toContain('credential-theft: Touches SSH key');
  });

  it('blocks only next to strong rule evidence, above the block threshold, and never a popular project', () => {
    expect(combine(v('suspicious', 0.6), 0.94, t, false).verdict).toBe('suspicious');
    const blocked = combine(v('suspicious', 0.6), 0.95, t, false);
    expect(blocked.verdict).toBe('malicious');
    expect(blocked.score).toBeGreaterThanOrEqual(0.85);
    expect(combine(v('suspicious', 0.6), 1, t, true).verdict).toBe('suspicious');
    // Held on name or low evidence only (no medium behaviour finding): the score does not block.
    const lowOnly: Judged = { verdict: 'suspicious', score: 0.5, findings: [{ ...f, rule: 'install-time-exec', severity: 'low' }, { ...f, rule: 'typosquat', severity: 'low' }] };
    expect(combine(lowOnly, 1, t, false).verdict).toBe('suspicious');
    expect(combine({ ...lowOnly, findings: [...lowOnly.findings, { ...f, severity: 'medium', path: 'pkg/steal.py' }] }, 1, t, false).verdict).toBe('malicious');
  });

  it('blocks a rules-clean file only for hidden code run (encoded-exec, obfuscation at medium) above the block threshold', () => {
    const lead = (rule: string): Judged => ({ verdict: 'clean', score: 0.25, findings: [{ rule, severity: 'medium', path: 'pkg/tool_file.py', message: 'eval() runs a computed value beside base64.b64decode.' }] });
    const blocked = combine(lead('encoded-exec'), 0.95, t, false);
    expect(blocked.verdict).toBe('malicious');
    expect(blocked.findings.at(-1)?.message).toContain('encoded-exec');
    expect(combine(lead('obfuscation'), 0.95, t, false).verdict).toBe('malicious');
    // Below the block threshold, for a popular project, or for a lead that hides nothing: held, not blocked.
    expect(combine(lead('encoded-exec'), 0.94, t, false).verdict).toBe('suspicious');
    expect(combine(lead('encoded-exec'), 1, t, true).verdict).toBe('suspicious');
    expect(combine(lead('download-exec'), 1, t, false).verdict).toBe('suspicious');
  });
});

const corpus = resolve(__dirname, '../../../../shared/corpus');
const haveCorpus = existsSync(join(corpus, 'unpack.sh'));
requireOrSkip(haveCorpus, `\n*** SKIPPED real-corpus model tests: ${corpus} is absent ***\n`);

describe.skipIf(!haveCorpus)('the model on real samples, through combineWithModel', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pywarden-model-'));
    execFileSync('bash', [join(corpus, 'unpack.sh'), 'malicious-dev', join(dir, 'mal')], { stdio: 'ignore' });
    execFileSync('bash', [join(corpus, 'unpack.sh'), 'benign-dev', join(dir, 'ben')], { stdio: 'ignore' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function judge(split: string, kind: string, n: number): Promise<Judged[]> {
    const entries = readFileSync(join(dir, split, 'manifest.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { sha256: string; filename: string; kind: string })
      .filter((e) => e.kind === kind)
      .filter((_, i) => i % 29 === 0)
      .slice(0, n);
    // Rules-clean, with one low behaviour finding: the corroboration a model hold needs.
    const clean: Judged = { verdict: 'clean', score: 0.1, findings: [{ rule: 'exfil-endpoint', severity: 'low', path: 'setup.py', message: 'suspicious TLD.' }] };
    const out: Judged[] = [];
    for (const e of entries) {
      const d = await readDistribution(join(dir, split, e.sha256, e.filename), { filename: e.filename, sha256: e.sha256, limits: DEFAULT_LIMITS, wantsContent });
      out.push(await combineWithModel(clean, d));
    }
    return out;
  }

  it('holds malicious files the rules passed, and leaves benign ones clean', async () => {
    // Dev files were in the training set: this checks the wiring (reader → features → ONNX →
    // combine) end to end, not generalisation (that is the grouped CV in models/MODEL.md).
    const mal = await judge('mal', 'sdist', 20);
    const ben = await judge('ben', 'wheel', 15);
    expect(mal.length).toBe(20);
    expect(mal.filter((j) => j.verdict === 'suspicious').length).toBeGreaterThanOrEqual(17);
    expect(mal.every((j) => j.verdict !== 'malicious')).toBe(true); // the model alone never blocks
    expect(ben.filter((j) => j.verdict !== 'clean')).toEqual([]);
    // The score itself travels with the result (scan --jsonl reports it).
    for (const j of [...mal, ...ben]) expect(j.model).toBeGreaterThanOrEqual(0);
  }, 60_000);
});
