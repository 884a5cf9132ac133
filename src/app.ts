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
import { outgoingOf } from './server/raw.js';
import { mountUpload } from './server/upload.js';
import type { Scanner } from './scan/types.js';
import type { ReviewStore } from './store/review.js';
import type { AdvisoryStore } from './store/advisories.js';
import type { Metrics } from './metrics/index.js';
import { METRICS_CONTENT_TYPE } from './metrics/index.js';
import { accessLog } from './metrics/access-log.js';
import { redactCredentials, type UpstreamHealth } from './metrics/health.js';
import { mountReview, type Webhook } from './review/index.js';
import { requireRole } from './auth/middleware.js';
import type { OrgStore } from './store/uploads.js';
import type { HostedUpstream } from './upstream/hosted.js';
import type { PrivateNames } from './upstream/private-names.js';

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
  /** Upstream reachability for /-/health; absent: always "ok". */
  health?: UpstreamHealth;
  /** Private names and hosted uploads (issue 12); absent: no hosted index. */
  org?: OrgStore;
  /** Names claimed by private upstreams and hosted indexes (issue 12). */
  privateNames?: PrivateNames;
  /** The hosted indexes by name: /-/upload/<name>/. */
  hosted?: Map<string, HostedUpstream>;
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
    // On the Node response itself when there is one: c.header() makes Hono build a Headers
    // object for every response, the largest per-request cost of a cached page after the socket.
    const out = outgoingOf(c);
    if (out) out.setHeader('x-request-id', id);
    else c.header('x-request-id', id);
    await next();
  });
  app.use('*', accessLog(d.log));
  if (d.metrics) app.use('*', d.metrics.middleware());
  app.use('*', async function guard(c, next) {
    if (c.req.url.length > MAX_URL_LENGTH) throw new HttpError(414, 'uri-too-long', 'URI Too Long');
    // The index is read-only: no state change through anything but the review API and uploads.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !c.req.path.startsWith('/-/api/') && !c.req.path.startsWith('/-/upload/')) {
      c.header('allow', 'GET, HEAD');
      throw new HttpError(405, 'method-not-allowed', 'Method Not Allowed', `${c.req.method} is not supported here`);
    }
    await next();
  });

  app.get('/', (c) => c.redirect('/simple/', 302));
  // Open for load balancers, so it says nothing else: the upstream URL may carry credentials.
  // Degraded is still 200: cached pages and files keep serving, so a load balancer should keep it.
  app.get('/-/health', (c) => c.json(d.health ? d.health.state(d.upstream) : { status: 'ok' }));

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

  if (d.reviews && d.org && d.hosted?.size) {
    mountUpload(app, { org: d.org, claims: d.privateNames ?? d.org, hosted: d.hosted, reviews: d.reviews, store: d.store, gate: d.gate, pages: d.pages, renderer: d.renderer, log: d.log, maxFileSize: d.config.maxFileSize });
  }
  mountSimple(app, {
    pages: d.pages,
    renderer: d.renderer,
    pageTtlSeconds: d.config.pageTtl,
    onProjectServed: (page, ua) => {
      // The page still lists the files (their downloads answer with the reason pip prints); the operator hears of it here.
      void (async () => {
        if (d.config.deny.projects.includes(page.project) || (await d.reviews?.policyExtras())?.deny.projects.includes(page.project)) {
          d.log.warn('denied project requested', { project: page.project, userAgent: ua ?? null });
        }
      })();
      d.scanAhead?.offer(page, ua);
    },
  });
  mountFiles(app, { gate: d.gate, store: d.store, blobs: d.blobs, metaBlobs: d.metaBlobs, upstream: d.upstream, log: d.log, onBytesServed: d.metrics?.onBytesServed, refusalContact: d.config.refusalContact || undefined, accelRedirect: d.config.accelRedirect });

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
      d.log.warn('upstream error', { path: c.req.path, code: err.code, reason: redactCredentials(err.message), requestId: c.get('requestId') });
      // 502/504, never 503: pip 23/24 retry a 503 for 8.5 s before saying anything.
      const phrase = `pywarden could not get this from its upstream index (${err.code})`;
      return problem(c, new HttpError(err.status, `upstream-${err.code}`, err.status === 504 ? 'Upstream Timeout' : 'Bad Gateway', redactCredentials(err.message), phrase));
    }
    d.log.error('unhandled error', { path: c.req.path, reason: (err as Error).stack ?? String(err), requestId: c.get('requestId') });
    return problem(c, new HttpError(500, 'internal', 'Internal Server Error', 'unexpected error; see the server log'));
  });

  return app;
}
