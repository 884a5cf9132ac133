// Issue 10, SSRF: the HTTP upstream fetches only from allowed origins, and an origin the operator
// did not configure may not resolve to a local network address. The check runs in the socket's
// own DNS lookup, so the address tested is the address connected (no DNS-rebinding gap).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { HttpUpstream } from '../../src/upstream/http.js';
import { UpstreamError } from '../../src/upstream/types.js';
import { allowedOrigins, isInternalAddress } from '../../src/upstream/origins.js';

let server: Server;
let port = 0;
let hits = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-length': 2 }).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** A resolver that answers every name with these addresses, as a rebinding DNS server would. */
function staged(addresses: string[]) {
  return ((_host: string, _opts: unknown, cb: (e: Error | null, a: LookupAddress[]) => void) =>
    cb(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })))) as never;
}

async function refused(up: HttpUpstream, url: string): Promise<UpstreamError> {
  const err = await up.open(url).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  expect((err as UpstreamError).code).toBe('forbidden-origin');
  return err as UpstreamError;
}

describe('allowed origins', () => {
  test('PyPI implies its files host (public only); a configured origin may be internal; nothing else', () => {
    expect(allowedOrigins('https://pypi.org/simple/', [])).toEqual([
      { origin: 'https://pypi.org', internalOk: true },
      { origin: 'https://files.pythonhosted.org', internalOk: false },
    ]);
    expect(allowedOrigins('http://10.0.0.5:8080/simple/', ['https://cdn.example.com'])).toEqual([
      { origin: 'http://10.0.0.5:8080', internalOk: true },
      { origin: 'https://cdn.example.com', internalOk: true },
    ]);
  });

  test('internal ranges, including IPv4-mapped IPv6', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe']) {
      expect(isInternalAddress(a), a).toBe(true);
    }
    for (const a of ['151.101.0.223', '8.8.8.8', '2a04:4e42::223']) expect(isInternalAddress(a), a).toBe(false);
  });
});

describe('HttpUpstream.open', () => {
  test('another port of the upstream host, and a link-local address: refused before any request', async () => {
    const up = new HttpUpstream('http://127.0.0.1:1/simple/', { timeoutMs: 2000 });
    const before = hits;
    await refused(up, `http://127.0.0.1:${port}/x.whl`);
    await refused(up, 'http://169.254.169.254/latest/meta-data/');
    await refused(up, 'file:///etc/passwd');
    expect(hits).toBe(before);
    await up.close();
  });

  test('an origin that may not be internal: a literal loopback address, and a name that resolves to one, are refused', async () => {
    const origins = [
      { origin: 'http://127.0.0.9:1', internalOk: true },
      { origin: `http://127.0.0.1:${port}`, internalOk: false },
      { origin: `http://localhost:${port}`, internalOk: false },
    ];
    const up = new HttpUpstream('http://127.0.0.9:1/simple/', { timeoutMs: 2000, origins });
    const before = hits;
    await refused(up, `http://127.0.0.1:${port}/x.whl`);
    // Real DNS: localhost resolves to a loopback address, so the lookup refuses the connection.
    const err = await refused(up, `http://localhost:${port}/x.whl`);
    expect(err.message).toMatch(/local network address/);
    expect(hits).toBe(before);
    await up.close();
  });

  test('the address checked is the address connected: a rebinding answer is refused, an allowed one is used', async () => {
    const origins = [{ origin: `http://files.example.test:${port}`, internalOk: false }];
    const rebinding = new HttpUpstream('http://127.0.0.9:1/simple/', { timeoutMs: 2000, origins, resolve: staged(['151.101.0.223', '127.0.0.1']) });
    const before = hits;
    await refused(rebinding, `http://files.example.test:${port}/x.whl`);
    expect(hits).toBe(before);
    await rebinding.close();
    // The same name configured as internal: the staged answer is where the request goes.
    const configured = new HttpUpstream('http://127.0.0.9:1/simple/', { timeoutMs: 2000, origins: [{ origin: `http://files.example.test:${port}`, internalOk: true }], resolve: staged(['127.0.0.1']) });
    const { body } = await configured.open(`http://files.example.test:${port}/x.whl`);
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('ok');
    expect(hits).toBe(before + 1);
    await configured.close();
  });
});
