// The proxy's metrics: what an operator needs to see that the cache works and the gate holds.
// Requests by route and status, cache hits and misses by kind, upstream latency, scan latency,
// verdicts by kind, queue depth, bytes served.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Upstream } from '../upstream/types.js';
import { Counter, Gauge, Histogram, Registry, CONTENT_TYPE, seriesKey } from './registry.js';

export { CONTENT_TYPE } from './registry.js';

/** Per-request scratch: did this request reach upstream? (A page or file served without it is a cache hit.) */
const requestScope = new AsyncLocalStorage<{ upstream: boolean }>();

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  readonly requests = this.registry.register(new Counter('pywarden_http_requests_total', 'HTTP requests by route and status.'));
  readonly requestSeconds = this.registry.register(new Histogram('pywarden_http_request_duration_seconds', 'HTTP request latency by route.', SECONDS));
  readonly cache = this.registry.register(new Counter('pywarden_cache_requests_total', 'Index pages and files answered from the cache (hit) or with an upstream call (miss).'));
  readonly upstreamSeconds = this.registry.register(new Histogram('pywarden_upstream_duration_seconds', 'Upstream call latency by kind (page, root, file: time to headers).', SECONDS));
  readonly upstreamErrors = this.registry.register(new Counter('pywarden_upstream_errors_total', 'Upstream calls that failed, by kind.'));
  readonly scanSeconds = this.registry.register(new Histogram('pywarden_scan_duration_seconds', 'Scan latency by verdict.', SECONDS));
  readonly verdicts = this.registry.register(new Counter('pywarden_verdicts_total', 'Scan verdicts by kind.'));
  readonly bytesServed = this.registry.register(new Counter('pywarden_bytes_served_total', 'Distribution bytes sent to clients.'));
  readonly bytesDownloaded = this.registry.register(new Counter('pywarden_upstream_bytes_total', 'Distribution bytes fetched from upstream.'));
  readonly webhook = this.registry.register(new Counter('pywarden_webhook_deliveries_total', 'Webhook deliveries by outcome.'));

  /** Review queue depth as last read from the store: read before each scrape, the gauge reports it. */
  private depth: Record<string, number> = {};

  constructor(private readonly queueDepth?: () => Promise<Record<string, number>>) {
    // Unlabelled counters show 0 from the first scrape, so rate() works before the first byte.
    this.bytesServed.inc({}, 0);
    this.bytesDownloaded.inc({}, 0);
    if (queueDepth) {
      this.registry.register(
        new Gauge('pywarden_review_queue_depth', 'Review items by state.', (set) => {
          for (const [state, n] of Object.entries(this.depth)) set({ state }, n);
        }),
      );
    }
  }

  async render(): Promise<string> {
    if (this.queueDepth) this.depth = await this.queueDepth();
    return this.registry.render();
  }

  onScan = (verdict: string, ms: number): void => {
    this.verdicts.inc({ verdict });
    this.scanSeconds.observe({ verdict }, ms / 1000);
  };

  onDownload = (bytes: number): void => {
    this.bytesDownloaded.inc({}, bytes);
  };

  onBytesServed = (bytes: number): void => {
    this.bytesServed.inc({}, bytes);
  };

  /** Request metrics middleware: the route label is Hono's matched pattern, never the raw path (bounded cardinality). */
  middleware(): MiddlewareHandler {
    const m = { requests: this.requests, requestSeconds: this.requestSeconds, cache: this.cache };
    // The series keys of each route, method and status seen, computed once (bounded: routes ×
    // methods × statuses), so a request adds to three counters without building label strings.
    const keys = new Map<string, { requests: string; seconds: string; kind: string | null }>();
    const cacheKeys = new Map<string, string>();
    return async function measure(c, next) {
      const started = performance.now();
      const scope = { upstream: false };
      await requestScope.run(scope, next);
      const route = routeOf(c);
      const status = c.res.status;
      const id = `${route} ${c.req.method} ${status}`;
      let k = keys.get(id);
      if (!k) {
        const kind = route === '/simple/:project/' ? 'page' : route === '/files/:sha256/:filename' ? 'file' : null;
        keys.set(id, (k = { requests: seriesKey({ route, method: c.req.method, status: String(status) }), seconds: seriesKey({ route }), kind }));
      }
      m.requests.incKey(k.requests);
      m.requestSeconds.observeKey(k.seconds, (performance.now() - started) / 1000);
      if (k.kind && status < 500) {
        const kind = k.kind === 'file' && c.req.path.endsWith('.metadata') ? 'metadata' : k.kind;
        const result = scope.upstream ? 'miss' : 'hit';
        const ck = `${kind} ${result}`;
        let key = cacheKeys.get(ck);
        if (!key) cacheKeys.set(ck, (key = seriesKey({ kind, result })));
        m.cache.incKey(key);
      }
    };
  }

  /** Wraps the upstream client to time its calls and mark the current request as a cache miss. */
  instrument(u: Upstream): Upstream {
    const m = { upstreamSeconds: this.upstreamSeconds, upstreamErrors: this.upstreamErrors };
    const timed = <T>(kind: string, p: () => Promise<T>): Promise<T> => {
      const scope = requestScope.getStore();
      if (scope) scope.upstream = true;
      const started = performance.now();
      return p().then(
        (v) => {
          m.upstreamSeconds.observe({ kind }, (performance.now() - started) / 1000);
          return v;
        },
        (err: unknown) => {
          m.upstreamErrors.inc({ kind });
          throw err;
        },
      );
    };
    return new Proxy(u, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        if (prop === 'project' || prop === 'root' || prop === 'open') {
          const kind = prop === 'open' ? 'file' : prop === 'root' ? 'root' : 'page';
          return (...args: unknown[]) => timed(kind, () => (v as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        }
        return v.bind(target);
      },
    });
  }
}

/** Hono reports "/*" for requests no route matched; name them so 404 floods stay one series. */
function routeOf(c: Context): string {
  const handler = matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1);
  return handler ? labelOf(handler.path) : c.req.path.startsWith('/-/api/') ? '/-/api/*' : 'unmatched';
}

/** routeLabel of each registered pattern, computed once (the patterns are the app's routes: bounded). */
const labels = new Map<string, string>();
function labelOf(pattern: string): string {
  let l = labels.get(pattern);
  if (l === undefined) labels.set(pattern, (l = routeLabel(pattern)));
  return l;
}

/** A route as people write it: `/simple/:project{[^/]+}/` is labelled `/simple/:project/` (the regex constrains, it does not name). */
export function routeLabel(pattern: string): string {
  return pattern.replace(/(:\w+)\{(?:[^{}]|\{[^{}]*\})*\}/g, '$1');
}

export { Counter, Gauge, Histogram, Registry, CONTENT_TYPE as METRICS_CONTENT_TYPE };
