// Errors as RFC 9457 problem details. uv prints `title` and `detail`; pip prints only the reason
// phrase of the status line (PROTOCOL.md), so refusals also carry a short phrase.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { outgoingOf } from './raw.js';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly phrase?: string,
  ) {
    super(detail ?? title);
  }
}

/** Printable ASCII only, bounded: a reason phrase must not break the status line. */
export function safePhrase(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
}

export function problem(c: Context, e: HttpError, extra: Record<string, unknown> = {}): Response {
  const requestId = c.get('requestId' as never) as string | undefined;
  if (e.phrase) setReasonPhrase(c, e.phrase);
  const body = JSON.stringify({
    type: `https://pywarden.dev/problems/${e.code}`,
    title: e.title,
    status: e.status,
    detail: e.detail,
    code: e.code,
    requestId,
    ...extra,
  });
  // Exactly this content type, no charset: uv matches it literally.
  return c.body(body, e.status as ContentfulStatusCode, { 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
}

/** @hono/node-server drops Response.statusText; the Node response object keeps the phrase (PROTOCOL.md). */
export function setReasonPhrase(c: Context, phrase: string): void {
  const outgoing = outgoingOf(c);
  if (outgoing) outgoing.statusMessage = safePhrase(phrase);
}
