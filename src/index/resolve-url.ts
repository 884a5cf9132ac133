// Resolving file URLs is the single largest cost of parsing a big page (a WHATWG URL object per
// file). Most hrefs on real pages are already absolute and canonical
// ("https://files.pythonhosted.org/packages/ab/cd/…/x.whl"), so they are recognized by a strict
// pattern and kept as they are; everything else goes through `new URL`. The fast path is proven
// equal to `new URL(href).href` by a differential property test (test/index/resolve-url.test.ts).

// Lowercase ASCII DNS name whose last label starts with a letter (so the WHATWG IPv4 parser never
// applies), no port, no userinfo; a path of characters WHATWG leaves untouched; no query, no
// fragment. Punycode ("xn--") and percent-encoded dots are excluded because URL rewrites them.
const CANONICAL = /^https?:\/\/(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*\/(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

function canonical(href: string): boolean {
  return CANONICAL.test(href) && !DOT_SEGMENT.test(href) && href.indexOf('xn--') < 0 && !/%2e/i.test(href);
}

/** `new URL(href, base).href`, or undefined when it does not parse. */
export function resolveUrl(href: string, base: URL | string): URL | string | undefined {
  if (canonical(href)) return href; // fast path: already absolute and canonical
  try {
    return new URL(href, base);
  } catch {
    return undefined;
  }
}

/** The protocol ("https:") of a resolved URL. */
export function protocolOf(u: URL | string): string {
  return typeof u === 'string' ? u.slice(0, u.indexOf(':') + 1) : u.protocol;
}

export function hrefOf(u: URL | string): string {
  return typeof u === 'string' ? u : u.href;
}

// Only fetchable, non-local schemes: a page served over HTTP(S) must not be able to point the
// proxy at file:, data: or javascript: URLs. A file: page (local folder upstream) may link file:.
export function allowedProtocol(protocol: string, page: URL): boolean {
  return protocol === 'https:' || protocol === 'http:' || protocol === page.protocol;
}
