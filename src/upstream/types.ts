import type { Readable } from 'node:stream';
import type { ProjectPage, RootPage } from '../index/types.js';

export type PageResult<T> =
  | { status: 'ok'; page: T; etag: string | null; serial: number | null }
  | { status: 'not-modified' }
  | { status: 'not-found' };

/** Where distributions come from: an HTTP(S) simple index, or a local folder of files. */
export interface Upstream {
  readonly description: string;
  project(name: string, etag?: string | null): Promise<PageResult<ProjectPage>>;
  root(etag?: string | null): Promise<PageResult<RootPage>>;
  /**
   * Opens a file body. Callers only pass URLs this upstream listed on a page, with the name of the
   * upstream that listed it (IndexFile.upstream) when there are several.
   */
  open(url: string, from?: string | null): Promise<{ body: Readable; length: number | null }>;
  close?(): Promise<void>;
}

export type UpstreamErrorCode = 'unreachable' | 'timeout' | 'bad-status' | 'redirect' | 'too-large' | 'invalid-page' | 'truncated' | 'hash-mismatch'
  /** A URL outside the upstream's own origin and the configured file origins, or a forbidden address (issue 10). */
  | 'forbidden-origin'
  /** Bytes listed as PEP 658 metadata that are not core metadata. */
  | 'invalid-metadata';

/** Any failure talking to upstream. The server answers 504 for timeouts and 502 otherwise. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly code: UpstreamErrorCode,
    message: string,
  ) {
    super(message);
  }
  get status(): 502 | 504 {
    return this.code === 'timeout' ? 504 : 502;
  }
}
