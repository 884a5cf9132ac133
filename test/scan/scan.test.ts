// The scanner the proxy uses: one read, the analysis, and fail-closed errors; in this thread and
// on the worker pool (hard time limit, crash replacement). Test analyses are real modules written
// to a temp dir and loaded by the workers, as the default analysis is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createScanner, type Analyzer } from '../../src/scan/scan.js';
import type { ScanInput } from '../../src/scan/types.js';
import { SCANNER_VERSION } from '../../src/scan/version.js';
import { gzip, makeTar, makeZip } from './archive/fixtures.js';

const repo = resolve(import.meta.dirname, '../..');
let dir: string;
let analyzerUrl: string;

const TEST_ANALYZER = `
import { threadId } from 'node:worker_threads';
export function wantsContent(p) { return p.endsWith('.py'); }
export function analyze(dist) {
  const names = dist.members.map((m) => m.path);
  if (names.some((n) => n.endsWith('hang.py'))) for (;;) {}
  if (names.some((n) => n.endsWith('crash.py'))) process.exit(7);
  if (names.some((n) => n.endsWith('throw.py'))) throw new Error('boom');
  const evil = dist.members.find((m) => m.data && m.data.toString().includes('EVIL'));
  const spin = Date.now() + 30; while (Date.now() < spin) {}
  return {
    verdict: evil ? 'malicious' : 'clean',
    score: evil ? 0.99 : 0.01,
    findings: [{ rule: 'test-thread', severity: 'info', path: '', message: 'thread ' + threadId }].concat(
      evil ? [{ rule: 'test-evil', severity: 'critical', path: evil.path, line: 1, message: 'evil' }] : []),
  };
}`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pywarden-scan-'));
  const mod = join(dir, 'analyzer.mjs');
  writeFileSync(mod, TEST_ANALYZER);
  analyzerUrl = pathToFileURL(mod).href;
  // Workers run the compiled scanner; `npm test` builds first, this covers a bare vitest run.
  if (!existsSync(join(repo, 'dist/scan/pool-worker.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: repo });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sdist(name: string, files: Record<string, string>): Promise<ScanInput> {
  const path = join(dir, `${name}-1.0.tar.gz`);
  writeFileSync(path, gzip(await makeTar(Object.entries(files).map(([n, data]) => ({ name: `${name}-1.0/${n}`, data })))));
  return { path, filename: `${name}-1.0.tar.gz`, sha256: 'f'.repeat(64) };
}

const inline: Analyzer = {
  wantsContent: (p) => p.endsWith('.py'),
  analyze: (d) => {
    const evil = d.members.some((m) => m.data?.toString().includes('EVIL'));
    return { verdict: evil ? 'malicious' : 'clean', score: evil ? 2 : 0, findings: [] };
  },
};

describe('in-thread scanner', () => {
  it('reads once, analyses, stamps version and time', async () => {
    const s = createScanner({ analyzer: inline });
    expect(s.version).toBe(SCANNER_VERSION);
    const bad = await s.scan(await sdist('bad', { 'setup.py': 'EVIL()' }));
    expect(bad).toMatchObject({ verdict: 'malicious', score: 1, scannerVersion: SCANNER_VERSION });
    expect(bad.ms).toBeGreaterThan(0);
    expect((await s.scan(await sdist('good', { 'setup.py': 'setup()' }))).verdict).toBe('clean');
  });

  it('fails closed on an unreadable archive, with the reason and a finding', async () => {
    const s = createScanner({ analyzer: inline });
    const path = join(dir, 'broken.whl');
    writeFileSync(path, makeZip([{ name: 'a.py', data: 'x' }]).subarray(0, 20));
    const r = await s.scan({ path, filename: 'broken.whl', sha256: '0'.repeat(64) });
    expect(r.verdict).toBe('error');
    expect(r.reason).toMatch(/^(corrupt|truncated): /);
    expect(r.findings[0].rule).toMatch(/^archive-/);
  });

  it('fails closed on an archive over a limit', async () => {
    const s = createScanner({ analyzer: inline, limits: { maxMembers: 2 } });
    const r = await s.scan(await sdist('many', { 'a.py': '', 'b.py': '', 'c.py': '' }));
    expect(r).toMatchObject({ verdict: 'error' });
    expect(r.reason).toMatch(/^too-many-members/);
  });

  it('fails closed when the analysis throws or cannot be loaded', async () => {
    const throwing = createScanner({ analyzer: { wantsContent: () => false, analyze: () => { throw new Error('rule bug'); } } });
    const r = await throwing.scan(await sdist('t', { 'setup.py': '' }));
    expect(r).toMatchObject({ verdict: 'error', reason: 'analysis failed: rule bug' });
    const missing = createScanner({ analyzerModule: pathToFileURL(join(dir, 'nope.mjs')).href });
    const m = await missing.scan(await sdist('m', { 'setup.py': '' }));
    expect(m.verdict).toBe('error');
    expect(m.reason).toMatch(/analysis unavailable/);
  });
});

describe('worker pool', () => {
  it('scans on every worker and returns the analysis result', async () => {
    const s = createScanner({ workers: 2, analyzerModule: analyzerUrl });
    try {
      const inputs = await Promise.all(Array.from({ length: 8 }, (_, i) => sdist(`p${i}`, { 'setup.py': i === 3 ? 'EVIL' : 'ok' })));
      const results = await Promise.all(inputs.map((i) => s.scan(i)));
      expect(results.map((r) => r.verdict)).toEqual(['clean', 'clean', 'clean', 'malicious', 'clean', 'clean', 'clean', 'clean']);
      expect(results[3].findings.find((f) => f.rule === 'test-evil')?.path).toBe('p3-1.0/setup.py');
      const threads = new Set(results.map((r) => r.findings[0].message));
      expect(threads.size).toBe(2);
    } finally {
      await s.close?.();
    }
  });

  it('starts workers with the first scans and stops them after idleMs without one; the next scan starts one again', async () => {
    const { ScanPool } = await import('../../src/scan/pool.js');
    const { resolveLimits } = await import('../../src/scan/limits.js');
    const pool = new ScanPool({ size: 2, limits: resolveLimits({}), version: 'test', analyzerModule: analyzerUrl, idleMs: 1_000 });
    try {
      expect(pool.workers).toBe(0);
      const inputs = await Promise.all([sdist('i1', { 'setup.py': 'ok' }), sdist('i2', { 'setup.py': 'ok' }), sdist('i3', { 'setup.py': 'EVIL' })]);
      const results = await Promise.all(inputs.map((i) => pool.scan(i)));
      expect(results.map((r) => r.verdict)).toEqual(['clean', 'clean', 'malicious']);
      expect(pool.workers).toBe(2); // three scans at once, two workers at most
      const until = Date.now() + 5_000;
      while (pool.workers > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(pool.workers).toBe(0);
      expect((await pool.scan(inputs[2])).verdict).toBe('malicious');
      expect(pool.workers).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('terminates a worker past the time limit (verdict error: timeout) and keeps scanning', async () => {
    const s = createScanner({ workers: 1, analyzerModule: analyzerUrl, limits: { timeoutMs: 200 } });
    try {
      const t0 = Date.now();
      const hung = await s.scan(await sdist('hang', { 'hang.py': '' }));
      expect(hung.verdict).toBe('error');
      expect(hung.reason).toMatch(/^timeout: /);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect((await s.scan(await sdist('after', { 'setup.py': 'EVIL' }))).verdict).toBe('malicious');
    } finally {
      await s.close?.();
    }
  });

  it('replaces a worker that dies mid-scan (verdict error) and keeps scanning', async () => {
    const s = createScanner({ workers: 1, analyzerModule: analyzerUrl });
    try {
      const dead = await s.scan(await sdist('crash', { 'crash.py': '' }));
      expect(dead.verdict).toBe('error');
      expect(dead.reason).toMatch(/worker (died|exited)/);
      const thrown = await s.scan(await sdist('throw', { 'throw.py': '' }));
      expect(thrown).toMatchObject({ verdict: 'error', reason: 'analysis failed: boom' });
      expect((await s.scan(await sdist('fine', { 'setup.py': 'ok' }))).verdict).toBe('clean');
    } finally {
      await s.close?.();
    }
  });
});

const corpus = resolve(repo, '../shared/corpus');
const haveCorpus = existsSync(join(corpus, 'unpack.sh'));
if (!haveCorpus) console.warn(`\n*** SKIPPED real-corpus scanner test: ${corpus} is absent ***\n`);

describe.skipIf(!haveCorpus)('default analysis on real malicious samples', () => {
  it('reads malicious-dev samples of every container and analyses them (no archive error)', async () => {
    const dest = join(dir, 'mal');
    execFileSync('bash', [join(corpus, 'unpack.sh'), 'malicious-dev', dest], { stdio: 'ignore' });
    const manifest = readFileSync(join(dest, 'manifest.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { sha256: string; filename: string; kind: string; container: string });
    // Every xz tar and zip sdist, every 10th wheel, every 80th gzip sdist.
    let wheels = 0;
    let gz = 0;
    const pick = manifest.filter((e) =>
      e.kind === 'wheel' ? wheels++ % 10 === 0 : e.container === 'tar.gz' ? gz++ % 80 === 0 : true,
    );
    const s = createScanner({ workers: 2 });
    try {
      const results = await Promise.all(
        pick.map((e) => s.scan({ path: join(dest, e.sha256, e.filename), filename: e.filename, sha256: e.sha256 })),
      );
      // Reading is this module's job: no sample may fail to read.
      const unreadable = results.map((r, i) => [pick[i].filename, r.reason]).filter(([, reason]) => reason && !/^analysis failed/.test(reason));
      expect(unreadable).toEqual([]);
      // Analysis failures are the rules' bugs: reported loudly here, held (verdict error) by the proxy.
      const failed = results.map((r, i) => [pick[i].filename, r.reason]).filter(([, reason]) => reason);
      if (failed.length) console.warn(`\n*** ${failed.length} samples hit an analysis failure: ${JSON.stringify(failed.slice(0, 5))} ***\n`);
      const held = results.filter((r) => r.verdict === 'malicious' || r.verdict === 'suspicious').length;
      console.log(`default analysis: ${held}/${results.length} sampled malicious-dev files blocked or quarantined`);
      // The analysis is wired in: most real malware is flagged (not merely held as error).
      expect(held / results.length).toBeGreaterThan(0.5);
    } finally {
      await s.close?.();
    }
  }, 180_000);
});
