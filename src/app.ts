// createApp(deps): mounts the routes and the one error handler. Dependencies come in as
// arguments so tests call app.request() in-process (STYLE.md habit 5).
import { Hono } from 'hono';
import { randomBytes } from 'node:crypto';
import type {} from 'hono/request-id'; // types c.get('requestId')
import type { Config } from './config.js';
import type { Gate } from './gate/gate.js';
import { NotListedError, StorageError } from './gate/gate.js';
import { BusyError } from './gate/slots.js';
import type { ScanAhead } from './gate/scan-ahead.js';
import type { Logger } from './log.js';
import type { PageCache } from './pages/cache.js';
import type { PageRenderer } from './pages/render.js';
import type { BlobStore } from './store/blobs.js';
import type { MetadataStore } from './store/metadata.js';
import type { Upstream } from './upstream/types.js';
import { UpstreamError } from './upstream/types.js';
import { mountFiles } from './server/files.js';
import { HttpError, problem } from './server/problem.js';
import { mountSimple } from './server/simple.js';
import type { Scanner } from './scan/types.js';
import type { ReviewStore } from './store/review.js';
import type { AdvisoryStore } from './store/advisories.js';
import type { Metrics } from './metrics/index.js';
import { METRICS_CONTENT_TYPE } from './metrics/index.js';
import { accessLog } from './metrics/access-log.js';
import { mountReview, type Webhook } from './review/index.js';
import { requireRole } from './auth/middleware.js';

export interface AppDeps {
  config: Config;
  store: MetadataStore;
  blobs: BlobStore;
  /** PEP 658 core metadata: a store of its own, so no distribution blob is ever served as metadata. */
  metaBlobs: BlobStore;
  upstream: Upstream;
  scanner: Scanner;
  pages: PageCache;
  renderer: PageRenderer;
  gate: Gate;
  scanAhead?: ScanAhead;
  log: Logger;
  /** Review queue, tokens, waivers, lists (issue 6); absent: no review API, no token checks. */
  reviews?: ReviewStore;
  metrics?: Metrics;
  webhook?: Webhook;
  /** Known-malicious advisories (OSV); absent: none consulted. */
  advisories?: AdvisoryStore;
}

const MAX_URL_LENGTH = 4096;

export function createApp(d: AppDeps): Hono {
  const app = new Hono({ strict: true });

  // Short ids: they appear in pip's one-line error, in problem bodies and in the logs.
  // Fast path: a per-process random prefix and a counter, not a random syscall per request
  // (randomBytes was 5 % of a cached page's CPU under load).
  const idPrefix = randomBytes(3).toString('hex');
  let idCounter = 0;
  // Always ours: a client's X-Request-Id is never taken as the server's id (issue 10: it ended up
  // in the audit log as if we had issued it). The refusal keeps it as a separate field.
  app.use('*', async function requestIds(c, next) {
    const id = idPrefix + (++idCounter).toString(16).padStart(6, '0');
    c.set('requestId', id);
    c.header('x-request-id', id);
    await next();
  });
  app.use('*', accessLog(d.log));
  if (d.metrics) app.use('*', d.metrics.middleware());
  app.use('*', async function guard(c, next) {
    if (c.req.url.length > MAX_URL_LENGTH) throw new HttpError(414, 'uri-too-long', 'URI Too Long');
    // The index is read-only: no state change through anything but the review API.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !c.req.path.startsWith('/-/api/')) {
      c.header('allow', 'GET, HEAD');
      throw new HttpError(405, 'method-not-allowed', 'Method Not Allowed', `${c.req.method} is not supported here`);
    }
    await next();
  });

  app.get('/', (c) => c.redirect('/simple/', 302));
  // Open for load balancers, so it says nothing else: the upstream URL may carry credentials.
  app.get('/-/health', (c) => c.json({ status: 'ok' }));

  if (d.reviews && d.config.metricsRequireToken) app.use('/metrics', requireRole(d.reviews.tokens, 'reader'));
  app.get('/metrics', async (c) => c.body(d.metrics ? await d.metrics.render() : '', d.metrics ? 200 : 404, { 'content-type': METRICS_CONTENT_TYPE }));
  if (d.reviews && d.config.requireTokenForDownloads) {
    // Downloads need a token of any role (download is the weakest); pip sends index credentials as Basic auth (token as password).
    const auth = requireRole(d.reviews.tokens, 'download', { allowBasic: true });
    app.use('/simple', auth);
    app.use('/simple/*', auth);
    app.use('/files/*', auth);
  }
  if (d.reviews) mountReview(app, { reviews: d.reviews, store: d.store, blobs: d.blobs, scanner: d.scanner, renderer: d.renderer, gate: d.gate, log: d.log, advisories: d.advisories });

  mountSimple(app, {
    pages: d.pages,
    renderer: d.renderer,
    pageTtlSeconds: d.config.pageTtl,
    onProjectServed: d.scanAhead ? (page, ua) => d.scanAhead!.offer(page, ua) : undefined,
  });
  mountFiles(app, { gate: d.gate, store: d.store, blobs: d.blobs, metaBlobs: d.metaBlobs, upstream: d.upstream, log: d.log, onBytesServed: d.metrics?.onBytesServed, accelRedirect: d.config.accelRedirect });

  app.notFound((c) => problem(c, new HttpError(404, 'not-found', 'Not Found', `nothing at ${c.req.path}`)));

  app.onError(function handleError(err, c) {
    if (err instanceof HttpError) return problem(c, err);
    if (err instanceof NotListedError) return problem(c, new HttpError(404, 'not-listed', 'Not Found', err.message));
    if (err instanceof BusyError) {
      d.log.warn('busy', { path: c.req.path, reason: err.message, requestId: c.get('requestId') });
      c.header('retry-after', String(err.retryAfter));
      return problem(c, new HttpError(503, 'busy', 'Service Unavailable', err.message));
    }
    if (err instanceof StorageError || (err as { code?: string }).code === 'SQLITE_FULL') {
      d.log.error('storage full', { path: c.req.path, reason: err.message, requestId: c.get('requestId') });
      return problem(c, new HttpError(507, 'insufficient-storage', 'Insufficient Storage', err.message));
    }
    if (err instanceof UpstreamError) {
      d.log.warn('upstream error', { path: c.req.path, code: err.code, reason: err.message, requestId: c.get('requestId') });
      return problem(c, new HttpError(err.status, `upstream-${err.code}`, err.status === 504 ? 'Upstream Timeout' : 'Bad Gateway', err.message));
    }
    d.log.error('unhandled error', { path: c.req.path, reason: (err as Error).stack ?? String(err), requestId: c.get('requestId') });
    return problem(c, new HttpError(500, 'internal', 'Internal Server Error', 'unexpected error; see the server log'));
  });

  return app;
}
