// Upstream index pages: cached with a TTL, revalidated with ETag/If-None-Match, persisted in
// SQLite so a restart or an upstream outage still finds them (served stale, and said so).
// Files are recorded in the store as pages are read: only a listed sha256 is ever fetched.
// Memory is bounded (issue 10: 6,000 distinct pages grew the process by 400 MiB): parsed pages
// live in an LRU sized in estimated bytes, and a page over the file limit is refused uncached;
// an evicted page comes back from SQLite and is revalidated with its ETag.
import { LRUCache } from 'lru-cache';
import { isWheel, normalizeName, versionFromFilename } from '../index/index.js';
import type { IndexFile, ProjectPage, RootPage } from '../index/types.js';
import type { MetadataStore, NewFile } from '../store/metadata.js';
import { UpstreamError, type Upstream } from '../upstream/types.js';
import type { Logger } from '../log.js';

/** A project page as the proxy serves it: file URLs point at the proxy. */
export interface ProxiedFile extends IndexFile {
  sha256: string;
  version: string | null;
}

export interface CachedProject {
  project: string;
  name: string;
  files: ProxiedFile[];
  versions?: string[];
  status?: ProjectPage['status'];
  lastSerial?: number;
  etag: string | null;
  serial: number | null;
  fetchedAt: number;
  /** Bumped whenever the upstream content changed. */
  revision: number;
  /** Upstream has answered with an older serial since this time, this many times (see SERIAL_REGRESSION_*). */
  regression?: { since: number; tries: number };
}

export interface PageLookup<T> {
  page: T;
  /** True when upstream could not be reached and an older copy is served. */
  stale: boolean;
  /** Present on a stale answer: why upstream failed. */
  staleReason?: string;
}

export interface PageCacheOptions {
  ttlMs: number;
  negativeTtlMs: number;
  /** The file URL the proxy serves for a file (relative to the project page). */
  fileUrl?: (sha256: string, filename: string) => string;
  /** Memory budget for parsed pages, in estimated bytes. */
  maxBytes?: number;
  /** Most files a page may list; a longer page is refused and not cached. */
  maxFiles?: number;
}

interface Negative {
  until: number;
}

let revisionCounter = 0;

/**
 * A cached page costs about this many times its persisted JSON text in V8's heap: 1.8 from a
 * JSON upstream page, 2.3 from an HTML one (`node --expose-gc bench/page-heap.mjs json|html`).
 */
const HEAP_PER_JSON_BYTE = 2.5;
/** "Not found" answers remembered at most (each is a name and a time; random names must not grow memory). */
const MAX_NEGATIVE = 10_000;

/**
 * PyPI's serial (X-PyPI-Last-Serial, `_last-serial`) was about 30 million in 2026 and grows by a
 * few million a year; 2^31 − 1 leaves centuries of room. A larger value (issue 10: 2^53 − 1) is
 * a broken or hostile answer and is ignored, so it cannot make every later page look older.
 */
export const MAX_PLAUSIBLE_SERIAL = 2 ** 31 - 1;
/**
 * An older serial than the cached page's is a lagging mirror behind a load balancer: the cached
 * page is kept, but only for this long or this many answers, whichever ends first. After that
 * the older page is accepted: a lagging mirror catches up within minutes, and a serial that
 * stays lower is a reset or re-created index, whose current page must win.
 */
export const SERIAL_REGRESSION_TRIES = 3;
export const SERIAL_REGRESSION_MS = 10 * 60_000;

export function plausibleSerial(n: unknown): number | null {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_PLAUSIBLE_SERIAL ? n : null;
}

export class PageCache {
  private readonly projects: LRUCache<string, CachedProject>;
  /** Estimated heap bytes of each cached page, measured once from its JSON text. */
  private readonly sizes = new WeakMap<CachedProject, number>();
  private readonly negative = new LRUCache<string, Negative>({ max: MAX_NEGATIVE });
  private readonly inflight = new Map<string, Promise<PageLookup<CachedProject> | null>>();
  private rootEntry: { page: RootPage; fetchedAt: number; etag: string | null; revision: number } | null = null;
  private rootInflight: Promise<PageLookup<RootPage & { revision: number }>> | null = null;
  private readonly fileUrl: (sha256: string, filename: string) => string;

  constructor(
    private readonly upstream: Upstream,
    private readonly store: MetadataStore,
    private readonly log: Logger,
    private readonly opts: PageCacheOptions,
  ) {
    // Relative to /simple/<project>/ so the proxy also works behind a path prefix.
    this.fileUrl = opts.fileUrl ?? ((sha, fn) => `../../files/${sha}/${encodeURIComponent(fn)}`);
    this.projects = new LRUCache<string, CachedProject>({
      maxSize: opts.maxBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (p) => this.sizes.get(p) ?? 1,
    });
  }

  /** Estimated bytes held by parsed pages (never above the budget). */
  get cachedBytes(): number {
    return this.projects.calculatedSize;
  }

  private remember(project: string, page: CachedProject, json: string): void {
    this.sizes.set(page, Math.ceil(json.length * HEAP_PER_JSON_BYTE));
    this.projects.set(project, page);
  }

  /** The project's page, or null when upstream does not know it. Throws UpstreamError when neither upstream nor cache can answer. */
  async project(name: string): Promise<PageLookup<CachedProject> | null> {
    const project = normalizeName(name);
    // Fast path: a fresh page in memory answers without touching upstream or SQLite.
    const hit = this.projects.get(project);
    if (hit && Date.now() - hit.fetchedAt < this.opts.ttlMs) return { page: hit, stale: false };
    const neg = this.negative.get(project);
    if (!hit && neg && neg.until > Date.now()) return null;
    let p = this.inflight.get(project);
    if (!p) {
      p = this.refresh(project).finally(() => this.inflight.delete(project));
      this.inflight.set(project, p);
    }
    return p;
  }

  private async loadPersisted(project: string): Promise<CachedProject | undefined> {
    const row = await this.store.getPage(project);
    if (!row) return undefined;
    try {
      const cached = JSON.parse(row.body) as CachedProject;
      cached.fetchedAt = 0; // always revalidate after a restart or an eviction
      cached.revision = ++revisionCounter;
      // Copies persisted before serials were checked may hold an implausible one.
      cached.serial = plausibleSerial(cached.serial);
      cached.lastSerial = plausibleSerial(cached.lastSerial) ?? undefined;
      this.remember(project, cached, row.body);
      return cached;
    } catch {
      return undefined;
    }
  }

  private async refresh(project: string): Promise<PageLookup<CachedProject> | null> {
    const cached = this.projects.get(project) ?? (await this.loadPersisted(project));
    let res;
    const started = performance.now();
    try {
      res = await this.upstream.project(project, cached?.etag ?? null);
      const max = this.opts.maxFiles;
      if (res.status === 'ok' && max !== undefined && res.page.files.length > max) {
        throw new UpstreamError('too-large', `upstream page of ${project} lists ${res.page.files.length} files, over the limit of ${max} (maxPageFiles)`);
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (cached) {
        this.log.warn('upstream failed, serving a stale page', { project, reason });
        return { page: cached, stale: true, staleReason: reason };
      }
      throw err;
    }
    this.log.debug('upstream page', { project, status: res.status, ms: Math.round(performance.now() - started) });
    if (res.status === 'not-found') {
      this.negative.set(project, { until: Date.now() + this.opts.negativeTtlMs });
      this.projects.delete(project);
      return null;
    }
    this.negative.delete(project);
    if (res.status === 'not-modified') {
      if (!cached) throw new UpstreamError('invalid-page', `upstream answered 304 for ${project} without a cached copy`);
      cached.fetchedAt = Date.now();
      if (!this.projects.has(project)) this.remember(project, cached, JSON.stringify(cached));
      return { page: cached, stale: false };
    }
    const serial = plausibleSerial(res.serial);
    if (res.serial !== null && serial === null) this.log.warn('upstream sent an implausible serial; ignored', { project, serial: String(res.serial) });
    if (cached && cached.serial !== null && serial !== null && serial < cached.serial && (await this.keepDespiteOlderSerial(project, cached, serial))) {
      return { page: cached, stale: false };
    }
    const page = await this.proxy(project, res.page, res.etag, serial);
    const json = JSON.stringify(page);
    this.remember(project, page, json);
    await this.store.putPage(project, json, page.etag, page.serial);
    return { page, stale: false };
  }

  /** PyPI's X-PyPI-Last-Serial: a lagging mirror must not take a project back in time, but only for a bounded while. */
  private async keepDespiteOlderSerial(project: string, cached: CachedProject, serial: number): Promise<boolean> {
    const now = Date.now();
    const r = cached.regression ?? { since: now, tries: 0 };
    r.tries++;
    if (r.tries >= SERIAL_REGRESSION_TRIES || now - r.since >= SERIAL_REGRESSION_MS) {
      this.log.warn('upstream keeps sending an older serial; accepting its page', { project, cached: cached.serial, got: serial, tries: r.tries, sinceMs: now - r.since });
      return false;
    }
    this.log.warn('upstream page has an older serial; keeping the cached page', { project, cached: cached.serial, got: serial, tries: r.tries });
    cached.regression = r;
    cached.fetchedAt = now;
    // Persisted too, so neither an eviction nor a restart restarts the count.
    await this.store.putPage(project, JSON.stringify(cached), cached.etag, cached.serial);
    return true;
  }

  /** Records the listed files and rewrites their URLs to the proxy. */
  private async proxy(project: string, up: ProjectPage, etag: string | null, serial: number | null): Promise<CachedProject> {
    const quarantined = up.status?.status === 'quarantined';
    const files: ProxiedFile[] = [];
    const records: NewFile[] = [];
    let skipped = 0;
    // PEP 792: a quarantined project offers no files.
    for (const f of quarantined ? [] : up.files) {
      const sha256 = f.hashes.sha256?.toLowerCase();
      if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) {
        // Fail closed: without a listed sha256 the bytes cannot be verified, so the file is not offered.
        skipped++;
        continue;
      }
      const version = versionFromFilename(f.filename, project);
      const upstreamMeta = typeof f.coreMetadata === 'object' ? f.coreMetadata : undefined;
      records.push({
        sha256,
        filename: f.filename,
        version,
        size: f.size ?? null,
        upstreamUrl: f.url,
        uploadTime: f.uploadTime ?? null,
        metadataSha256: upstreamMeta?.sha256?.toLowerCase() ?? null,
        upstream: f.upstream ?? null,
      });
      files.push({
        ...f,
        sha256,
        version,
        url: this.fileUrl(sha256, f.filename),
        // Every wheel gets a .metadata URL: upstream's (hash known) or extracted after the wheel is checked.
        coreMetadata: upstreamMeta?.sha256 ? upstreamMeta : isWheel(f.filename) ? true : undefined,
      });
    }
    if (skipped) this.log.warn('files without a sha256 are not offered', { project, skipped });
    await this.store.upsertProject(project, up.status?.status ?? null);
    await this.store.upsertFiles(project, records);
    return {
      project,
      name: up.name || project,
      files,
      versions: up.versions,
      status: up.status,
      lastSerial: serial ?? plausibleSerial(up.lastSerial) ?? undefined,
      etag,
      serial,
      fetchedAt: Date.now(),
      revision: ++revisionCounter,
    };
  }

  async root(): Promise<PageLookup<RootPage & { revision: number }>> {
    const hit = this.rootEntry;
    if (hit && Date.now() - hit.fetchedAt < this.opts.ttlMs) return { page: { ...hit.page, revision: hit.revision }, stale: false };
    this.rootInflight ??= this.refreshRoot().finally(() => (this.rootInflight = null));
    return this.rootInflight;
  }

  private async refreshRoot(): Promise<PageLookup<RootPage & { revision: number }>> {
    const cached = this.rootEntry;
    try {
      const res = await this.upstream.root(cached?.etag ?? null);
      if (res.status === 'ok') {
        this.rootEntry = { page: res.page, fetchedAt: Date.now(), etag: res.etag, revision: ++revisionCounter };
      } else if (res.status === 'not-modified' && cached) {
        cached.fetchedAt = Date.now();
      } else {
        this.rootEntry = { page: { projects: [] }, fetchedAt: Date.now(), etag: null, revision: ++revisionCounter };
      }
      return { page: { ...this.rootEntry!.page, revision: this.rootEntry!.revision }, stale: false };
    } catch (err) {
      if (cached) return { page: { ...cached.page, revision: cached.revision }, stale: true, staleReason: (err as Error).message };
      throw err;
    }
  }

  /** Drops the in-memory copy (tests, admin). */
  forget(project: string): void {
    this.projects.delete(normalizeName(project));
    this.negative.delete(normalizeName(project));
  }
}
