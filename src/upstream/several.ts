// Several upstreams as one index (issue 12). A project is served from the first upstream that has
// it, private upstreams first; a name found on a private upstream is never looked up on a public
// one (a merge of the two is exactly how dependency confusion works: pip --extra-index-url takes
// the higher version wherever it is). A name is remembered as private (claims) once seen, so a
// private index answering "not found" by mistake later does not open the name to the public.
// A private upstream that cannot be reached fails the lookup: the page cache then serves its stale
// copy or an error, never the public page. Routes pin name patterns to one upstream; a private
// upstream may name projects whose public files are listed after its own (merge).
import { normalizeName } from '../index/index.js';
import type { IndexFile, ProjectPage, RootPage } from '../index/types.js';
import { UpstreamError, type PageResult, type Upstream } from './types.js';

export interface Source {
  name: string;
  upstream: Upstream;
  private: boolean;
  /** Name patterns served only from this source. */
  routes: string[];
  /** Names whose public files are listed after this private source's own. */
  merge: string[];
}

/** Where private names are remembered (the store's claims table). */
export interface Claims {
  claim(project: string, upstream: string): Promise<boolean>;
  claimOf(project: string): Promise<string | undefined>;
}

/** "acme-*" → /^acme-.*$/ over normalized names. */
export function patternMatcher(patterns: string[]): (name: string) => boolean {
  if (!patterns.length) return () => false;
  const re = new RegExp(`^(?:${patterns.map((p) => p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')).join('|')})$`);
  return (name) => re.test(name);
}

interface Compiled extends Source {
  routed: (name: string) => boolean;
  merges: (name: string) => boolean;
}

interface Hit {
  source: Compiled;
  page: ProjectPage;
  etag: string | null;
  serial: number | null;
}

/**
 * The page cache keeps one ETag per project; here it records which sources made the page and
 * their own ETags, so a 304 is asked for only from the source that served the cached copy.
 */
function encodeTag(hits: { source: Compiled; etag: string | null }[]): string {
  return 'pywarden-several:' + JSON.stringify(hits.map((h) => [h.source.name, h.etag]));
}

function decodeTag(tag: string | null | undefined): [string, string | null][] | null {
  if (!tag?.startsWith('pywarden-several:')) return null;
  try {
    const v = JSON.parse(tag.slice('pywarden-several:'.length)) as unknown;
    return Array.isArray(v) ? (v as [string, string | null][]) : null;
  } catch {
    return null;
  }
}

export class SeveralUpstreams implements Upstream {
  readonly description: string;
  private readonly sources: Compiled[];
  private readonly byName: Map<string, Compiled>;

  constructor(
    sources: Source[],
    private readonly claims: Claims,
  ) {
    this.sources = sources.map((s) => ({ ...s, routed: patternMatcher(s.routes), merges: patternMatcher(s.merge) }));
    this.byName = new Map(this.sources.map((s) => [s.name, s]));
    this.description = this.sources.map((s) => `${s.name}${s.private ? ' (private)' : ''}: ${s.upstream.description}`).join(', ');
  }

  async project(name: string, etag?: string | null): Promise<PageResult<ProjectPage>> {
    const project = normalizeName(name);
    const previous = decodeTag(etag);
    // Only the single source that made the cached page may answer 304 for it.
    const single = previous?.length === 1 ? previous[0] : null;
    const pinned = this.sources.find((s) => s.routed(project));
    const claimedBy = pinned ? undefined : await this.claims.claimOf(project);
    const hits: Hit[] = [];
    let owner: Compiled | undefined;
    for (const s of pinned ? [pinned] : this.sources) {
      if (!s.private) {
        if (owner ? !owner.merges(project) : claimedBy !== undefined) break; // never public
        if (hits.some((h) => !h.source.private)) break; // the first public source that has it
      } else if (owner) {
        continue; // the first private source that has it owns it
      }
      const tag = single && single[0] === s.name && !owner ? single[1] : null;
      const res = await s.upstream.project(project, tag);
      if (res.status === 'not-found') continue;
      // The cached page came from this source alone, and no source before it has the name now.
      if (res.status === 'not-modified') {
        if (s.private) await this.remember(project, s);
        return res;
      }
      hits.push({ source: s, page: res.page, etag: res.etag, serial: res.serial });
      if (!s.private) break;
      owner = s;
      await this.remember(project, s);
      if (!s.merges(project)) break;
    }
    if (!hits.length) return { status: 'not-found' };
    const sameSources = previous !== null && previous.length === hits.length && hits.every((h, i) => previous[i][0] === h.source.name);
    // A serial compares only pages of the same source (a private index's serial is no older than PyPI's).
    const serial = sameSources && hits.length === 1 ? hits[0].serial : null;
    return { status: 'ok', page: merged(project, hits), etag: encodeTag(hits), serial };
  }

  private async remember(project: string, s: Compiled): Promise<void> {
    await this.claims.claim(project, s.name);
  }

  /**
   * Claims every name the private upstreams list on their root page, so the typosquat check and
   * the public-lookup ban know them before anyone asks for them. Returns how many were new.
   */
  async learnPrivateNames(): Promise<number> {
    let added = 0;
    for (const s of this.sources) {
      if (!s.private) continue;
      const res = await s.upstream.root(null);
      if (res.status !== 'ok') continue;
      for (const p of res.page.projects) if (await this.claims.claim(normalizeName(p), s.name)) added++;
    }
    return added;
  }

  async root(): Promise<PageResult<RootPage>> {
    const names = new Set<string>();
    for (const s of this.sources) {
      const res = await s.upstream.root(null);
      if (res.status === 'ok') for (const p of res.page.projects) names.add(p);
    }
    return { status: 'ok', page: { projects: [...names].sort() }, etag: null, serial: null };
  }

  open(url: string, from?: string | null) {
    // Rows listed before upstreams had names came from the one upstream, which is named "default".
    const s = this.byName.get(from ?? 'default');
    if (!s) return Promise.reject(new UpstreamError('forbidden-origin', `${url} was listed by upstream "${from ?? 'default'}", which is not configured now; not fetched`));
    return s.upstream.open(url, from);
  }

  async close(): Promise<void> {
    for (const s of this.sources) await s.upstream.close?.();
  }
}

/** One source's page, or a private page followed by the public files it does not already have. */
function merged(project: string, hits: Hit[]): ProjectPage {
  const first = hits[0].page;
  const seen = new Set<string>();
  const files: IndexFile[] = [];
  for (const h of hits) {
    for (const f of h.page.files) {
      if (seen.has(f.filename)) continue;
      seen.add(f.filename);
      files.push({ ...f, upstream: h.source.name });
    }
  }
  const versions = hits.some((h) => h.page.versions) ? [...new Set(hits.flatMap((h) => h.page.versions ?? []))] : undefined;
  return { name: first.name || project, files, versions, status: first.status, lastSerial: hits.length === 1 ? first.lastSerial : undefined };
}
