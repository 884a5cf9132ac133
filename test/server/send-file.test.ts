// The large-file path (src/server/send-file.ts): exact bytes for whole files and ranges that cross
// its 512 KiB buffers, many responses at once sharing the bounded pool of reused buffers, and a client that leaves
// mid-file costs no file descriptor and no stuck response.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { filePool, sendFileRange } from '../../src/server/send-file.js';

const MiB = 1 << 20;
const data = randomBytes(3 * MiB + 12345);
let dir: string;
let file: string;
// Larger than the loopback socket's buffers: a client that stops reading leaves writes pending.
const BIG = 64 * MiB;
let bigFile: string;
let server: Server;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pywarden-sendfile-'));
  file = path.join(dir, 'blob');
  writeFileSync(file, data);
  bigFile = path.join(dir, 'big');
  writeFileSync(bigFile, Buffer.alloc(BIG, 7));
  server = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    const start = Number(u.searchParams.get('start') ?? 0);
    const end = Number(u.searchParams.get('end') ?? (u.searchParams.get('big') ? BIG - 1 : data.length - 1));
    res.writeHead(200, { 'content-length': String(end - start + 1) });
    const f = u.searchParams.get('missing') ? file + '.gone' : u.searchParams.get('big') ? bigFile : file;
    void sendFileRange(res, f, start, end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const fetchBytes = async (q: string) => Buffer.from(await (await fetch(`${base}/?${q}`)).arrayBuffer());
const openFds = () => readdirSync('/proc/self/fd').length;

describe('sendFileRange', () => {
  it('sends whole files and ranges across buffer boundaries byte for byte, many at once', async () => {
    const cases: [number, number][] = [
      [0, data.length - 1],
      [MiB - 1, MiB], // two bytes, one each side of a buffer boundary
      [5, 2 * MiB + 7],
      [data.length - 1, data.length - 1],
      [MiB, 3 * MiB - 1], // exactly two buffers
    ];
    const all = await Promise.all(
      Array.from({ length: 12 }, (_, i) => cases[i % cases.length]).map(async ([s, e]) => [s, e, await fetchBytes(`start=${s}&end=${e}`)] as const),
    );
    for (const [s, e, got] of all) expect(got.equals(data.subarray(s, e + 1)), `${s}-${e}`).toBe(true);
    // Twelve at once want more buffers than the pool holds: it stays bounded, and all are back.
    const pool = filePool();
    expect(pool.allocated).toBeLessThanOrEqual(pool.max);
    expect(pool.idle).toBe(pool.allocated);
  });

  it('a client that leaves mid-file: the file is closed, and the next response is whole', async () => {
    const before = openFds();
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const req = request(`${base}/?big=1`, (res) => {
          // Read one chunk, then stop reading and go away: the server's writes stop being taken.
          res.once('data', () => {
            res.pause();
            setTimeout(() => {
              req.destroy();
              resolve();
            }, 200);
          });
        });
        req.end();
      });
    }
    const until = Date.now() + 5_000;
    while (openFds() > before && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(openFds()).toBeLessThanOrEqual(before);
    expect((await fetchBytes('')).equals(data)).toBe(true);
  });

  it('a file that cannot be opened ends the response short instead of hanging', async () => {
    await expect(fetch(`${base}/?missing=1`).then((r) => r.arrayBuffer())).rejects.toThrow();
  });
});
