// Issue 10 part 8 with real sockets against a real server on port 0: clients that trickle their
// headers are cut off after headersTimeout, idle keep-alive connections after keepAliveTimeout,
// and connections over maxConnections / maxConnectionsPerClient are closed as they arrive,
// while the server goes on answering ordinary requests.
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { FaultUpstream, benignWheel } from '../helpers/fault-upstream.js';
import { get, startProxy, type Proxy } from '../reliability/harness.js';

let up: FaultUpstream | undefined;
let proxy: Proxy | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await proxy?.stop();
  await up?.stop();
  proxy = up = undefined;
});

async function start(flags: Record<string, unknown>): Promise<Proxy> {
  up = await new FaultUpstream().start();
  const w = benignWheel('demo', '1.0');
  up.add('demo', w.filename, w.body);
  return (proxy = await startProxy(up.simple, flags));
}

interface Conn {
  socket: net.Socket;
  closedAt: number | null;
  data: string;
}

function connect(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const c: Conn = { socket: net.connect(port, '127.0.0.1'), closedAt: null, data: '' };
    sockets.push(c.socket);
    c.socket.on('data', (d) => (c.data += d.toString('latin1')));
    c.socket.on('error', () => undefined); // a reset is one way of being closed
    c.socket.on('close', () => (c.closedAt = Date.now()));
    c.socket.once('connect', () => resolve(c));
    c.socket.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(25);
}

describe('slow and numerous clients', () => {
  test('300 connections trickling header lines are all closed after headersTimeout; the server still answers', async () => {
    const p = await start({ headersTimeout: 1000, requestTimeout: 2000 });
    const conns: Conn[] = [];
    for (let i = 0; i < 300; i++) conns.push(await connect(p.port));
    const started = Date.now();
    for (const c of conns) c.socket.write('GET /simple/demo/ HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // One more header line every 200 ms, forever: the request never completes.
    const timer = setInterval(() => {
      for (const c of conns) if (c.closedAt === null) c.socket.write(`X-Slow-${Date.now()}: 1\r\n`);
    }, 200);
    try {
      await until(() => conns.every((c) => c.closedAt !== null), 5000);
    } finally {
      clearInterval(timer);
    }
    const open = conns.filter((c) => c.closedAt === null).length;
    expect(open).toBe(0);
    const slowest = Math.max(...conns.map((c) => c.closedAt! - started));
    expect(slowest).toBeLessThan(3000);
    expect(conns.filter((c) => c.data.startsWith('HTTP/1.1 408')).length).toBeGreaterThan(0);
    expect((await get(`${p.url}/simple/demo/`)).status).toBe(200);
  });

  test('an idle keep-alive connection is closed after keepAliveTimeout', async () => {
    const p = await start({ keepAliveTimeout: 300 });
    const c = await connect(p.port);
    c.socket.write('GET /-/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await until(() => c.data.includes('"ok"'), 2000);
    const answered = Date.now();
    expect(c.data).toMatch(/^HTTP\/1\.1 200/);
    await until(() => c.closedAt !== null, 3000);
    expect(c.closedAt).not.toBeNull();
    expect(c.closedAt! - answered).toBeLessThan(1500);
  });

  test('connections from one client over maxConnectionsPerClient are closed at once; others wait their turn', async () => {
    const p = await start({ maxConnectionsPerClient: 20 });
    const conns: Conn[] = [];
    for (let i = 0; i < 30; i++) conns.push(await connect(p.port));
    await sleep(300);
    expect(conns.filter((c) => c.closedAt !== null).length).toBe(10);
    expect(conns.slice(0, 20).every((c) => c.closedAt === null)).toBe(true);
    // The same address is at its cap: an ordinary request is refused too, until connections close.
    await expect(get(`${p.url}/-/health`)).rejects.toThrow();
    for (const c of conns.slice(0, 5)) c.socket.destroy();
    await sleep(100);
    expect((await get(`${p.url}/-/health`)).status).toBe(200);
    expect(p.logs.some((l) => l.includes('too many open from one client'))).toBe(true);
  });

  test('connections over maxConnections are closed at once', async () => {
    const p = await start({ maxConnections: 25, maxConnectionsPerClient: 0 });
    const conns: Conn[] = [];
    for (let i = 0; i < 30; i++) conns.push(await connect(p.port));
    await sleep(300);
    expect(conns.filter((c) => c.closedAt !== null).length).toBe(5);
    for (const c of conns) c.socket.destroy();
    await sleep(100);
    expect((await get(`${p.url}/-/health`)).status).toBe(200);
  });
});
