// The verdict gate: the only way a distribution's bytes reach a client.
// A file: known verdict? decide : single-flight(download → verify hash → store → scan → record) → decide.
// Fail closed: a download that is not whole or does not match its listed sha256 leaves nothing
// behind and records no verdict; a scan error is a verdict of `error`, which policy holds.
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { BlobStore, TempBlob } from '../store/blobs.js';
import type { BlobQuota, Reservation } from '../store/quota.js';
import type { Slots } from './slots.js';
import type { FileRow, MetadataStore, ReviewRow, ReviewState, VerdictRow } from '../store/metadata.js';
import type { GrowingScan, Scanner, ScanInput, ScanResult } from '../scan/types.js';
import type { Upstream } from '../upstream/types.js';
import { UpstreamError } from '../upstream/types.js';
import { decide, type Decision, type PolicyOptions } from '../policy/decide.js';
import type { Logger } from '../log.js';
import type { LeaseStore } from '../store/leases.js';
import type { JobStore } from '../store/jobs.js';
import { BusyError } from './slots.js';

export interface GateDeps {
  store: MetadataStore;
  blobs: BlobStore;
  upstream: Upstream;
  scanner: Scanner;
  policy: () => Promise<PolicyOptions>;
  /** Known-malicious advisories: ids of those that list a project's version (absent: none). */
  advisories?: { match(project: string, version: string | null): Promise<string[]> };
  log: Logger;
  /** Called when something that changes how a project's page renders was recorded. */
  onChange?: (project: string) => void;
  /** Observers for metrics. */
  onScan?: (verdict: string, ms: number) => void;
  onDownload?: (bytes: number, ms: number) => void;
  /** A file was newly held (or moved to another held state): the review webhook listens here. */
  onHold?: (file: FileRow, review: ReviewRow, decision: Decision) => void;
  /** The private name a listed public file's project imitates (issue 12); absent: none checked. */
  imitates?: (file: FileRow) => string | undefined;
  /** Largest file downloaded, in bytes (issue 10); absent: no limit. */
  maxFileSize?: number;
  /** Bounds cold downloads running at once; absent: no bound. */
  slots?: Slots;
  /** The blob store quota; absent: no quota. */
  quota?: BlobQuota;
  /** Single-flight across processes and replicas sharing the database; absent: this process only. */
  leases?: LeaseStore;
  /** Scans as jobs for `pywarden scan-worker` processes; absent: this process scans. */
  jobs?: JobStore;
  /** How long a request waits for a scan job's verdict before it is told to come back (503). */
  scanWaitMs?: number;
}

export interface GateResult {
  file: FileRow;
  decision: Decision;
  verdict?: VerdictRow;
  review?: ReviewRow;
}

export interface Peek {
  decision: Decision;
  verdict?: VerdictRow;
  review?: ReviewRow;
  advisories: string[];
}

const HELD_STATE: Record<'quarantine' | 'block', ReviewState> = { quarantine: 'quarantined', block: 'blocked' };

export class Gate {
  /** Single-flight: one download and one scan per sha256 however many clients ask (undici's dedup pattern). */
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(private readonly d: GateDeps) {}

  /** What policy says about a listed file right now, without fetching anything. */
  async peek(file: FileRow): Promise<Peek> {
    const [verdict, review, advisories, projectStatus, policy] = await Promise.all([
      this.d.store.getVerdict(file.sha256, this.d.scanner.version),
      this.d.store.getReview(file.sha256),
      this.d.advisories?.match(file.project, file.version) ?? [],
      this.d.store.projectStatus(file.project),
      this.d.policy(),
    ]);
    const decision = decide(
      { sha256: file.sha256, project: file.project, version: file.version, uploadTime: file.upload_time },
      { verdict: verdict?.verdict, review: review?.state, projectStatus, rules: verdict?.findings.map((f) => f.rule), advisories, imitates: this.d.imitates?.(file) },
      policy,
    );
    return { decision, verdict, review, advisories };
  }

  /**
   * Makes sure the file's verdict is known (downloading and scanning it if needed) and returns the decision.
   * Throws NotListedError for a sha256 no upstream page listed, UpstreamError when the bytes cannot be had.
   */
  async ensure(sha256: string, listed?: FileRow, opts: { background?: boolean } = {}): Promise<GateResult> {
    // Callers that already read the row (the file route) pass it: one SQLite read less per download.
    let file = listed ?? (await this.d.store.getFile(sha256));
    if (!file) throw new NotListedError(sha256);
    let state = await this.peek(file);
    // Refused whatever the bytes say (deny list, known-malicious advisory, upstream quarantine, cooldown, confirmed block):
    // no need to fetch, unless monitor mode will serve it anyway.
    const refusedWithoutBytes = state.decision.action !== 'allow' && state.decision.source !== 'pending' && state.decision.source !== 'verdict';
    const needBytes = !(refusedWithoutBytes && state.decision.enforced);
    if (needBytes && (!state.verdict || !file.stored)) {
      await this.fetchAndScan(file, opts.background === true);
      file = (await this.d.store.getListing(sha256, file.filename))!;
      state = await this.peek(file);
    }
    const review = await this.recordHold(file, state);
    return { file, decision: state.decision, verdict: state.verdict, review };
  }

  private async recordHold(file: FileRow, { decision, verdict, review }: Peek): Promise<ReviewRow | undefined> {
    // Cooldown is temporary and not a finding: it opens no review item.
    if (decision.action === 'allow' || decision.source === 'cooldown') return review;
    if (review && (review.state === 'released' || review.state === 'confirmed')) return review;
    const state: ReviewState = decision.source === 'verdict' && verdict?.verdict === 'error' ? 'error' : HELD_STATE[decision.action];
    if (review?.state === state) return review;
    const row = await this.d.store.holdForReview(file.sha256, state);
    this.d.onChange?.(file.project);
    this.d.onHold?.(file, row, decision);
    return row;
  }

  /** `background`: scan-ahead's work, which no client waits for (a request that joins it waits at its pace). */
  private fetchAndScan(file: FileRow, background: boolean): Promise<void> {
    let p = this.inflight.get(file.sha256);
    if (!p) {
      p = this.doFetchAndScan(file, background).finally(() => this.inflight.delete(file.sha256));
      this.inflight.set(file.sha256, p);
    }
    return p;
  }

  /**
   * Across processes: whoever holds the file's lease downloads and scans it; the others wait for
   * its verdict, and take the lease over if its holder dies (it stops renewing) or gives up.
   */
  private async doFetchAndScan(file: FileRow, background: boolean): Promise<void> {
    const leases = this.d.leases;
    if (!leases) return this.fetchAndScanHere(file, background);
    const name = `fetch:${file.sha256}`;
    for (let wait = 20; ; wait = Math.min(wait * 2, 250)) {
      const now = (await this.d.store.getListing(file.sha256, file.filename)) ?? file;
      if (now.stored && (await this.d.store.getVerdict(file.sha256, this.d.scanner.version)) && (await this.d.blobs.size(file.sha256)) !== null) return;
      const lease = await leases.acquire(name);
      if (lease) {
        try {
          return await this.fetchAndScanHere(now, background);
        } finally {
          // Not released (the database is away): it expires after leaseSeconds like a dead holder's.
          await lease.release().catch((err: Error) => this.d.log.warn('could not release a lease', { lease: name, reason: err.message }));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private async fetchAndScanHere(file: FileRow, background: boolean): Promise<void> {
    const present = (await this.d.blobs.size(file.sha256)) !== null && (file.stored === 1 || (await this.adoptBlob(file)));
    const input = { filename: file.filename, sha256: file.sha256, project: file.project, background };
    if (!present) {
      // Scanned here while it downloads (issue 13), unless the scanner tier scans it as a job or it
      // has a verdict already (a blob evicted by the quota and fetched again).
      const known = await this.d.store.getVerdict(file.sha256, this.d.scanner.version);
      const growing = await this.download(file, this.d.jobs || known ? undefined : input);
      if (growing) return this.recordScan(file, await growing.scanned);
    }
    if (await this.d.store.getVerdict(file.sha256, this.d.scanner.version)) return;
    if (this.d.jobs) return this.awaitScanJob(file, this.d.jobs);
    await this.recordScan(file, await this.d.scanner.scan({ ...input, path: this.d.blobs.path(file.sha256) }));
  }

  private async recordScan(file: FileRow, result: ScanResult): Promise<void> {
    // The verdict is recorded before any byte is served.
    await this.d.store.putVerdict(file.sha256, result);
    this.d.onScan?.(result.verdict, result.ms);
    this.d.log.info('scanned', { sha256: file.sha256, filename: file.filename, verdict: result.verdict, score: result.score, ms: Math.round(result.ms), findings: result.findings.length, reason: result.reason, early: result.early });
    this.d.onChange?.(file.project);
  }

  /** Queues the scan for the scanner tier and waits for its verdict; until there is one, nothing is served. */
  private async awaitScanJob(file: FileRow, jobs: JobStore): Promise<void> {
    const version = this.d.scanner.version;
    await jobs.enqueue(file.sha256, version, file.filename, file.project);
    const deadline = Date.now() + (this.d.scanWaitMs ?? 600_000);
    for (let wait = 20; ; wait = Math.min(wait * 2, 250)) {
      if (await this.d.store.getVerdict(file.sha256, version)) {
        this.d.onChange?.(file.project);
        return;
      }
      if (Date.now() > deadline) throw new BusyError(`${file.filename} is waiting for a scan worker; try again shortly`, 10);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /**
   * A blob on disk that the database does not call stored: a crash fell between the rename into
   * blobs/ and the UPDATE. The path is content-addressed, so re-hashing says whether the bytes are
   * the listed file; if they are, keep them (no second download), otherwise remove them.
   */
  private async adoptBlob(file: FileRow): Promise<boolean> {
    const hash = createHash('sha256');
    await pipeline(this.d.blobs.read(file.sha256), hash);
    if (hash.digest('hex') === file.sha256) {
      await this.d.store.markStored(file.sha256);
      this.d.log.info('adopted stored blob', { sha256: file.sha256, filename: file.filename });
      return true;
    }
    this.d.log.warn('removed a stored blob whose bytes do not match its name', { sha256: file.sha256, filename: file.filename });
    await this.d.blobs.discard(this.d.blobs.path(file.sha256));
    return false;
  }

  /**
   * Downloads, verifies and stores the file. With `scan` (the scan's input; absent when the
   * scanner tier scans it as a job), the scanner reads the temp file as its bytes arrive
   * (Scanner.scanGrowing, issue 13) and the scan's result is returned (`scanned`): it is asked
   * for only after the whole file is in, its sha256 verified and the blob stored. A download that
   * fails aborts the scan and its result is never looked at. Without scanGrowing the scan process
   * is only warmed meanwhile.
   */
  private async download(file: FileRow, scan?: Omit<ScanInput, 'path'>): Promise<{ scanned: Promise<ScanResult> } | undefined> {
    const max = this.d.maxFileSize ?? Number.MAX_SAFE_INTEGER;
    const listed = file.size;
    // PEP 700 size: a file listed over the limit is refused before any byte is requested.
    if (listed !== null && listed > max) throw new UpstreamError('too-large', `${file.filename} is listed at ${listed} bytes, over the ${max} byte limit (maxFileSize)`);
    const started = performance.now();
    const { slots, quota } = this.d;
    const release = slots ? await slots.acquire() : undefined;
    let room: Reservation | undefined;
    let tmp: TempBlob | undefined;
    let growing: GrowingScan | undefined;
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      room = quota ? await quota.reserve(listed ?? 0, file.filename) : undefined;
      tmp = this.d.blobs.createTemp();
      if (scan) {
        const { scanner } = this.d;
        growing = scanner.scanGrowing?.({ ...scan, path: tmp.path, expectedSize: listed });
        if (!growing) scanner.warm?.();
      }
      const { body, length } = await this.d.upstream.open(file.upstream_url, file.upstream);
      const declared =
        length === null ? null
        : length > max ? new UpstreamError('too-large', `upstream declares ${length} bytes for ${file.filename}, over the ${max} byte limit (maxFileSize)`)
        : listed !== null && length !== listed ? new UpstreamError(length > listed ? 'too-large' : 'truncated', `upstream declares ${length} bytes for ${file.filename}, the index listed ${listed}`)
        : null;
      if (declared) {
        body.destroy(); // not read: end it here, before its speed limit fails it unobserved
        throw declared;
      }
      await pipeline(
        body,
        new Transform({
          highWaterMark: 1 << 20, // as the temp file's stream: do not pause the download per chunk
          transform(chunk: Buffer, _enc, cb) {
            bytes += chunk.length;
            if (bytes > max) return cb(new UpstreamError('too-large', `${file.filename} is over the ${max} byte limit (maxFileSize)`));
            if (listed !== null && bytes > listed) return cb(new UpstreamError('too-large', `upstream sent more than the ${listed} bytes the index listed for ${file.filename}`));
            hash.update(chunk);
            // No listed size: room is reserved as the bytes arrive, 8 MiB ahead.
            if (quota && room && bytes > room.bytes) return void quota.grow(room, Math.min(max, bytes + (8 << 20)), file.filename).then(() => cb(null, chunk), cb);
            cb(null, chunk);
          },
        }),
        tmp.stream,
      );
      if (length !== null && bytes !== length) {
        throw new UpstreamError('truncated', `upstream sent ${bytes} of ${length} bytes for ${file.filename}`);
      }
      if (listed !== null && bytes !== listed) {
        throw new UpstreamError('truncated', `upstream sent ${bytes} bytes for ${file.filename}, the index listed ${listed}`);
      }
      const got = hash.digest('hex');
      if (got !== file.sha256) {
        // The hash of unexpected bytes is for the operator's log only: echoed to a client it told an
        // anonymous user the digest of whatever an internal URL answered (issue 10).
        this.d.log.warn('upstream bytes do not match the listed sha256', { filename: file.filename, url: file.upstream_url, listed: file.sha256, got });
        throw new UpstreamError('hash-mismatch', `${file.filename}: upstream bytes do not match the sha256 the index listed`);
      }
      await this.d.blobs.commit(tmp.path, file.sha256);
      if (quota && room) quota.commit(room, bytes);
      await this.d.store.markStored(file.sha256);
      this.d.onDownload?.(bytes, performance.now() - started);
      // Whole, verified and stored (a crash from here on finds the blob and scans it again): the
      // scan reading it is told so; its result is the caller's to wait for and record.
      const scanned = growing?.complete(bytes, this.d.blobs.path(file.sha256));
      growing = undefined;
      return scanned && { scanned };
    } catch (err) {
      const stopped = growing?.abort();
      if (tmp) await this.d.blobs.abandon(tmp);
      // The scan reading the temp file holds it open: its space is free only once it has stopped.
      await stopped;
      if (err instanceof UpstreamError || err instanceof StorageError) throw err;
      // Our disk, not upstream: say so (a 502 would send operators to the wrong system).
      const code = (err as { code?: string }).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') throw new StorageError(`no space left to store ${file.filename}: ${(err as Error).message}`);
      // A body that stalls past the idle timeout is a timeout (504), not a broken download (502).
      const timedOut = (err as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT';
      throw new UpstreamError(timedOut ? 'timeout' : 'truncated', `download of ${file.filename} failed: ${(err as Error).message}`);
    } finally {
      if (quota && room) quota.release(room);
      release?.();
    }
  }

  /** True while the file is being downloaded or scanned (the quota does not evict it then). */
  busy(sha256: string): boolean {
    return this.inflight.has(sha256);
  }
}

/** The local blob store could not take the file (disk full, quota). Nothing was kept. */
export class StorageError extends Error {
  override name = 'StorageError';
}

export class NotListedError extends Error {
  override name = 'NotListedError';
  constructor(readonly sha256: string) {
    super(`no upstream page listed a file with sha256 ${sha256}`);
  }
}
