// Optional webhook: POSTs each newly held file to a configured URL (a chat bridge, a SIEM).
// It never blocks serving: `notify` only queues; delivery runs in the background with a timeout
// per attempt and retries with backoff, and a full queue drops the oldest message (logged).
import { request } from 'undici';
import type { Logger } from '../log.js';

export interface WebhookOptions {
  url: string;
  log: Logger;
  timeoutMs?: number;
  /** Attempts per message, the first included. */
  attempts?: number;
  backoffMs?: number;
  maxQueue?: number;
  onOutcome?: (outcome: 'delivered' | 'failed' | 'dropped') => void;
}

export class Webhook {
  private readonly queue: unknown[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly o: WebhookOptions) {}

  notify(message: unknown): void {
    if (this.queue.length >= (this.o.maxQueue ?? 1000)) {
      this.queue.shift();
      this.o.onOutcome?.('dropped');
      this.o.log.warn('webhook queue full, dropped the oldest message', { url: this.o.url });
    }
    this.queue.push(message);
    // Start on the next turn of the event loop: the caller (a request being refused) goes first.
    this.running ??= new Promise((r) => setImmediate(r)).then(() => this.drain()).finally(() => (this.running = null));
  }

  /** Resolves once every queued message was delivered or given up on (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (let m = this.queue.shift(); m !== undefined; m = this.queue.shift()) await this.deliver(m);
  }

  private async deliver(message: unknown): Promise<void> {
    const attempts = this.o.attempts ?? 4;
    const body = JSON.stringify(message);
    for (let i = 1; i <= attempts; i++) {
      try {
        const timeout = this.o.timeoutMs ?? 5000;
        const res = await request(this.o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'pywarden-webhook' },
          body,
          headersTimeout: timeout,
          bodyTimeout: timeout,
          signal: AbortSignal.timeout(timeout),
        });
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode < 300) {
          this.o.onOutcome?.('delivered');
          return;
        }
        this.o.log.warn('webhook answered an error', { url: this.o.url, status: res.statusCode, attempt: i });
      } catch (err) {
        this.o.log.warn('webhook delivery failed', { url: this.o.url, reason: (err as Error).message, attempt: i });
      }
      if (i < attempts) await new Promise((r) => setTimeout(r, (this.o.backoffMs ?? 1000) * 2 ** (i - 1)).unref?.());
    }
    this.o.onOutcome?.('failed');
  }
}
