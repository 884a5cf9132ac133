// Bounded memory: a 100 MB wheel is read from its file descriptor, never held whole. Measured in
// a child process (peak RSS of the whole process) so the test runner's own memory does not count.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

const repo = resolve(import.meta.dirname, '../../..');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pywarden-mem-'));
  if (!existsSync(join(repo, 'dist/scan/archive/index.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: repo });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Stream a wheel to disk entry by entry: 48 x 2 MiB random binaries + 400 Python files. */
function writeBigWheel(path: string): void {
  const fd = openSync(path, 'w');
  const central: Buffer[] = [];
  let offset = 0;
  const add = (name: string, data: Buffer, method: 0 | 8) => {
    const n = Buffer.from(name);
    const body = method === 8 ? deflateRawSync(data) : data;
    const crc = crc32(data);
    const l = Buffer.alloc(30);
    l.writeUInt32LE(0x04034b50, 0);
    l.writeUInt16LE(20, 4);
    l.writeUInt16LE(method, 8);
    l.writeUInt32LE(crc, 14);
    l.writeUInt32LE(body.length, 18);
    l.writeUInt32LE(data.length, 22);
    l.writeUInt16LE(n.length, 26);
    writeSync(fd, l);
    writeSync(fd, n);
    writeSync(fd, body);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, n);
    offset += 30 + n.length + body.length;
  };
  for (let i = 0; i < 48; i++) add(`big/lib${i}.so`, randomBytes(2 * 1024 * 1024), 0);
  const py = Buffer.from(Array.from({ length: 1500 }, (_, i) => `def f${i}(x):\n    return x * ${i}  # ${'z'.repeat(i % 40)}\n`).join(''));
  for (let i = 0; i < 400; i++) add(`big/mod${i}.py`, py, 8);
  add('big-1.0.dist-info/WHEEL', Buffer.from('Wheel-Version: 1.0\n'), 8);
  const cd = Buffer.concat(central);
  writeSync(fd, cd);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  writeSync(fd, end);
  closeSync(fd);
}

let wheel: string;
function bigWheel(): string {
  if (!wheel) {
    wheel = join(dir, 'big-1.0-py3-none-any.whl');
    writeBigWheel(wheel);
  }
  return wheel;
}

it('reads a 100 MB wheel with peak RSS under 300 MB', () => {
  const wheel = bigWheel();
  expect(statSync(wheel).size).toBeGreaterThan(95 * 1024 * 1024);
  const script = `
    import { readDistribution } from ${JSON.stringify(join(repo, 'dist/scan/archive/index.js'))};
    import { DEFAULT_LIMITS } from ${JSON.stringify(join(repo, 'dist/scan/limits.js'))};
    const d = await readDistribution(process.argv[1], { filename: 'big.whl', sha256: 'x', limits: DEFAULT_LIMITS,
      wantsContent: (p) => p.endsWith('.py') || p.endsWith('WHEEL') });
    const kept = d.members.filter((m) => m.data).length;
    const sizes = d.members.reduce((a, m) => a + m.size, 0);
    const sniffed = d.members.filter((m) => m.sniffed).length;
    console.log(JSON.stringify({ format: d.format, members: d.members.length, kept, sniffed, sizes, total: d.totalBytes,
      maxRssMb: process.resourceUsage().maxRSS / 1024 }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, wheel], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!);
  console.log(`100 MB wheel: ${JSON.stringify(r)}`);
  expect(r).toMatchObject({ format: 'wheel', members: 449, kept: 401 });
  expect(r.sizes).toBeGreaterThan(100 * 1024 * 1024);
  // The 48 random binaries are only sniffed (their first bytes): the Python is what is inflated.
  expect(r.sniffed).toBe(48);
  expect(r.total).toBeLessThan(r.sizes / 2);
  expect(r.maxRssMb).toBeLessThan(300);
}, 120_000);

it('scans a 100 MB wheel end to end (reader + default analysis) with peak RSS under 300 MB', () => {
  const script = `
    import { createScanner } from ${JSON.stringify(join(repo, 'dist/scan/scan.js'))};
    const r = await createScanner().scan({ path: process.argv[1], filename: 'big-1.0-py3-none-any.whl', sha256: 'x' });
    console.log(JSON.stringify({ verdict: r.verdict, reason: r.reason ?? null, ms: r.ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, bigWheel()], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!);
  console.log(`100 MB wheel, full scan: ${JSON.stringify(r)}`);
  // Reading must succeed; an analysis failure would be the rules' bug, held as error by the proxy.
  expect(r.reason ?? '').not.toMatch(/^(corrupt|truncated|too-large|member-too-large|ratio|timeout)/);
  expect(r.maxRssMb).toBeLessThan(300);
}, 180_000);
