// Upstream down is visible (issue 14): the start-up log says so, /-/health says degraded without
// the upstream's URL or credentials, an uncached project gets a 502 with a reason phrase, and the
// first answer of the index after it comes back makes it "ok" again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startServer, type Running } from '../../src/main.js';
import { redactCredentials } from '../../src/metrics/health.js';

let work: string;
let port: number;
let proxy: Running;
let index: Server | undefined;
const logs: string[] = [];

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'pywarden-health-'));
  // A port nothing listens on: bind one, note it, close it.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const config = loadConfig({ env: {}, flags: { upstream: `http://alice:s3cret@127.0.0.1:${port}/simple/`, data: work, port: 0, host: '127.0.0.1', scanAhead: false } as never });
  proxy = await startServer(config, { log: createLogger('info', {}, (l) => void logs.push(l)) });
});

afterAll(async () => {
  await proxy?.close();
  await new Promise<void>((r) => (index ? index.close(() => r()) : r()));
  rmSync(work, { recursive: true, force: true });
});

describe('upstream down', () => {
  it('the start-up log says the upstream is unreachable, without its credentials', async () => {
    await until('the warning is logged', () => logs.some((l) => l.includes('upstream unreachable')));
    const line = logs.find((l) => l.includes('upstream unreachable'))!;
    expect(JSON.parse(line)).toMatchObject({ level: 'warn' });
    expect(line).not.toContain('s3cret');
  });

  it('/-/health says degraded in a short JSON that names no URL', async () => {
    const res = await fetch(`${proxy.url}/-/health`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ status: 'degraded', upstream: 'unreachable', since: expect.any(String) });
    expect(text).not.toMatch(/s3cret|alice|127\.0\.0\.1|simple/);
  });

  it('an uncached project is a 502 with a reason phrase (not a 503 that pip retries), and no credentials', async () => {
    const res = await fetch(`${proxy.url}/simple/demo/`);
    expect(res.status).toBe(502);
    expect(res.statusText).toBe('pywarden could not get this from its upstream index (unreachable)');
    expect(await res.text()).not.toContain('s3cret');
  });

  it('the first answer of the index makes it ok again', async () => {
    index = createServer((_req, res) => void res.writeHead(404).end('no such project'));
    await new Promise<void>((r) => index!.listen(port, '127.0.0.1', r));
    expect((await fetch(`${proxy.url}/simple/demo/`)).status).toBe(404);
    expect(await (await fetch(`${proxy.url}/-/health`)).json()).toEqual({ status: 'ok' });
    expect(logs.some((l) => l.includes('upstream reachable again'))).toBe(true);
  });

  it('credentials are cut from any URL in a message', () => {
    expect(redactCredentials('upstream request for https://u:p@host/simple/x/ failed; again http://tok@h/')).toBe('upstream request for https://host/simple/x/ failed; again http://h/');
  });
});
