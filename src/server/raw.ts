// Responses written straight to Node's ServerResponse (issue 13). A cached page or file is bytes
// and a few headers; building a Headers object and a web Response for it, and having
// @hono/node-server convert them back, was most of the per-request cost left in the handlers.
// Routing, middleware, errors and the status the access log and metrics see stay Hono's.
import type { Context } from 'hono';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';

/** The Node response behind a request served by @hono/node-server; undefined under app.request() (tests). */
export function outgoingOf(c: Context): ServerResponse | undefined {
  return (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
}

// @hono/node-server writes nothing for a response marked as already sent. It must be the web
// platform's own Response class (the server replaces the global one with a lighter class that it
// would write out again), which the marker it exports is: one per status, made once, so the
// access log and the metrics still see the status that went out.
const WebResponse = RESPONSE_ALREADY_SENT.constructor as typeof Response;
const sent = new Map<number, Response>();

/**
 * Writes status, headers and body to the socket now; returns what the handler returns to Hono.
 * For GET only: Hono answers HEAD by running the GET route and wrapping its response in a new
 * one, which the server would then write out a second time.
 */
export function sendRaw(out: ServerResponse, status: number, headers: OutgoingHttpHeaders, body?: Uint8Array): Response {
  out.writeHead(status, headers);
  out.end(body);
  return alreadySent(status);
}

/** What a handler that wrote its own response returns to Hono. */
export function alreadySent(status: number): Response {
  let r = sent.get(status);
  if (!r) sent.set(status, (r = new WebResponse(null, { status, headers: RESPONSE_ALREADY_SENT.headers })));
  return r;
}
