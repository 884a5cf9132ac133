// The one HTTP client (undici) for an upstream simple index (PyPI, a company index, a mirror).
import { Agent, request, errors } from 'undici';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseProjectHtml, parseProjectJson, parseRootHtml, parseRootJson } from '../index/index.js';
import type { ProjectPage, RootPage } from '../index/types.js';
import { UpstreamError, type PageResult, type Upstream } from './types.js';
import { OriginPolicy, allowedOrigins, type AllowedOrigin } from './origins.js';
import type { UpstreamAuth } from '../config.js';

// Ask for JSON first (PEP 691), HTML as the fallback for older indexes.
const ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';
const USER_AGENT = 'pywarden (+https://github.com/pywarden/pywarden)';
/** An index page must arrive whole within this many upstream timeouts (4 × 30 s by default). */
const PAGE_DEADLINE_FACTOR = 4;
/** A file body slower than this over a whole timeout window is cut off (curl's --speed-limit). */
const MIN_BYTES_PER_SECOND = 1024;

/**
 * The idle timeout alone lets an upstream that sends a few bytes now and then hold a download
 * open forever; a deadline would cut off large files on slow links. So, as curl's --speed-limit:
 * fewer than MIN_BYTES_PER_SECOND on average over any window of `windowMs` ends the download
 * with a timeout. 1 KiB/s is far below any working link.
 */
function withMinRate(body: Readable, windowMs: number, url: string): Readable {
  let bytes = 0;
  const counted = new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  const floor = (MIN_BYTES_PER_SECOND * windowMs) / 1000;
  const timer = setInterval(() => {
    if (bytes < floor) counted.destroy(new UpstreamError('timeout', `upstream sent ${bytes} bytes of ${url} in ${windowMs} ms, under ${MIN_BYTES_PER_SECOND} bytes/s`));
    bytes = 0;
  }, windowMs);
  timer.unref();
  counted.once('close', () => clearInterval(timer));
  pipeline(body, counted).catch(() => undefined); // errors reach the reader through `counted`
  return counted;
}

export interface HttpUpstreamOptions {
  timeoutMs: number;
  /** Largest index page accepted, in bytes. */
  maxPageBytes?: number;
  /** Where files may be fetched from; default: the upstream's origin (and PyPI's files host for PyPI). */
  origins?: AllowedOrigin[];
  /** DNS lookup behind the address check (tests stage a rebinding name with it). */
  resolve?: ConstructorParameters<typeof OriginPolicy>[1];
  /** Sent only to the upstream's own origin, never to a files host it links to (pip does the same). */
  auth?: UpstreamAuth | null;
}

/** The Authorization header value for these credentials. */
export function authorization(auth: UpstreamAuth): string {
  return 'token' in auth ? `Bearer ${auth.token}` : `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

/** The URL without user and password: what logs, errors and pages may show. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}

export class HttpUpstream implements Upstream {
  readonly description: string;
  private readonly agent: Agent;
  private readonly maxPageBytes: number;
  private readonly origins: OriginPolicy;
  private readonly base: string;
  private readonly baseOrigin: string;
  private readonly authHeader: string | null;

  constructor(
    base: string,
    private readonly opts: HttpUpstreamOptions,
  ) {
    // Credentials in the URL become a header: a URL is printed in errors and logs, a header is not.
    const u = new URL(base);
    const inUrl = u.username || u.password ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : null;
    const auth = opts.auth ?? inUrl;
    this.authHeader = auth ? authorization(auth) : null;
    this.base = withoutCredentials(base);
    this.baseOrigin = u.origin;
    this.description = this.base;
    this.maxPageBytes = opts.maxPageBytes ?? 256 * 1024 * 1024;
    this.origins = new OriginPolicy(opts.origins ?? allowedOrigins(base, []), opts.resolve);
    this.agent = new Agent({
      // Every connection's addresses pass the origin policy at connect time (no DNS-rebinding gap).
      connect: { lookup: this.origins.lookup },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connectTimeout: Math.min(opts.timeoutMs, 10_000),
      keepAliveTimeout: 30_000,
    });
  }

  project(name: string, etag?: string | null): Promise<PageResult<ProjectPage>> {
    const url = new URL(`${encodeURIComponent(name)}/`, this.base).href;
    return this.page(url, etag, (body, json) => (json ? parseProjectJson(body, url) : parseProjectHtml(body, url)));
  }

  root(etag?: string | null): Promise<PageResult<RootPage>> {
    return this.page(this.base, etag, (body, json) => (json ? parseRootJson(body) : parseRootHtml(body)));
  }

  private async page<T>(url: string, etag: string | null | undefined, parse: (body: string, json: boolean) => T): Promise<PageResult<T>> {
    const headers: Record<string, string> = { accept: ACCEPT, 'user-agent': USER_AGENT, 'accept-encoding': 'identity' };
    if (this.authHeader) headers.authorization = this.authHeader;
    if (etag) headers['if-none-match'] = etag;
    // A whole page within PAGE_DEADLINE_FACTOR × the timeout: the idle timeout alone lets an upstream
    // that sends a byte now and then hold a page fetch (and the client waiting on it) forever.
    const res = await this.send(url, headers, AbortSignal.timeout(this.opts.timeoutMs * PAGE_DEADLINE_FACTOR));
    if (res.statusCode === 304) {
      res.body.resume();
      return { status: 'not-modified' };
    }
    if (res.statusCode === 404 || res.statusCode === 410) {
      res.body.resume();
      return { status: 'not-found' };
    }
    this.expectOk(url, res.statusCode, res.body);
    const declared = Number(res.headers['content-length']);
    if (declared > this.maxPageBytes) {
      res.body.destroy();
      throw new UpstreamError('too-large', `upstream page ${url} is ${declared} bytes, over the ${this.maxPageBytes} byte limit`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.maxPageBytes) {
          res.body.destroy();
          throw new UpstreamError('too-large', `upstream page ${url} exceeds the ${this.maxPageBytes} byte limit`);
        }
        chunks.push(chunk);
      }
    } catch (err) {
      throw toUpstreamError(err, url);
    }
    const contentType = String(res.headers['content-type'] ?? '');
    const json = /json/i.test(contentType);
    let page: T;
    try {
      page = parse(Buffer.concat(chunks).toString('utf8'), json);
    } catch (err) {
      throw new UpstreamError('invalid-page', `upstream page ${url} could not be parsed: ${(err as Error).message}`);
    }
    const serialHeader = Number(res.headers['x-pypi-last-serial']);
    const serial = Number.isFinite(serialHeader) ? serialHeader : ((page as { lastSerial?: number }).lastSerial ?? null);
    const tag = res.headers['etag'];
    return { status: 'ok', page, etag: typeof tag === 'string' ? tag : null, serial };
  }

  async open(url: string): Promise<{ body: Readable; length: number | null }> {
    // A page's URL is fetched only from an allowed origin (issue 10): nothing is sent otherwise.
    this.origins.check(url);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: '*/*', 'accept-encoding': 'identity' };
    if (this.authHeader && new URL(url).origin === this.baseOrigin) headers.authorization = this.authHeader;
    const res = await this.send(url, headers);
    this.expectOk(url, res.statusCode, res.body);
    const length = Number(res.headers['content-length']);
    return { body: withMinRate(res.body, this.opts.timeoutMs, url), length: Number.isFinite(length) ? length : null };
  }

  private async send(url: string, headers: Record<string, string>, signal?: AbortSignal) {
    try {
      return await request(url, { method: 'GET', headers, dispatcher: this.agent, signal });
    } catch (err) {
      throw toUpstreamError(err, url);
    }
  }

  private expectOk(url: string, status: number, body: Readable): void {
    if (status === 200) return;
    body.resume();
    if (status >= 300 && status < 400) {
      // Redirects are not followed: the proxy only ever fetches URLs that a page listed.
      throw new UpstreamError('redirect', `upstream answered ${status} (redirect) for ${url}; redirects are not followed`);
    }
    throw new UpstreamError('bad-status', `upstream answered ${status} for ${url}`);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function toUpstreamError(err: unknown, url: string): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const code = (err as { code?: string })?.code ?? (err as { cause?: { code?: string } })?.cause?.code;
  if (code === 'EPYWARDEN_FORBIDDEN_ADDRESS') return new UpstreamError('forbidden-origin', (err as Error).message);
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError || err instanceof errors.ConnectTimeoutError) {
    return new UpstreamError('timeout', `upstream timed out for ${url}`);
  }
  if ((err as Error)?.name === 'TimeoutError') {
    return new UpstreamError('timeout', `upstream did not send the whole page of ${url} in time`);
  }
  const msg = (err as Error)?.message ?? String(err);
  return new UpstreamError('unreachable', `upstream request for ${url} failed: ${msg}`);
}
