// pywarden scan-worker [--data DIR] [--database URL] [--config FILE] [--scan-workers N] [...]
// The scanner tier (issue 13, scanJobs): claims the scan jobs serving processes queue, scans the
// blob (read from the shared blob folder), and records the verdict with the job's end in one
// transaction. Runs as many scans at once as it has scan processes; several workers on several
// machines share the queue through the database. SIGTERM: finish the scans under way, then stop.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { flagName, type Config } from '../config.js';
import { commandConfig } from './command-config.js';
import { createLogger } from '../log.js';
import { openDatabase } from '../store/db.js';
import { SqlMetadataStore } from '../store/metadata.js';
import { JobStore, type ScanJob } from '../store/jobs.js';
import { processOwner } from '../store/leases.js';
import { FsBlobStore } from '../store/blobs.js';
import { createScanner } from '../scan/scan.js';
import type { ScanResult } from '../scan/types.js';

const usage = `usage: pywarden scan-worker [--data DIR] [--database URL] [--config FILE] [--scan-workers N]

  --data DIR          the blob folder the serving processes share (default ./data)
  --database URL      their database (postgres://...; default the SQLite file in --data)
  --scan-workers N    scans at once, each in its own process (default: number of cores)
  --lease-seconds N   a killed worker's job is taken over after this long (default 30)
  --log-level L       debug|info|warn|error|silent`;

/** A job claimed this many times without a verdict killed its workers each time: it is held as an error. */
const MAX_ATTEMPTS = 3;
const IDLE_POLL_MS = 200;

const FLAGS: (keyof Config)[] = ['data', 'database', 'scanWorkers', 'scanWorkerIdle', 'scanMemoryLimit', 'leaseSeconds', 'logLevel'];

export async function run(argv: string[]): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { config: { type: 'string' }, help: { type: 'boolean' } };
  for (const k of FLAGS) options[flagName(k)] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true });
  } catch (err) {
    process.stderr.write(`pywarden scan-worker: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const flags: Record<string, unknown> = {};
  for (const k of FLAGS) if (parsed.values[flagName(k)] !== undefined) flags[k] = parsed.values[flagName(k)];
  const config = commandConfig('scan-worker', flags, parsed.values.config as string | undefined);
  if (config === 2) return 2;
  const log = createLogger(config.logLevel);
  const db = await openDatabase(config.database, config.data);
  const jobs = new JobStore(db, new SqlMetadataStore(db));
  const blobs = new FsBlobStore(config.data);
  const slots = config.scanWorkers || availableParallelism();
  const scanner = createScanner({ workers: slots, workerIdleMs: config.scanWorkerIdle ? config.scanWorkerIdle * 1000 : undefined, memoryLimitMb: config.scanMemoryLimit });
  const owner = processOwner();
  const ttlMs = config.leaseSeconds * 1000;
  let stopping = false;

  async function scanOne(job: ScanJob): Promise<void> {
    const started = performance.now();
    log.info('scan started', { sha256: job.sha256, filename: job.filename, attempt: job.attempts });
    // Renewed while the scan runs: a worker that dies stops renewing and the job is claimed again.
    const renew = setInterval(() => void jobs.renew(job, owner, ttlMs).catch((err: Error) => log.warn('could not renew a scan job', { sha256: job.sha256, reason: err.message })), Math.max(50, ttlMs / 3));
    try {
      let result: ScanResult;
      if (job.attempts > MAX_ATTEMPTS) {
        result = failed(job, `the scan did not finish in ${MAX_ATTEMPTS} attempts (the scanning process died each time)`);
      } else if ((await blobs.size(job.sha256)) === null) {
        result = failed(job, 'the stored file is missing from the blob folder');
      } else {
        result = await scanner.scan({ path: blobs.path(job.sha256), filename: job.filename, sha256: job.sha256, project: job.project });
      }
      await jobs.finish(job, result);
      log.info('scanned', { sha256: job.sha256, filename: job.filename, verdict: result.verdict, score: result.score, ms: Math.round(performance.now() - started), findings: result.findings.length, reason: result.reason });
    } finally {
      clearInterval(renew);
    }
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      let job: ScanJob | null = null;
      try {
        job = await jobs.claim(scanner.version, owner, ttlMs);
        if (job) await scanOne(job);
      } catch (err) {
        // The database went away or the scan could not be recorded: the job's lease lapses and it is retried.
        log.error('scan job failed', { sha256: job?.sha256, reason: (err as Error).message });
      }
      if (!job) await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
    }
  }

  const loops = Array.from({ length: slots }, () => loop());
  log.info('scan worker ready', { scanners: slots, scanner: scanner.version, owner });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      stopping = true;
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await Promise.all(loops);
  await scanner.close?.();
  await db.close();
  return 0;
}

function failed(job: ScanJob, reason: string): ScanResult {
  return {
    verdict: 'error',
    score: 0.5,
    findings: [{ rule: 'scan-failed', severity: 'medium', path: '', message: `The scanner failed on this file (${reason}); it is held until a person looks at it.` }],
    scannerVersion: job.scanner_version,
    ms: 0,
    reason,
  };
}
