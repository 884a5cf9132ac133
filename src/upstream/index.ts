import { FolderUpstream } from './folder.js';
import { HttpUpstream, type HttpUpstreamOptions } from './http.js';
import type { Upstream } from './types.js';

export * from './types.js';
export { FolderUpstream, HttpUpstream };
export { allowedOrigins } from './origins.js';

/** An http(s) URL is an index; anything else is a local folder of distributions. */
export function createUpstream(spec: string, timeoutMs: number, http: Omit<HttpUpstreamOptions, 'timeoutMs'> = {}): Upstream {
  return /^https?:\/\//i.test(spec) ? new HttpUpstream(spec, { ...http, timeoutMs }) : new FolderUpstream(spec);
}
