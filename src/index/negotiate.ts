// PEP 691 content negotiation over RFC 9110 §12.5.1 Accept headers. Pure; never throws.
import type { Format } from './types.js';

export const CONTENT_TYPE: Record<Format, string> = {
  json: 'application/vnd.pypi.simple.v1+json',
  html: 'application/vnd.pypi.simple.v1+html',
};

/** The legacy PEP 503 type. pip < 22.2 sends `Accept: text/html` and insists on it in the answer. */
export const LEGACY_HTML_TYPE = 'text/html';

export interface Negotiated {
  format: Format;
  /** The exact media type to put in Content-Type: the one the client asked for. */
  contentType: string;
}

// Our representations in server preference order (PEP 691: prefer JSON, text/html last on ties).
// `exact` lists the media types that name it; the `latest` aliases mean v1 today (PEP 691).
const OFFERS: ReadonlyArray<{ format: Format; contentType: string; exact: readonly string[]; type: string }> = [
  {
    format: 'json',
    contentType: CONTENT_TYPE.json,
    exact: ['application/vnd.pypi.simple.v1+json', 'application/vnd.pypi.simple.latest+json'],
    type: 'application',
  },
  {
    format: 'html',
    contentType: CONTENT_TYPE.html,
    exact: ['application/vnd.pypi.simple.v1+html', 'application/vnd.pypi.simple.latest+html'],
    type: 'application',
  },
  { format: 'html', contentType: LEGACY_HTML_TYPE, exact: [LEGACY_HTML_TYPE], type: 'text' },
];

interface Range {
  type: string; // lowercased "type/subtype", may contain "*"
  q: number;
}

const Q_VALUE = /^\d+(?:\.\d*)?$/;

// Tolerant: spaces or none around `,` `;` `=`, parameters other than q ignored, a range with an
// unreadable q-value dropped (rather than guessed), q clamped to [0, 1].
function parseAccept(header: string): Range[] {
  const ranges: Range[] = [];
  for (const part of header.split(',')) {
    const [rawType, ...params] = part.split(';');
    const type = rawType.trim().toLowerCase();
    if (!type) continue;
    if (type !== '*' && !/^[^/\s]+\/[^/\s]+$/.test(type)) continue;
    let q = 1;
    let valid = true;
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      if (p.slice(0, eq).trim().toLowerCase() !== 'q') continue;
      const v = p.slice(eq + 1).trim();
      if (!Q_VALUE.test(v)) {
        valid = false;
        break;
      }
      q = Math.min(1, Number(v));
    }
    // A bare "*" is not valid HTTP but some clients send it meaning "*/*".
    if (valid) ranges.push({ type: type === '*' ? '*/*' : type, q });
  }
  return ranges;
}

// RFC 9110: the most specific matching range decides an offer's q (exact > type/* > */*);
// among equally specific ranges the highest q counts.
function qualityOf(offer: (typeof OFFERS)[number], ranges: Range[]): number {
  let bestSpec = 0;
  let q = 0;
  for (const r of ranges) {
    let spec = 0;
    if (offer.exact.includes(r.type)) spec = 3;
    else if (r.type === offer.type + '/*') spec = 2;
    else if (r.type === '*/*') spec = 1;
    if (spec === 0) continue;
    if (spec > bestSpec) {
      bestSpec = spec;
      q = r.q;
    } else if (spec === bestSpec && r.q > q) {
      q = r.q;
    }
  }
  return q;
}

function pick(accept: string): Negotiated | null {
  const ranges = parseAccept(accept);
  let best: (typeof OFFERS)[number] | null = null;
  let bestQ = 0;
  for (const offer of OFFERS) {
    const q = qualityOf(offer, ranges);
    // Strictly greater: on ties the earlier (preferred) offer stays. q=0 is "not acceptable".
    if (q > bestQ) {
      best = offer;
      bestQ = q;
    }
  }
  if (!best) return null;
  // A client that names no simple-API type (no Accept, "*/*", "text/*") predates PEP 691: it gets
  // text/html, as PyPI answers `curl` (Accept: */*). Old Poetry's legacy repository needs this.
  const named = ranges.some((r) => r.q > 0 && OFFERS.some((o) => o.exact.includes(r.type)));
  if (!named) {
    const legacy = OFFERS[OFFERS.length - 1];
    if (qualityOf(legacy, ranges) > 0) return { format: legacy.format, contentType: legacy.contentType };
  }
  return { format: best.format, contentType: best.contentType };
}

/**
 * Choose the representation and its exact Content-Type. `formatParam` is PEP 691's optional
 * `?format=` URL parameter: when given it overrides Accept; it may be a media type (or an
 * Accept-style list) or the shorthands `json` / `html`. null means answer 406.
 */
export function negotiateContentType(accept: string | undefined | null, formatParam?: string | null): Negotiated | null {
  if (typeof formatParam === 'string' && formatParam.trim() !== '') {
    const f = formatParam.trim().toLowerCase();
    if (f === 'json') return { format: 'json', contentType: CONTENT_TYPE.json };
    if (f === 'html') return { format: 'html', contentType: CONTENT_TYPE.html };
    return pick(f);
  }
  // No Accept header means */* (RFC 9110 §12.5.1); an empty one is treated the same way, as
  // every client that sends one means "anything".
  if (accept === undefined || accept === null || accept.trim() === '') return pick('*/*');
  return pickCached(String(accept));
}

/**
 * Each client sends the same Accept header on every request (pip, uv, a browser): the choice is
 * remembered per header value, up to a bound (hostile clients send new values).
 */
const chosen = new Map<string, Negotiated | null>();
const MAX_CHOSEN = 256;
const MAX_CHOSEN_HEADER = 512;

function pickCached(accept: string): Negotiated | null {
  let n = chosen.get(accept);
  if (n === undefined) {
    n = pick(accept);
    if (accept.length <= MAX_CHOSEN_HEADER) {
      if (chosen.size >= MAX_CHOSEN) chosen.clear();
      chosen.set(accept, n);
    }
  }
  return n;
}

export function negotiate(accept: string | undefined | null, formatParam?: string | null): Format | null {
  return negotiateContentType(accept, formatParam)?.format ?? null;
}
