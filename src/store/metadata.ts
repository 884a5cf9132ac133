// The metadata store: projects, files, verdicts, review items, decisions and the event log.
// SQLite through better-sqlite3, every statement prepared once (STYLE.md habit 7).
import type { DB } from './db.js';
import type { ScanResult, Verdict, Finding } from '../scan/types.js';

/**
 * A listed file: the listing (file name, project, version, size, URL and PEP 658 hash, as one page
 * listed it) joined with the state of its bytes (stored, requests, extracted metadata).
 */
export interface FileRow {
  sha256: string;
  filename: string;
  project: string;
  version: string | null;
  size: number | null;
  upstream_url: string;
  upload_time: string | null;
  /** The PEP 658 hash this listing declared. */
  metadata_sha256: string | null;
  /** The named upstream whose page listed it (issue 12); null with a single unnamed upstream. */
  upstream: string | null;
  /** The hash of the METADATA extracted from the verified wheel, once extracted. */
  wheel_metadata_sha256: string | null;
  first_seen: number;
  last_requested: number | null;
  requests: number;
  stored: number;
}

export interface VerdictRow {
  sha256: string;
  scanner_version: string;
  verdict: Verdict;
  score: number;
  findings: Finding[];
  reason: string | null;
  ms: number | null;
  decided_at: number;
}

/** 'cleared': a rescan found the file clean; the item leaves the queue, its history stays. */
export type ReviewState = 'quarantined' | 'blocked' | 'error' | 'released' | 'confirmed' | 'cleared';

export interface ReviewRow {
  id: number;
  sha256: string;
  state: ReviewState;
  created_at: number;
  updated_at: number;
}

export interface EventInput {
  kind: string;
  sha256?: string | null;
  filename?: string | null;
  client?: string | null;
  userAgent?: string | null;
  /** The server's request id. */
  requestId?: string | null;
  /** The X-Request-Id the client sent, if any: kept as said (truncated), never trusted as ours. */
  clientRequestId?: string | null;
  detail?: unknown;
}

export interface MetadataStoreOptions {
  /**
   * Events of the same kind, file, client and detail within this many ms share one row whose
   * count grows (issue 10: 3,000 refused requests added 25 MB of rows). 0: one row each.
   */
  coalesceMs?: number;
}

/** Longest client-chosen text (User-Agent, X-Request-Id) kept in an audit row. */
export const MAX_AUDIT_FIELD = 256;

function clip(s: string | null | undefined): string | null {
  if (s == null) return null;
  return s.length > MAX_AUDIT_FIELD ? s.slice(0, MAX_AUDIT_FIELD - 1) + '…' : s;
}

export interface NewFile {
  sha256: string;
  filename: string;
  version: string | null;
  size: number | null;
  upstreamUrl: string;
  uploadTime: string | null;
  metadataSha256: string | null;
  /** The named upstream whose page lists it (issue 12). */
  upstream?: string | null;
}

/** What the proxy needs from storage; the SQLite class below is the embedded backend. */
export interface MetadataStore {
  readonly db: DB;
  upsertProject(name: string, status: string | null): void;
  projectStatus(name: string): string | null;
  upsertFiles(project: string, files: NewFile[]): void;
  /** The first listing of these bytes. */
  getFile(sha256: string): FileRow | undefined;
  /** These bytes as listed under this file name (by any project). */
  getListing(sha256: string, filename: string): FileRow | undefined;
  markStored(sha256: string): void;
  /** The blob was removed by the quota: the verdict stays, the next request fetches the bytes again. */
  markEvicted(sha256: string): void;
  /** Stored files, least recently requested first. */
  leastRecentlyUsed(limit: number): string[];
  setWheelMetadata(sha256: string, metadataSha256: string): void;
  touchFile(sha256: string): void;
  getVerdict(sha256: string, scannerVersion: string): VerdictRow | undefined;
  latestVerdict(sha256: string): VerdictRow | undefined;
  putVerdict(sha256: string, result: ScanResult): void;
  /** Latest verdict and review state of every file of a project that has either. */
  projectStates(project: string): Map<string, { verdict?: Verdict; review?: ReviewState }>;
  getReview(sha256: string): ReviewRow | undefined;
  /** Opens (or moves) the review item for a held file; returns its id. */
  holdForReview(sha256: string, state: ReviewState): ReviewRow;
  addEvent(e: EventInput): void;
  getPage(project: string): { body: string; etag: string | null; serial: number | null; fetched_at: number } | undefined;
  putPage(project: string, body: string, etag: string | null, serial: number | null): void;
  close(): void;
}

/** A listing joined with its bytes' state, as a FileRow. */
const LISTED_FILE = `SELECT l.sha256, l.filename, l.project, l.version, l.size, l.upstream_url, l.upload_time, l.metadata_sha256, l.upstream,
    f.wheel_metadata_sha256, f.first_seen, f.last_requested, f.requests, f.stored
  FROM listings l JOIN files f ON f.sha256 = l.sha256`;

export class SqliteMetadataStore implements MetadataStore {
  private readonly s;

  private readonly coalesceMs: number;

  constructor(
    readonly db: DB,
    opts: MetadataStoreOptions = {},
  ) {
    this.coalesceMs = opts.coalesceMs ?? 0;
    this.s = {
      upsertProject: db.prepare(
        `INSERT INTO projects (name, first_seen, last_seen, status) VALUES (?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET last_seen = excluded.last_seen, status = excluded.status`,
      ),
      // The bytes' row: the first listing names it (review pages show that name).
      insertFile: db.prepare(
        `INSERT OR IGNORE INTO files (sha256, filename, project, version, size, upstream_url, upload_time, first_seen)
         VALUES (@sha256, @filename, @project, @version, @size, @upstreamUrl, @uploadTime, @now)`,
      ),
      // A listing changes only through a page of the project that first listed it (issue 10).
      upsertListing: db.prepare(
        `INSERT INTO listings (sha256, filename, project, version, size, upstream_url, upload_time, metadata_sha256, first_seen, upstream)
         VALUES (@sha256, @filename, @project, @version, @size, @upstreamUrl, @uploadTime, @metadataSha256, @now, @upstream)
         ON CONFLICT(sha256, filename) DO UPDATE SET upstream_url = excluded.upstream_url, upstream = excluded.upstream,
           size = coalesce(excluded.size, size), upload_time = coalesce(excluded.upload_time, upload_time),
           metadata_sha256 = excluded.metadata_sha256
         WHERE project = excluded.project AND (upstream_url IS NOT excluded.upstream_url OR upstream IS NOT excluded.upstream OR metadata_sha256 IS NOT excluded.metadata_sha256
           OR (excluded.size IS NOT NULL AND size IS NOT excluded.size) OR (excluded.upload_time IS NOT NULL AND upload_time IS NOT excluded.upload_time))`,
      ),
      projectStatus: db.prepare(`SELECT status FROM projects WHERE name = ?`).pluck(),
      getFile: db.prepare(`${LISTED_FILE} WHERE f.sha256 = ? AND l.filename = f.filename`),
      getListing: db.prepare(`${LISTED_FILE} WHERE l.sha256 = ? AND l.filename = ?`),
      markStored: db.prepare(`UPDATE files SET stored = 1 WHERE sha256 = ?`),
      markEvicted: db.prepare(`UPDATE files SET stored = 0 WHERE sha256 = ?`),
      leastRecentlyUsed: db.prepare(`SELECT sha256 FROM files WHERE stored = 1 ORDER BY coalesce(last_requested, first_seen) LIMIT ?`).pluck(),
      setWheelMetadata: db.prepare(`UPDATE files SET wheel_metadata_sha256 = ? WHERE sha256 = ?`),
      touchFile: db.prepare(`UPDATE files SET requests = requests + 1, last_requested = ? WHERE sha256 = ?`),
      getVerdict: db.prepare(`SELECT * FROM verdicts WHERE sha256 = ? AND scanner_version = ?`),
      latestVerdict: db.prepare(`SELECT * FROM verdicts WHERE sha256 = ? ORDER BY decided_at DESC, rowid DESC LIMIT 1`),
      putVerdict: db.prepare(
        `INSERT OR REPLACE INTO verdicts (sha256, scanner_version, verdict, score, findings, reason, ms, decided_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      projectStates: db.prepare(
        `SELECT f.sha256,
                (SELECT v.verdict FROM verdicts v WHERE v.sha256 = f.sha256 ORDER BY v.decided_at DESC, v.rowid DESC LIMIT 1) AS verdict,
                r.state AS review
         FROM listings f LEFT JOIN reviews r ON r.sha256 = f.sha256
         WHERE f.project = ? AND (r.state IS NOT NULL OR EXISTS (SELECT 1 FROM verdicts v WHERE v.sha256 = f.sha256))`,
      ),
      getReview: db.prepare(`SELECT * FROM reviews WHERE sha256 = ?`),
      insertReview: db.prepare(`INSERT INTO reviews (sha256, state, created_at, updated_at) VALUES (?, ?, ?, ?)`),
      updateReview: db.prepare(`UPDATE reviews SET state = ?, updated_at = ? WHERE sha256 = ?`),
      addEvent: db.prepare(
        `INSERT INTO events (at, kind, sha256, filename, client, user_agent, request_id, detail, client_request_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      sameEvent: db
        .prepare(`SELECT id FROM events WHERE sha256 IS ? AND client IS ? AND kind = ? AND at >= ? AND detail IS ? ORDER BY id DESC LIMIT 1`)
        .pluck(),
      repeatEvent: db.prepare(`UPDATE events SET count = count + 1, last_at = ?, last_request_id = ? WHERE id = ?`),
      getPage: db.prepare(`SELECT body, etag, serial, fetched_at FROM pages WHERE project = ?`),
      putPage: db.prepare(`INSERT OR REPLACE INTO pages (project, body, etag, serial, fetched_at) VALUES (?, ?, ?, ?, ?)`),
    };
  }

  upsertProject(name: string, status: string | null): void {
    const now = Date.now();
    this.s.upsertProject.run(name, now, now, status);
  }

  projectStatus(name: string): string | null {
    return (this.s.projectStatus.get(name) as string | undefined) ?? null;
  }

  upsertFiles(project: string, files: NewFile[]): void {
    const now = Date.now();
    this.db.transaction(() => {
      for (const f of files) {
        const row = { ...f, upstream: f.upstream ?? null, project, now };
        this.s.insertFile.run(row);
        this.s.upsertListing.run(row);
      }
    })();
  }

  getFile(sha256: string): FileRow | undefined {
    return this.s.getFile.get(sha256) as FileRow | undefined;
  }

  getListing(sha256: string, filename: string): FileRow | undefined {
    return this.s.getListing.get(sha256, filename) as FileRow | undefined;
  }

  markStored(sha256: string): void {
    this.s.markStored.run(sha256);
  }

  markEvicted(sha256: string): void {
    this.s.markEvicted.run(sha256);
  }

  leastRecentlyUsed(limit: number): string[] {
    return this.s.leastRecentlyUsed.all(limit) as string[];
  }

  setWheelMetadata(sha256: string, metadataSha256: string): void {
    this.s.setWheelMetadata.run(metadataSha256, sha256);
  }

  touchFile(sha256: string): void {
    this.s.touchFile.run(Date.now(), sha256);
  }

  getVerdict(sha256: string, scannerVersion: string): VerdictRow | undefined {
    return rowToVerdict(this.s.getVerdict.get(sha256, scannerVersion));
  }

  latestVerdict(sha256: string): VerdictRow | undefined {
    return rowToVerdict(this.s.latestVerdict.get(sha256));
  }

  putVerdict(sha256: string, r: ScanResult): void {
    this.s.putVerdict.run(sha256, r.scannerVersion, r.verdict, r.score, JSON.stringify(r.findings), r.reason ?? null, r.ms, Date.now());
  }

  projectStates(project: string): Map<string, { verdict?: Verdict; review?: ReviewState }> {
    const out = new Map<string, { verdict?: Verdict; review?: ReviewState }>();
    for (const row of this.s.projectStates.all(project) as { sha256: string; verdict: Verdict | null; review: ReviewState | null }[]) {
      out.set(row.sha256, { verdict: row.verdict ?? undefined, review: row.review ?? undefined });
    }
    return out;
  }

  getReview(sha256: string): ReviewRow | undefined {
    return this.s.getReview.get(sha256) as ReviewRow | undefined;
  }

  holdForReview(sha256: string, state: ReviewState): ReviewRow {
    const now = Date.now();
    const existing = this.getReview(sha256);
    if (!existing) this.s.insertReview.run(sha256, state, now, now);
    else if (existing.state !== state) this.s.updateReview.run(state, now, sha256);
    return this.getReview(sha256)!;
  }

  addEvent(e: EventInput): void {
    const now = Date.now();
    const detail = e.detail === undefined ? null : JSON.stringify(e.detail);
    if (this.coalesceMs > 0) {
      const id = this.s.sameEvent.get(e.sha256 ?? null, e.client ?? null, e.kind, now - this.coalesceMs, detail) as number | undefined;
      if (id !== undefined) {
        this.s.repeatEvent.run(now, e.requestId ?? null, id);
        return;
      }
    }
    this.s.addEvent.run(now, e.kind, e.sha256 ?? null, e.filename ?? null, e.client ?? null, clip(e.userAgent), e.requestId ?? null, detail, clip(e.clientRequestId));
  }

  getPage(project: string) {
    return this.s.getPage.get(project) as { body: string; etag: string | null; serial: number | null; fetched_at: number } | undefined;
  }

  putPage(project: string, body: string, etag: string | null, serial: number | null): void {
    this.s.putPage.run(project, body, etag, serial, Date.now());
  }

  close(): void {
    this.db.close();
  }
}

function rowToVerdict(row: unknown): VerdictRow | undefined {
  if (!row) return undefined;
  const r = row as Omit<VerdictRow, 'findings'> & { findings: string };
  return { ...r, findings: JSON.parse(r.findings) as Finding[] };
}
