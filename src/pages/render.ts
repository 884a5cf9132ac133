// Rendered index pages, kept as bytes (and gzip bytes) until the upstream page or a verdict in
// the project changes: a cached page is a Map lookup, never a re-render (issue 2's 3,000-file aim).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import { CONTENT_TYPE, renderProjectHtml, renderProjectJson, renderRootHtml, renderRootJson } from '../index/index.js';
import type { Format, IndexFile, ProjectPage, RootPage } from '../index/types.js';
import type { CachedProject } from './cache.js';
import { knownRefusal, type Decision } from '../policy/decide.js';
import type { RefusedListing } from '../config.js';

export interface Rendered {
  body: Buffer;
  etag: string;
  contentType: string;
  gzipped(): Buffer;
}

/** Policy for one listed file at render time (no fetching): the server wires store + policy in. */
export type ListingDecider = (page: CachedProject) => Promise<(file: CachedProject['files'][number]) => Decision>;

export class PageRenderer {
  private readonly cache: LRUCache<string, Rendered & { key: string }>;
  private readonly generation = new Map<string, number>();

  constructor(
    private readonly decider: ListingDecider,
    private readonly listing: () => RefusedListing,
    /** Memory budget for rendered pages; a gzip copy is counted as much as the body it compresses. */
    maxBytes = 128 * 1024 * 1024,
  ) {
    this.cache = new LRUCache({ maxSize: maxBytes, sizeCalculation: (r) => r.body.length * 2 + 64 });
  }

  /** Something changed how the project's files are listed (a verdict, a review decision). */
  invalidate(project: string): void {
    this.generation.set(project, (this.generation.get(project) ?? 0) + 1);
  }

  invalidateAll(): void {
    this.cache.clear();
  }

  async project(page: CachedProject, format: Format): Promise<Rendered> {
    const key = `${page.project}\0${format}`;
    const stamp = `${page.revision}:${this.generation.get(page.project) ?? 0}:${this.listing()}`;
    const hit = this.cache.get(key);
    if (hit && hit.key === stamp) return hit; // fast path
    const out: ProjectPage = {
      name: page.name,
      files: await this.visibleFiles(page),
      versions: page.versions ?? deriveVersions(page),
      lastSerial: page.lastSerial,
      status: page.status,
    };
    const text = format === 'json' ? renderProjectJson(out) : renderProjectHtml(out);
    const rendered = make(text, CONTENT_TYPE[format], stamp);
    this.cache.set(key, rendered);
    return rendered;
  }

  root(page: RootPage & { revision: number }, format: Format): Rendered {
    const key = `\0root\0${format}`;
    const stamp = String(page.revision);
    const hit = this.cache.get(key);
    if (hit && hit.key === stamp) return hit;
    const rendered = make(format === 'json' ? renderRootJson(page) : renderRootHtml(page), CONTENT_TYPE[format], stamp);
    this.cache.set(key, rendered);
    return rendered;
  }

  private async visibleFiles(page: CachedProject): Promise<IndexFile[]> {
    const decide = await this.decider(page);
    const decisions = page.files.map((f) => decide(f));
    // Measured with pip 18.1, 23.2.1 and 24.2 (test/e2e/refusals.test.ts): no pip prints anything
    // about a page it could not use or a project with no usable files ("from versions: none"),
    // and pip 23/24 pick a yanked file only for an exact pin. The one refusal every pip prints is
    // the 403 of a download. So when every file is refused (a denied project, a project held
    // whole), they are all listed as they are: pip picks one and prints why it was refused.
    // `hide` is the operator's explicit choice of silence and is kept.
    const chosen = this.listing();
    const mode = chosen === 'yank' && decisions.length && decisions.every(knownRefusal) ? 'show' : chosen;
    const files: IndexFile[] = [];
    page.files.forEach((f, i) => {
      const { sha256: _sha, version: _v, ...file } = f;
      const d = decisions[i];
      // Known-refused files leave the listing, or are yanked (PEP 592), so resolvers pick another
      // version (verdaccio's denied-version filter); an exact pin of a yanked one gets the clear 403.
      const refused = knownRefusal(d);
      if (refused && mode === 'hide') return;
      if (refused && mode === 'yank') file.yanked = `pywarden: ${d.reason}`;
      files.push(file);
    });
    return files;
  }
}

function deriveVersions(page: CachedProject): string[] {
  const seen = new Set<string>();
  for (const f of page.files) if (f.version) seen.add(f.version);
  return [...seen];
}

function make(text: string, contentType: string, key: string): Rendered & { key: string } {
  const body = Buffer.from(text, 'utf8');
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  let gz: Buffer | null = null;
  return { body, etag, contentType, key, gzipped: () => (gz ??= gzipSync(body, { level: 6 })) };
}
