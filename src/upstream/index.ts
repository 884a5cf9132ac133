import { FolderUpstream } from './folder.js';
import { HttpUpstream } from './http.js';
import type { Upstream } from './types.js';

export * from './types.js';
export { FolderUpstream, HttpUpstream };

/** An http(s) URL is an index; anything else is a local folder of distributions. */
export function createUpstream(spec: string, timeoutMs: number, maxPageBytes?: number): Upstream {
  return /^https?:\/\//i.test(spec) ? new HttpUpstream(spec, { timeoutMs, maxPageBytes }) : new FolderUpstream(spec);
}
