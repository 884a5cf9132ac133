// Upstream index pages: cached with a TTL, revalidated with ETag/If-None-Match, persisted in
// SQLite so a restart or an upstream outage still finds them (served stale, and said so).
// Files are recorded in the store as pages are read: only a listed sha256 is ever fetched.
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
}

interface Negative {
  until: number;
}

let revisionCounter = 0;

export class PageCache {
  private readonly projects = new Map<string, CachedProject>();
  private readonly negative = new Map<string, Negative>();
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

  private loadPersisted(project: string): CachedProject | undefined {
    const row = this.store.getPage(project);
    if (!row) return undefined;
    try {
      const cached = JSON.parse(row.body) as CachedProject;
      cached.fetchedAt = 0; // always revalidate after a restart
      cached.revision = ++revisionCounter;
      this.projects.set(project, cached);
      return cached;
    } catch {
      return undefined;
    }
  }

  private async refresh(project: string): Promise<PageLookup<CachedProject> | null> {
    const cached = this.projects.get(project) ?? this.loadPersisted(project);
    let res;
    const started = performance.now();
    try {
      res = await this.upstream.project(project, cached?.etag ?? null);
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
      this.projects.set(project, cached);
      return { page: cached, stale: false };
    }
    if (cached && cached.serial !== null && res.serial !== null && res.serial < cached.serial) {
      // A lagging mirror behind a load balancer: never go back in time (PyPI's X-PyPI-Last-Serial).
      this.log.warn('upstream page has an older serial; keeping the cached page', { project, cached: cached.serial, got: res.serial });
      cached.fetchedAt = Date.now();
      return { page: cached, stale: false };
    }
    const page = this.proxy(project, res.page, res.etag, res.serial);
    this.projects.set(project, page);
    this.store.putPage(project, JSON.stringify(page), page.etag, page.serial);
    return { page, stale: false };
  }

  /** Records the listed files and rewrites their URLs to the proxy. */
  private proxy(project: string, up: ProjectPage, etag: string | null, serial: number | null): CachedProject {
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
    this.store.upsertProject(project, up.status?.status ?? null);
    this.store.upsertFiles(project, records);
    return {
      project,
      name: up.name || project,
      files,
      versions: up.versions,
      status: up.status,
      lastSerial: serial ?? up.lastSerial,
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
