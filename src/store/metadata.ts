// The metadata store: projects, files, verdicts, review items, decisions and the event log.
// One implementation over either database (src/store/sql.ts); it never hands its handle out.
import type { Sql, SqlDb } from './sql.js';
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

/** What the proxy needs from storage, on SQLite or PostgreSQL. */
export interface MetadataStore {
  upsertProject(name: string, status: string | null): Promise<void>;
  projectStatus(name: string): Promise<string | null>;
  upsertFiles(project: string, files: NewFile[]): Promise<void>;
  /** The first listing of these bytes. */
  getFile(sha256: string): Promise<FileRow | undefined>;
  /** These bytes as listed under this file name (by any project). */
  getListing(sha256: string, filename: string): Promise<FileRow | undefined>;
  markStored(sha256: string): Promise<void>;
  /** The blob was removed by the quota: the verdict stays, the next request fetches the bytes again. */
  markEvicted(sha256: string): Promise<void>;
  /** Stored files, least recently requested first. */
  leastRecentlyUsed(limit: number): Promise<string[]>;
  setWheelMetadata(sha256: string, metadataSha256: string): Promise<void>;
  touchFile(sha256: string): Promise<void>;
  getVerdict(sha256: string, scannerVersion: string): Promise<VerdictRow | undefined>;
  latestVerdict(sha256: string): Promise<VerdictRow | undefined>;
  putVerdict(sha256: string, result: ScanResult): Promise<void>;
  /** Latest verdict and review state of every file of a project that has either. */
  projectStates(project: string): Promise<Map<string, { verdict?: Verdict; review?: ReviewState }>>;
  getReview(sha256: string): Promise<ReviewRow | undefined>;
  /** Opens (or moves) the review item for a held file; returns it. */
  holdForReview(sha256: string, state: ReviewState): Promise<ReviewRow>;
  addEvent(e: EventInput): Promise<void>;
  getPage(project: string): Promise<{ body: string; etag: string | null; serial: number | null; fetched_at: number } | undefined>;
  putPage(project: string, body: string, etag: string | null, serial: number | null): Promise<void>;
  /** Projects with at least one stored file (rescan --refresh-status). */
  storedProjects(): Promise<string[]>;
  /** Every stored file with its latest verdict's scanner version and verdict (rescan). */
  storedWithLatestVerdict(): Promise<{ sha256: string; version: string | null; verdict: string | null }[]>;
  /** Changes whenever any process records a verdict, moves a review item or writes a decision. */
  changeStamp(): Promise<string>;
  close(): Promise<void>;
}

/** A listing joined with its bytes' state, as a FileRow. */
const LISTED_FILE = `SELECT l.sha256, l.filename, l.project, l.version, l.size, l.upstream_url, l.upload_time, l.metadata_sha256, l.upstream,
    f.wheel_metadata_sha256, f.first_seen, f.last_requested, f.requests, f.stored
  FROM listings l JOIN files f ON f.sha256 = l.sha256`;

/** A file's latest verdict: the newest decision, then the newest row (seq orders those decided in one ms). */
export const LATEST_VERDICT_ORDER = 'ORDER BY decided_at DESC, seq DESC LIMIT 1';

const SQL = {
  upsertProject: `INSERT INTO projects (name, first_seen, last_seen, status) VALUES (?, ?, ?, ?)
    ON CONFLICT(name) DO UPDATE SET last_seen = excluded.last_seen, status = excluded.status`,
  // The bytes' row: the first listing names it (review pages show that name). `%ROWS%`: one
  // (?, ...) group per file of a batch (see upsertFiles).
  insertFile: `INSERT INTO files (sha256, filename, project, version, size, upstream_url, upload_time, first_seen)
    VALUES %ROWS% ON CONFLICT DO NOTHING`,
  // A listing changes only through a page of the project that first listed it (issue 10).
  upsertListing: `INSERT INTO listings AS l (sha256, filename, project, version, size, upstream_url, upload_time, metadata_sha256, first_seen, upstream)
    VALUES %ROWS%
    ON CONFLICT(sha256, filename) DO UPDATE SET upstream_url = excluded.upstream_url, upstream = excluded.upstream,
      size = coalesce(excluded.size, l.size), upload_time = coalesce(excluded.upload_time, l.upload_time),
      metadata_sha256 = excluded.metadata_sha256
    WHERE l.project = excluded.project AND (l.upstream_url IS DISTINCT FROM excluded.upstream_url OR l.upstream IS DISTINCT FROM excluded.upstream
      OR l.metadata_sha256 IS DISTINCT FROM excluded.metadata_sha256
      OR (excluded.size IS NOT NULL AND l.size IS DISTINCT FROM excluded.size) OR (excluded.upload_time IS NOT NULL AND l.upload_time IS DISTINCT FROM excluded.upload_time))`,
  projectStatus: `SELECT status FROM projects WHERE name = ?`,
  getFile: `${LISTED_FILE} WHERE f.sha256 = ? AND l.filename = f.filename`,
  getListing: `${LISTED_FILE} WHERE l.sha256 = ? AND l.filename = ?`,
  markStored: `UPDATE files SET stored = 1 WHERE sha256 = ?`,
  markEvicted: `UPDATE files SET stored = 0 WHERE sha256 = ?`,
  leastRecentlyUsed: `SELECT sha256 FROM files WHERE stored = 1 ORDER BY coalesce(last_requested, first_seen) LIMIT ?`,
  setWheelMetadata: `UPDATE files SET wheel_metadata_sha256 = ? WHERE sha256 = ?`,
  touchFile: `UPDATE files SET requests = requests + 1, last_requested = ? WHERE sha256 = ?`,
  getVerdict: `SELECT * FROM verdicts WHERE sha256 = ? AND scanner_version = ?`,
  latestVerdict: `SELECT * FROM verdicts WHERE sha256 = ? ${LATEST_VERDICT_ORDER}`,
  putVerdict: `INSERT INTO verdicts (sha256, scanner_version, verdict, score, findings, reason, ms, decided_at, seq)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM verdicts))
    ON CONFLICT(sha256, scanner_version) DO UPDATE SET verdict = excluded.verdict, score = excluded.score, findings = excluded.findings,
      reason = excluded.reason, ms = excluded.ms, decided_at = excluded.decided_at, seq = excluded.seq`,
  projectStates: `SELECT f.sha256,
      (SELECT v.verdict FROM verdicts v WHERE v.sha256 = f.sha256 ORDER BY v.decided_at DESC, v.seq DESC LIMIT 1) AS verdict,
      r.state AS review
    FROM listings f LEFT JOIN reviews r ON r.sha256 = f.sha256
    WHERE f.project = ? AND (r.state IS NOT NULL OR EXISTS (SELECT 1 FROM verdicts v WHERE v.sha256 = f.sha256))`,
  getReview: `SELECT * FROM reviews WHERE sha256 = ?`,
  // One statement, so two replicas holding the same file at once open one item, not a conflict.
  holdForReview: `INSERT INTO reviews AS r (sha256, state, created_at, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT(sha256) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at WHERE r.state <> excluded.state`,
  addEvent: `INSERT INTO events (at, kind, sha256, filename, client, user_agent, request_id, detail, client_request_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  sameEvent: `SELECT id FROM events WHERE sha256 IS NOT DISTINCT FROM ? AND client IS NOT DISTINCT FROM ? AND kind = ? AND at >= ?
    AND detail IS NOT DISTINCT FROM ? ORDER BY id DESC LIMIT 1`,
  repeatEvent: `UPDATE events SET count = count + 1, last_at = ?, last_request_id = ? WHERE id = ?`,
  getPage: `SELECT body, etag, serial, fetched_at FROM pages WHERE project = ?`,
  putPage: `INSERT INTO pages (project, body, etag, serial, fetched_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT(project) DO UPDATE SET body = excluded.body, etag = excluded.etag, serial = excluded.serial, fetched_at = excluded.fetched_at`,
  storedProjects: `SELECT DISTINCT project FROM files WHERE stored = 1`,
  changeStamp: `SELECT (SELECT coalesce(max(seq), 0) FROM verdicts) AS v, (SELECT coalesce(max(updated_at), 0) FROM reviews) AS r,
    (SELECT coalesce(max(id), 0) FROM decisions) AS d`,
  storedWithLatestVerdict: `SELECT f.sha256,
      (SELECT v.scanner_version FROM verdicts v WHERE v.sha256 = f.sha256 ORDER BY v.decided_at DESC, v.seq DESC LIMIT 1) AS version,
      (SELECT v.verdict FROM verdicts v WHERE v.sha256 = f.sha256 ORDER BY v.decided_at DESC, v.seq DESC LIMIT 1) AS verdict
    FROM files f WHERE f.stored = 1 ORDER BY f.sha256`,
};

export class SqlMetadataStore implements MetadataStore {
  private readonly coalesceMs: number;

  constructor(
    private readonly db: SqlDb,
    opts: MetadataStoreOptions = {},
  ) {
    this.coalesceMs = opts.coalesceMs ?? 0;
  }

  async upsertProject(name: string, status: string | null): Promise<void> {
    const now = Date.now();
    await this.db.run(SQL.upsertProject, [name, now, now, status]);
  }

  async projectStatus(name: string): Promise<string | null> {
    return (await this.db.get<{ status: string | null }>(SQL.projectStatus, [name]))?.status ?? null;
  }

  async upsertFiles(project: string, files: NewFile[]): Promise<void> {
    const now = Date.now();
    // One upsert may not touch a row twice (PostgreSQL): a page listing a file twice keeps the last.
    const unique = [...new Map(files.map((f) => [`${f.sha256}\0${f.filename}`, f])).values()];
    // Many rows a statement: on PostgreSQL each statement is a round trip, and a 3,000-file page
    // took 3.8-5.7 s one row at a time (0.08-0.14 s on SQLite). Batch sizes are fixed so that
    // only a few statement texts exist (each is prepared once).
    await this.db.tx(async (q) => {
      for (let i = 0; i < unique.length; ) {
        const n = BATCHES.find((b) => b <= unique.length - i)!;
        const batch = unique.slice(i, i + n);
        i += n;
        await q.run(rows(SQL.insertFile, n, 8), batch.flatMap((f) => [f.sha256, f.filename, project, f.version, f.size, f.upstreamUrl, f.uploadTime, now]));
        await q.run(rows(SQL.upsertListing, n, 10), batch.flatMap((f) => [f.sha256, f.filename, project, f.version, f.size, f.upstreamUrl, f.uploadTime, f.metadataSha256, now, f.upstream ?? null]));
      }
    });
  }

  getFile(sha256: string): Promise<FileRow | undefined> {
    return this.db.get<FileRow>(SQL.getFile, [sha256]);
  }

  getListing(sha256: string, filename: string): Promise<FileRow | undefined> {
    return this.db.get<FileRow>(SQL.getListing, [sha256, filename]);
  }

  async markStored(sha256: string): Promise<void> {
    await this.db.run(SQL.markStored, [sha256]);
  }

  async markEvicted(sha256: string): Promise<void> {
    await this.db.run(SQL.markEvicted, [sha256]);
  }

  async leastRecentlyUsed(limit: number): Promise<string[]> {
    return (await this.db.all<{ sha256: string }>(SQL.leastRecentlyUsed, [limit])).map((r) => r.sha256);
  }

  async setWheelMetadata(sha256: string, metadataSha256: string): Promise<void> {
    await this.db.run(SQL.setWheelMetadata, [metadataSha256, sha256]);
  }

  async touchFile(sha256: string): Promise<void> {
    await this.db.run(SQL.touchFile, [Date.now(), sha256]);
  }

  async getVerdict(sha256: string, scannerVersion: string): Promise<VerdictRow | undefined> {
    return rowToVerdict(await this.db.get(SQL.getVerdict, [sha256, scannerVersion]));
  }

  async latestVerdict(sha256: string): Promise<VerdictRow | undefined> {
    return rowToVerdict(await this.db.get(SQL.latestVerdict, [sha256]));
  }

  async putVerdict(sha256: string, r: ScanResult, q: Sql = this.db): Promise<void> {
    await q.run(SQL.putVerdict, [sha256, r.scannerVersion, r.verdict, r.score, JSON.stringify(r.findings), r.reason ?? null, r.ms, Date.now()]);
  }

  async projectStates(project: string): Promise<Map<string, { verdict?: Verdict; review?: ReviewState }>> {
    const out = new Map<string, { verdict?: Verdict; review?: ReviewState }>();
    for (const row of await this.db.all<{ sha256: string; verdict: Verdict | null; review: ReviewState | null }>(SQL.projectStates, [project])) {
      out.set(row.sha256, { verdict: row.verdict ?? undefined, review: row.review ?? undefined });
    }
    return out;
  }

  getReview(sha256: string): Promise<ReviewRow | undefined> {
    return this.db.get<ReviewRow>(SQL.getReview, [sha256]);
  }

  async holdForReview(sha256: string, state: ReviewState, q: Sql = this.db): Promise<ReviewRow> {
    const now = Date.now();
    await q.run(SQL.holdForReview, [sha256, state, now, now]);
    return (await q.get<ReviewRow>(SQL.getReview, [sha256]))!;
  }

  async addEvent(e: EventInput): Promise<void> {
    const now = Date.now();
    const detail = e.detail === undefined ? null : JSON.stringify(e.detail);
    if (this.coalesceMs > 0) {
      const row = await this.db.get<{ id: number }>(SQL.sameEvent, [e.sha256 ?? null, e.client ?? null, e.kind, now - this.coalesceMs, detail]);
      if (row !== undefined) {
        await this.db.run(SQL.repeatEvent, [now, e.requestId ?? null, row.id]);
        return;
      }
    }
    await this.db.run(SQL.addEvent, [now, e.kind, e.sha256 ?? null, e.filename ?? null, e.client ?? null, clip(e.userAgent), e.requestId ?? null, detail, clip(e.clientRequestId)]);
  }

  getPage(project: string) {
    return this.db.get<{ body: string; etag: string | null; serial: number | null; fetched_at: number }>(SQL.getPage, [project]);
  }

  async putPage(project: string, body: string, etag: string | null, serial: number | null): Promise<void> {
    await this.db.run(SQL.putPage, [project, body, etag, serial, Date.now()]);
  }

  async storedProjects(): Promise<string[]> {
    return (await this.db.all<{ project: string }>(SQL.storedProjects)).map((r) => r.project);
  }

  storedWithLatestVerdict(): Promise<{ sha256: string; version: string | null; verdict: string | null }[]> {
    return this.db.all(SQL.storedWithLatestVerdict);
  }

  async changeStamp(): Promise<string> {
    const row = (await this.db.get<{ v: number; r: number; d: number }>(SQL.changeStamp))!;
    return `${row.v}:${row.r}:${row.d}`;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

const BATCHES = [256, 16, 1];
const rowTexts = new Map<string, string>();

/** `sql` with %ROWS% as `n` groups of `width` placeholders (cached: a handful of texts). */
function rows(sql: string, n: number, width: number): string {
  const key = `${n}\0${sql}`;
  let t = rowTexts.get(key);
  if (!t) {
    const group = `(${Array(width).fill('?').join(', ')})`;
    rowTexts.set(key, (t = sql.replace('%ROWS%', Array(n).fill(group).join(', '))));
  }
  return t;
}

function rowToVerdict(row: unknown): VerdictRow | undefined {
  if (!row) return undefined;
  const { seq: _seq, ...r } = row as Omit<VerdictRow, 'findings'> & { findings: string; seq?: number };
  return { ...r, findings: JSON.parse(r.findings) as Finding[] };
}
