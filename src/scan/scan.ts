// Scan orchestration: read the file once, hand the Distribution to the analysis, turn anything
// that goes wrong into verdict `error` (the proxy holds it: fail closed). `createScanner` is the
// object the proxy's verdict gate and `pywarden scan` use; with `workers` it runs scans in a pool
// of child processes (src/scan/pool.ts), so the event loop never waits on a parser and a crash in
// a native library ends one scan (verdict error), not the proxy.
import { readDistribution, readGrowingDistribution, type Distribution, type Growth } from './archive/index.js';
import type { ArchiveLimits } from './archive/types.js';
import { resolveLimits } from './limits.js';
import type { Finding, GrowingInput, GrowingScan, ScanInput, ScanResult, Scanner, Verdict } from './types.js';
import { SCANNER_VERSION } from './version.js';
import { errorResult } from './error-result.js';

export { errorResult };

export interface Analysis {
  verdict: Verdict;
  score: number;
  findings: Finding[];
}

/** What the analysis (src/scan/analyze/, the rules) offers the orchestration. */
export interface Analyzer {
  analyze(dist: Distribution): Analysis | Promise<Analysis>;
  /** Which members' content the analysis reads; everything else keeps only its first 64 bytes. */
  wantsContent(memberPath: string, size: number): boolean | 'data';
}

export interface ScannerOptions {
  /** Scan processes (0 or absent: scan in this thread). The proxy and the CLI pass the core count. */
  workers?: number;
  limits?: Partial<ArchiveLimits>;
  /** In-thread only: a different analysis (tests). Default: src/scan/analyze/index.ts. */
  analyzer?: Analyzer;
  /** Pool only: URL of a module exporting `analyze` and `wantsContent`, loaded in each scan process (tests). */
  analyzerModule?: string;
  /** Overrides the version stamped on results (defaults to the rules' SCANNER_VERSION). */
  version?: string;
  /** Pool only: stop a scan process after this long without a scan (it starts again on the next one). */
  workerIdleMs?: number;
  /** Pool only: resident memory allowed to one scan process, MiB (default 1024). */
  memoryLimitMb?: number;
}

/**
 * The analysis module: src/scan/analyze/index.ts unless a test names another. Loaded lazily, so a
 * broken analysis fails each scan closed (verdict error) instead of the process embedding the
 * scanner; the literal import keeps the default module type-checked against `Analyzer`.
 */
export async function loadAnalyzer(specifier?: string): Promise<Analyzer> {
  if (!specifier) {
    const mod = await import('./analyze/index.js');
    // Joined with the learned classifier, which may only raise the verdict (src/scan/combine.ts,
    // models/MODEL.md); its features come from the same in-memory Distribution.
    const { combineWithModel } = await import('./combine.js');
    return { analyze: async (d) => combineWithModel(mod.analyze(d), d), wantsContent: mod.wantsContent } satisfies Analyzer;
  }
  const mod = (await import(specifier)) as Partial<Analyzer>;
  if (typeof mod.analyze !== 'function' || typeof mod.wantsContent !== 'function') {
    throw new Error(`${specifier} does not export analyze() and wantsContent()`);
  }
  return { analyze: mod.analyze.bind(mod), wantsContent: mod.wantsContent.bind(mod) };
}

/**
 * One scan in this thread. Never throws: every failure is a ScanResult with verdict `error`.
 * With `growth`, the file is read while it downloads (input is a GrowingInput); the result comes
 * only once it is whole and verified, and `ms` counts from then (the time a client waits for it).
 */
export async function scanOne(
  input: ScanInput,
  analyzer: Analyzer | Promise<Analyzer>,
  limits: ArchiveLimits,
  version: string,
  growth?: Growth,
): Promise<ScanResult> {
  let started = performance.now();
  if (growth) void growth.done.then(() => (started = performance.now()), () => undefined);
  const ms = () => Math.round((performance.now() - started) * 100) / 100;
  let a: Analyzer;
  try {
    a = await analyzer;
  } catch (err) {
    return errorResult(new Error(`analysis unavailable: ${(err as Error)?.message ?? String(err)}`), version, ms(), 'analyze');
  }
  let dist: Distribution | undefined;
  let early: number | undefined;
  try {
    const opts = { filename: input.filename, sha256: input.sha256, limits, wantsContent: a.wantsContent };
    if (growth) ({ dist, early } = await readGrowingDistribution(input.path, growth, { ...opts, expectedSize: (input as GrowingInput).expectedSize ?? null }));
    else dist = await readDistribution(input.path, opts);
    const result = await a.analyze(dist);
    const out: ScanResult = { verdict: result.verdict, score: clamp01(result.score), findings: result.findings, scannerVersion: version, ms: ms() };
    if ('model' in result && typeof result.model === 'number') out.model = Math.round(result.model * 10000) / 10000;
    if (early !== undefined) out.early = early;
    return out;
  } catch (err) {
    return errorResult(err, version, ms(), dist ? 'analyze' : 'read');
  }
}

/** The writer's side of a Growth: `complete(size, path)` once the file is whole, verified and stored, `abort()` when its download failed. */
export function growthSignal(): Growth & { complete(size: number, path: string): void; abort(): void } {
  let resolve!: (whole: { size: number; path: string }) => void;
  let reject!: (err: Error) => void;
  const done = new Promise<{ size: number; path: string }>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  done.catch(() => undefined); // an aborted scan may have stopped listening already
  return { done, complete: (size, path) => resolve({ size, path }), abort: () => reject(new Error('download failed')) };
}


function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1;
}

export function createScanner(opts: ScannerOptions = {}): Scanner {
  const limits = resolveLimits(opts.limits);
  const version = opts.version ?? SCANNER_VERSION;
  const workers = opts.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`workers must be a whole number ≥ 0, got ${workers}`);
  if (workers > 0) {
    // Loaded on demand: the in-thread scanner should not pay for the pool.
    const poolReady = import('./pool.js').then(
      ({ ScanPool }) =>
        new ScanPool({ size: workers, limits, version, analyzerModule: opts.analyzerModule, idleMs: opts.workerIdleMs, memoryLimitMb: opts.memoryLimitMb }),
    );
    return {
      version,
      async scan(input) {
        return (await poolReady).scan(input);
      },
      async sideJob(job, input) {
        return (await poolReady).sideJob(job, input);
      },
      warm() {
        void poolReady.then((pool) => pool.warm());
      },
      scanGrowing(input) {
        return deferredGrowingScan(poolReady.then((pool) => pool.scanGrowing(input)));
      },
      async close() {
        await (await poolReady).close();
      },
    };
  }
  let analyzer: Promise<Analyzer> | undefined;
  const getAnalyzer = () => {
    analyzer ??= opts.analyzer ? Promise.resolve(opts.analyzer) : loadAnalyzer(opts.analyzerModule);
    return analyzer;
  };
  return {
    version,
    scan: (input) => scanOne(input, getAnalyzer(), limits, version),
    scanGrowing(input) {
      const growth = growthSignal();
      const result = scanOne(input, getAnalyzer(), limits, version, growth);
      return {
        complete: (size, path) => (growth.complete(size, path), result),
        abort: () => (growth.abort(), result.then(() => undefined)),
      };
    },
  };
}

/** A GrowingScan whose start waits for the pool module to load; calls made meanwhile are passed on once it has. */
function deferredGrowingScan(started: Promise<GrowingScan>): GrowingScan {
  return {
    complete: async (size, path) => (await started).complete(size, path),
    abort: async () => (await started).abort(),
  };
}
