// The reviewer's page at /-/review/: one HTML shell, one stylesheet, one script, kept as files in
// static/ (the script is type-checked by static/tsconfig.json and linted like the rest) and read
// once at start-up; no bundler, no network build step. The shell holds no data: everything comes
// from the API with the token the reviewer typed, kept in sessionStorage and sent as a Bearer
// header (never a cookie, so another site cannot act with it). A strict CSP forbids inline script.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { presentedToken } from '../auth/middleware.js';
import { verifyToken } from '../auth/tokens.js';
import type { ReviewStore } from '../store/review.js';

// src/review/ and dist/review/ are both two levels below the package root, so this finds the
// source files whether the server runs compiled or under vitest.
const STATIC = new URL('../../src/review/static/', import.meta.url);
const read = (name: string) => readFileSync(fileURLToPath(new URL(name, STATIC)), 'utf8');
const HTML = read('index.html');
const CSS = read('app.css');
const JS = read('app.js');

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/**
 * The page answers 401 (`WWW-Authenticate: Bearer`) unless the request carries a valid token, as the
 * API does. A browser's navigation never carries one (the token lives in sessionStorage, not in a
 * cookie), so a browser always receives the 401 whose body is the sign-in shell; Bearer, unlike
 * Basic, makes no browser show a password prompt. The shell holds no data: the queue, items and
 * audit come only from the API with the token. A client that sends a valid token gets a 200.
 */
export function mountReviewPage(app: Hono, reviews: ReviewStore): void {
  app.get('/-/review', (c) => c.redirect('/-/review/', 301));
  app.get('/-/review/', async (c) => {
    const token = presentedToken(c.req.header('authorization'), false);
    const signedIn = token !== null && (await verifyToken(reviews.tokens, token)) !== null;
    const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' };
    if (!signedIn) headers['www-authenticate'] = 'Bearer realm="pywarden review"';
    return c.body(HTML, signedIn ? 200 : 401, headers);
  });
  app.get('/-/review/app.js', (c) => c.body(JS, 200, { ...SECURITY_HEADERS, 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/-/review/app.css', (c) => c.body(CSS, 200, { ...SECURITY_HEADERS, 'content-type': 'text/css; charset=utf-8' }));
}
