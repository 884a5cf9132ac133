// The scheduled advisory feed: the serving process fetches `intelUrl` (an OSV zip export such as
// osv.dev's PyPI all.zip, or a JSON file of records) with undici every `intelInterval` seconds and
// imports it. It never delays start-up (the first fetch runs after listen) and never stops serving:
// a failed fetch is logged and retried sooner, with back-off up to the interval. Conditional
// requests (ETag / Last-Modified) keep an unchanged export from being downloaded again.
import { request } from 'undici';
import type { Logger } from '../log.js';

export interface FeedOptions {
  url: string;
  intervalMs: number;
  log: Logger;
  /** Imports one fetched body (zip or JSON). */
  run: (body: Buffer, source: string) => Promise<unknown>;
  timeoutMs?: number;
  /** Largest body accepted. */
  maxBytes?: number;
  /** First retry after a failure; doubled each time, up to the interval. */
  retryMs?: number;
}

export class IntelFeed {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private failures = 0;
  private etag: string | null = null;
  private lastModified: string | null = null;

  constructor(private readonly o: FeedOptions) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One fetch and import now; resolves true when it worked (a 304 counts). Tests and start() use it. */
  async runOnce(): Promise<boolean> {
    try {
      await this.fetchAndImport();
      this.failures = 0;
      return true;
    } catch (err) {
      this.failures++;
      this.o.log.warn('advisory feed fetch failed; will retry', { url: this.o.url, reason: (err as Error).message, failures: this.failures, retryInMs: this.nextDelay() });
      return false;
    }
  }

  private nextDelay(): number {
    if (!this.failures) return this.o.intervalMs;
    return Math.min(this.o.intervalMs, (this.o.retryMs ?? 30_000) * 2 ** (this.failures - 1));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().then(() => {
        this.running = null;
        this.schedule(this.nextDelay());
      });
    }, ms);
    this.timer.unref();
  }

  private async fetchAndImport(): Promise<void> {
    const timeout = this.o.timeoutMs ?? 60_000;
    const headers: Record<string, string> = { 'user-agent': 'pywarden-intel', 'accept-encoding': 'identity' };
    if (this.etag) headers['if-none-match'] = this.etag;
    if (this.lastModified) headers['if-modified-since'] = this.lastModified;
    const res = await request(this.o.url, { method: 'GET', headers, headersTimeout: timeout, bodyTimeout: timeout, signal: AbortSignal.timeout(timeout * 10) });
    if (res.statusCode === 304) {
      await res.body.dump();
      this.o.log.debug('advisory feed unchanged', { url: this.o.url });
      return;
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      // Redirects are not followed: the configured URL is the one fetched, and says so when it moved.
      const moved = res.statusCode >= 300 && res.statusCode < 400 && typeof res.headers.location === 'string' ? ` (redirects to ${res.headers.location.slice(0, 200)}; configure that URL)` : '';
      throw new Error(`HTTP ${res.statusCode}${moved}`);
    }
    const max = this.o.maxBytes ?? 512 * 1024 * 1024;
    const declared = Number(res.headers['content-length']);
    // dump() with a small limit closes the connection quietly instead of reading the rest.
    const giveUp = () => res.body.dump({ limit: 0 }).catch(() => undefined);
    if (declared > max) {
      await giveUp();
      throw new Error(`body of ${declared} bytes is over the limit of ${max}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body) {
      size += (c as Buffer).length;
      if (size > max) {
        await giveUp();
        throw new Error(`body over the limit of ${max} bytes`);
      }
      chunks.push(c as Buffer);
    }
    await this.o.run(Buffer.concat(chunks), this.o.url);
    // Remember the validators only once the import worked, so a failed import is fetched again.
    const h = (k: string) => (typeof res.headers[k] === 'string' ? (res.headers[k] as string) : null);
    this.etag = h('etag');
    this.lastModified = h('last-modified');
  }
}

/**
 * Polls the store's change counter so pages rendered by this process stop listing files that an
 * import in another process (`pywarden intel import`) refused. One indexed query per period.
 */
export function watchAdvisories(generation: () => Promise<number | string>, onChange: () => void, periodMs = 5000, onError?: (err: Error) => void): () => void {
  let seen: number | string | undefined;
  void generation().then((g) => (seen ??= g), (err: Error) => onError?.(err));
  const t = setInterval(() => {
    generation().then(
      (g) => {
        if (seen !== undefined && g !== seen) onChange();
        seen = g;
      },
      (err: Error) => onError?.(err),
    );
  }, periodMs);
  t.unref();
  return () => clearInterval(t);
}
