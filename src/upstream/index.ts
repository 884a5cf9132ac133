import path from 'node:path';
import type { Config, UpstreamSpec } from '../config.js';
import type { OrgStore } from '../store/uploads.js';
import type { Claims } from './several.js';
import { FolderUpstream } from './folder.js';
import { HostedUpstream } from './hosted.js';
import { HttpUpstream, type HttpUpstreamOptions } from './http.js';
import { allowedOrigins } from './origins.js';
import { SeveralUpstreams } from './several.js';
import type { Upstream } from './types.js';

export * from './types.js';
export { FolderUpstream, HttpUpstream, HostedUpstream, SeveralUpstreams };
export { allowedOrigins } from './origins.js';

/** An http(s) URL is an index; anything else is a local folder of distributions. */
export function createUpstream(spec: string, timeoutMs: number, http: Omit<HttpUpstreamOptions, 'timeoutMs'> = {}): Upstream {
  return /^https?:\/\//i.test(spec) ? new HttpUpstream(spec, { ...http, timeoutMs }) : new FolderUpstream(spec);
}

export interface Upstreams {
  upstream: Upstream;
  /** The hosted indexes by name (uploads go there). */
  hosted: Map<string, HostedUpstream>;
}

/**
 * The configured upstreams as one. One public upstream with no routes is used as it is (no name
 * bookkeeping on the hot path); anything more goes through SeveralUpstreams. Each http(s) upstream
 * keeps its own origin allow-list (issue 10), so a page of one upstream can never make the proxy
 * fetch from another's origin, or send another's credentials.
 */
export function createUpstreams(config: Config, org: OrgStore, claims: Claims, opts: { maxPageBytes?: number } = {}): Upstreams {
  const hosted = new Map<string, HostedUpstream>();
  const build = (u: UpstreamSpec): Upstream => {
    if (u.kind === 'hosted') {
      const h = new HostedUpstream(u.name, path.join(config.data, 'hosted', u.name), org);
      hosted.set(u.name, h);
      return h;
    }
    if (u.kind === 'folder') return new FolderUpstream(u.url);
    return new HttpUpstream(u.url, {
      timeoutMs: config.upstreamTimeout,
      origins: allowedOrigins(u.url, [...config.fileOrigins, ...u.fileOrigins]),
      maxPageBytes: opts.maxPageBytes,
      auth: u.auth,
    });
  };
  const [only] = config.upstreams;
  if (config.upstreams.length === 1 && only.kind !== 'hosted' && !only.private && !only.routes.length) return { upstream: build(only), hosted };
  const sources = config.upstreams.map((u) => ({ name: u.name, upstream: build(u), private: u.private, routes: u.routes, merge: u.merge }));
  return { upstream: new SeveralUpstreams(sources, claims), hosted };
}
