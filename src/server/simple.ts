// /simple/ and /simple/<project>/ (PEP 503 HTML and PEP 691 JSON).
// A project page is never refused for policy: known-bad files are hidden from it instead (PROTOCOL.md).
import type { Context, Hono } from 'hono';
import { negotiateContentType, normalizeName, validProjectName } from '../index/index.js';
import type { CachedProject, PageCache } from '../pages/cache.js';
import type { PageRenderer, Rendered } from '../pages/render.js';
import { HttpError } from './problem.js';
import { outgoingOf, sendRaw } from './raw.js';

export interface SimpleDeps {
  pages: PageCache;
  renderer: PageRenderer;
  pageTtlSeconds: number;
  /** Called after a project page was served (scan-ahead). */
  onProjectServed?: (page: CachedProject, userAgent: string | undefined) => void;
}

export function mountSimple(app: Hono, d: SimpleDeps): void {
  app.get('/simple', (c) => c.redirect(withQuery(c, '/simple/'), 301));

  app.get('/simple/', async (c) => {
    const neg = negotiated(c);
    const { page, stale, staleReason } = await d.pages.root();
    return send(c, d.renderer.root(page, neg.format), neg.contentType, d.pageTtlSeconds, stale, staleReason);
  });

  app.get('/simple/:project{[^/]+}', (c) => {
    const project = checkedName(c.req.param('project'));
    return c.redirect(withQuery(c, `/simple/${project}/`), 301);
  });

  app.get('/simple/:project{[^/]+}/', async (c) => {
    const raw = c.req.param('project');
    const project = checkedName(raw);
    // PEP 503: redirect unnormalized names to the normalized URL.
    if (raw !== project) return c.redirect(withQuery(c, `/simple/${project}/`), 301);
    const neg = negotiated(c);
    const found = await d.pages.project(project);
    if (!found) throw new HttpError(404, 'not-found', 'Not Found', `no project named "${project}" upstream`);
    const res = send(c, await d.renderer.project(found.page, neg.format), neg.contentType, d.pageTtlSeconds, found.stale, found.staleReason);
    d.onProjectServed?.(found.page, c.req.header('user-agent'));
    return res;
  });
}

function checkedName(raw: string): string {
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'bad-name', 'Bad Request', 'the project name is not valid percent-encoding');
  }
  // Hostile names (traversal, encoded slashes, control characters, over-long) never reach upstream.
  if (!validProjectName(name)) throw new HttpError(404, 'bad-name', 'Not Found', 'not a valid project name');
  return normalizeName(name);
}

function negotiated(c: Context) {
  const neg = negotiateContentType(c.req.header('accept'), c.req.query('format'));
  if (!neg) {
    throw new HttpError(
      406,
      'not-acceptable',
      'Not Acceptable',
      'this index serves application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html and text/html',
    );
  }
  return neg;
}

function withQuery(c: Context, path: string): string {
  const q = new URL(c.req.url).search;
  return path + q;
}

function send(c: Context, r: Rendered, contentType: string, ttl: number, stale: boolean, staleReason?: string): Response {
  const gzip = /\bgzip\b/i.test(c.req.header('accept-encoding') ?? '') && r.body.length > 512;
  // Each encoding is its own representation, so it gets its own validator (RFC 9110 §8.8.3).
  const etag = gzip ? `${r.etag.slice(0, -1)}-gz"` : r.etag;
  const headers: Record<string, string> = {
    'content-type': contentType,
    vary: 'Accept, Accept-Encoding',
    etag,
    'cache-control': `max-age=${ttl}, public`,
  };
  if (stale) {
    headers['x-pywarden-stale'] = '1';
    headers['warning'] = '110 pywarden "Response is Stale"';
    if (staleReason) headers['x-pywarden-stale-reason'] = staleReason.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  }
  // pip revalidates every page (Cache-Control: max-age=0): answer 304 when nothing changed.
  const inm = c.req.header('if-none-match');
  const notModified = !!inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
  if (!notModified && gzip) headers['content-encoding'] = 'gzip';
  const body = notModified ? null : gzip ? r.gzipped() : r.body;
  if (body) headers['content-length'] = String(body.length);
  const status = notModified ? 304 : 200;
  const head = !body || c.req.method === 'HEAD';
  const out = c.req.method === 'GET' ? outgoingOf(c) : undefined;
  if (out) return sendRaw(out, status, headers, body ?? undefined);
  return head ? c.body(null, status, headers) : c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
}
