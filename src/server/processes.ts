// `pywarden serve --processes N` (issue 13): N serving processes on one port through node:cluster.
// They share nothing in memory: verdicts, single-flight (leases) and scan work (scan jobs, when on)
// go through the database, which for SQLite in WAL mode serves several processes on one machine.
// The primary only starts, restarts and stops the workers; it opens the database once first, so
// the migrations run before any worker starts.
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Config } from '../config.js';
import { createLogger } from '../log.js';
import { openDatabase } from '../store/db.js';

/** A worker that dies sooner than this after its start counts as a crash loop: it is not restarted at once. */
const QUICK_DEATH_MS = 5_000;

export function processCount(config: Config): number {
  return config.processes || availableParallelism();
}

/** Runs the primary until SIGINT or SIGTERM; the workers run `startServer` (see commands/serve.ts). */
export async function runPrimary(config: Config, n: number): Promise<number> {
  const log = createLogger(config.logLevel);
  await (await openDatabase(config.database, config.data)).close();
  // Scan processes: the machine's cores shared among the serving processes, unless configured.
  const env = config.scanWorkers ? {} : { PYWARDEN_SCAN_WORKERS: String(Math.max(1, Math.floor(availableParallelism() / n))) };
  let stopping = false;
  const started = new Map<Worker, { at: number; feed: boolean }>();
  // One process fetches the advisory feed (intelUrl), not N of them; its replacement takes over.
  const fork = (feed: boolean) => started.set(cluster.fork({ ...env, ...(feed ? { [FEED_ENV]: '1' } : {}) }), { at: Date.now(), feed });
  cluster.on('exit', (worker, code, signal) => {
    const was = started.get(worker);
    started.delete(worker);
    if (stopping) return;
    log.error('serving process died; starting another', { pid: worker.process.pid, code, signal });
    setTimeout(() => fork(was?.feed ?? false), was && Date.now() - was.at < QUICK_DEATH_MS ? 1_000 : 0);
  });
  for (let i = 0; i < n; i++) fork(i === 0);
  log.info('pywarden primary started', { processes: n, port: config.port });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal, processes: started.size });
      stopping = true;
      for (const w of started.keys()) w.process.kill('SIGTERM');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  while (started.size) await new Promise((r) => setTimeout(r, 50));
  return 0;
}

export const isClusterWorker = (): boolean => cluster.isWorker;

const FEED_ENV = 'PYWARDEN_FEED_PROCESS';

/** Whether this process runs the scheduled advisory feed: a single process, or the one worker chosen for it. */
export const runsFeed = (): boolean => !cluster.isWorker || process.env[FEED_ENV] === '1';
