// Where the HTTP upstream may fetch from (issue 10, SSRF). A page's file and metadata URLs are
// fetched only from the upstream's own origin and the configured file origins; and an origin the
// operator did not write down (PyPI's implied files host) must not resolve to a loopback,
// link-local or private address. The address check runs in the socket's own DNS lookup, so it
// applies to the address actually connected: a name that resolves to a public address for a
// first check and to 169.254.169.254 for the connection (DNS rebinding) is still refused.
// Redirects are never followed (http.ts), so no other hop needs checking.
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { UpstreamError } from './types.js';

/** The files host of an index whose pages link elsewhere by design (PyPI serves files from a CDN host). */
const IMPLIED_FILE_ORIGINS: Record<string, string> = {
  'https://pypi.org': 'https://files.pythonhosted.org',
  'https://test.pypi.org': 'https://test-files.pythonhosted.org',
};

/** Loopback, link-local, private, shared, multicast and reserved ranges (RFC 6890). IPv4-mapped IPv6 matches the IPv4 rules. */
const INTERNAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) INTERNAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fe80::', 10], ['fc00::', 7], ['ff00::', 8]] as const) INTERNAL.addSubnet(net, bits, 'ipv6');

export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && INTERNAL.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

export interface AllowedOrigin {
  origin: string;
  /** True when the operator configured it: it may be on the local network (a company index, a test upstream). */
  internalOk: boolean;
}

/** The upstream's origin and every configured file origin may be internal; an implied files host may not. */
export function allowedOrigins(upstream: string, fileOrigins: string[]): AllowedOrigin[] {
  const own = new URL(upstream).origin;
  const out: AllowedOrigin[] = [{ origin: own, internalOk: true }];
  const implied = IMPLIED_FILE_ORIGINS[own];
  if (implied && !fileOrigins.some((o) => new URL(o).origin === implied)) out.push({ origin: implied, internalOk: false });
  for (const o of fileOrigins) out.push({ origin: new URL(o).origin, internalOk: true });
  return out;
}

/** The error a refused lookup ends the connection with; toUpstreamError turns it into a `forbidden-origin`. */
export class ForbiddenAddressError extends Error {
  override name = 'ForbiddenAddressError';
  readonly code = 'EPYWARDEN_FORBIDDEN_ADDRESS';
}

export class OriginPolicy {
  private readonly origins = new Map<string, boolean>();
  /** Host names whose addresses may be internal (an allowed origin's port was checked before connecting). */
  private readonly internalHosts = new Set<string>();

  constructor(
    allowed: AllowedOrigin[],
    private readonly resolve: typeof dnsLookup = dnsLookup,
  ) {
    for (const a of allowed) {
      this.origins.set(a.origin, a.internalOk);
      if (a.internalOk) this.internalHosts.add(bare(new URL(a.origin).hostname));
    }
  }

  /** Throws a `forbidden-origin` UpstreamError unless `url` may be fetched; no request is made for a refused URL. */
  check(url: string): void {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new UpstreamError('forbidden-origin', `not a URL: ${url}`);
    }
    const internalOk = this.origins.get(u.origin);
    if (internalOk === undefined) {
      throw new UpstreamError('forbidden-origin', `${u.origin} is neither the upstream's origin nor a configured file origin (fileOrigins); not fetched`);
    }
    // An IP literal never reaches the lookup below: check it here.
    const host = bare(u.hostname);
    if (!internalOk && isInternalAddress(host)) throw new UpstreamError('forbidden-origin', `${u.origin} is a local network address; not fetched`);
  }

  /** net.connect's `lookup`: the resolved addresses, or an error when any is internal for a host that may not be. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      if (!this.internalHosts.has(bare(hostname))) {
        const bad = addresses.find((a) => isInternalAddress(a.address));
        if (bad) return callback(new ForbiddenAddressError(`${hostname} resolves to ${bad.address}, a local network address; not fetched`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      if (!addresses.length) return callback(new ForbiddenAddressError(`${hostname} has no address`), '', 0);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

function bare(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}
