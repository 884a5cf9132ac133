// Scan jobs (issue 13): a scanner tier apart from the serving tier, coordinated by the database.
// A serving process queues the scan of a verified blob and waits for the verdict; `pywarden
// scan-worker` processes claim jobs one at a time each, renew the claim while they scan, and record
// the verdict and the job's end in one transaction. A worker that dies stops renewing: its job is
// claimed again once lease_until passes. A file has no verdict until then, so it stays held.
import type { SqlDb } from './sql.js';
import type { SqlMetadataStore } from './metadata.js';
import type { ScanResult } from '../scan/types.js';

export interface ScanJob {
  sha256: string;
  scanner_version: string;
  filename: string;
  project: string;
  state: 'queued' | 'running' | 'done';
  owner: string | null;
  lease_until: number | null;
  attempts: number;
}

const SQL = {
  // A job done for this scanner version stays done; one queued or running is not queued twice.
  enqueue: `INSERT INTO scan_jobs (sha256, scanner_version, filename, project, state, attempts, created_at, updated_at)
    VALUES (?, ?, ?, ?, 'queued', 0, ?, ?) ON CONFLICT(sha256, scanner_version) DO NOTHING`,
  requeue: `UPDATE scan_jobs SET state = 'queued', owner = NULL, lease_until = NULL, updated_at = ?
    WHERE sha256 = ? AND scanner_version = ? AND state = 'done'`,
  renew: `UPDATE scan_jobs SET lease_until = ? WHERE sha256 = ? AND scanner_version = ? AND owner = ? AND state = 'running'`,
  done: `UPDATE scan_jobs SET state = 'done', lease_until = NULL, updated_at = ? WHERE sha256 = ? AND scanner_version = ?`,
  get: `SELECT * FROM scan_jobs WHERE sha256 = ? AND scanner_version = ?`,
};

export class JobStore {
  constructor(
    private readonly db: SqlDb,
    private readonly store: SqlMetadataStore,
  ) {}

  /** Queues the scan of a stored file (again, when an earlier job ended without a verdict that still stands). */
  async enqueue(sha256: string, scannerVersion: string, filename: string, project: string): Promise<void> {
    const now = Date.now();
    await this.db.run(SQL.enqueue, [sha256, scannerVersion, filename, project, now, now]);
    await this.db.run(SQL.requeue, [now, sha256, scannerVersion]);
  }

  /** The oldest job that is queued, or whose worker stopped renewing it; null when there is none. */
  async claim(scannerVersion: string, owner: string, ttlMs: number): Promise<ScanJob | null> {
    const now = Date.now();
    const row = await this.db.get<ScanJob>(
      `UPDATE scan_jobs SET state = 'running', owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
       WHERE (sha256, scanner_version) = (
         SELECT sha256, scanner_version FROM scan_jobs
         WHERE scanner_version = ? AND (state = 'queued' OR (state = 'running' AND lease_until < ?))
         ORDER BY created_at LIMIT 1${this.db.dialect.skipLocked})
       RETURNING *`,
      [owner, now + ttlMs, now, scannerVersion, now],
    );
    return row ?? null;
  }

  /** False when the job was claimed by another worker meanwhile (this one was too slow to renew). */
  async renew(job: ScanJob, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.db.run(SQL.renew, [Date.now() + ttlMs, job.sha256, job.scanner_version, owner])).changes === 1;
  }

  /** Records the verdict and ends the job, in one transaction. */
  async finish(job: ScanJob, result: ScanResult): Promise<void> {
    await this.db.tx(async (q) => {
      await this.store.putVerdict(job.sha256, result, q);
      await q.run(SQL.done, [Date.now(), job.sha256, job.scanner_version]);
    });
  }

  get(sha256: string, scannerVersion: string): Promise<ScanJob | undefined> {
    return this.db.get(SQL.get, [sha256, scannerVersion]);
  }
}
