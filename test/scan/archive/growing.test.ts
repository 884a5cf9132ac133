// Issue 13, the scan overlaps the download: an archive read while its temp file grows gives the
// same Distribution as the whole file read afterwards, and nothing at all (an error) when the
// download fails, the bytes do not match the listed sha256, or the file is shorter than said.
// Real files on disk written in pieces with pauses, as the verdict gate writes a download.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDistribution, readGrowingDistribution, type Distribution } from '../../../src/scan/archive/index.js';
import { resolveLimits } from '../../../src/scan/limits.js';
import { growthSignal } from '../../../src/scan/scan.js';
import { disagreeingZip, gzip, makeTar, makeZip } from './fixtures.js';
import { pseudoRandom } from '../../helpers/fault-upstream.js';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pywarden-growing-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const limits = resolveLimits({});
const wantsContent = (p: string) => p.endsWith('.py') || p.endsWith('METADATA');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts reading `body` at a new path while writing it there in `pieces` with pauses (the file is
 * created a little after the read starts, as the gate's write stream opens it); then ends the
 * download as `end` says. Returns the read's outcome.
 */
async function readWhileWriting(
  body: Buffer,
  opts: { pieces?: number; end?: 'complete' | 'abort'; sha256?: string; size?: number; stopAt?: number; expected?: number | null; moveTo?: string } = {},
): Promise<{ dist: Distribution; early: number }> {
  const path = join(dir, `f${n++}`);
  const growth = growthSignal();
  const reading = readGrowingDistribution(path, growth, {
    filename: 'x.whl',
    sha256: opts.sha256 ?? sha(body),
    limits,
    wantsContent,
    expectedSize: opts.expected === undefined ? body.length : opts.expected,
  });
  reading.catch(() => undefined);
  await pause(10);
  const fd = openSync(path, 'wx');
  const upTo = opts.stopAt ?? body.length;
  const pieces = opts.pieces ?? 8;
  const step = Math.ceil(upTo / pieces);
  for (let at = 0; at < upTo; at += step) {
    writeSync(fd, body, at, Math.min(step, upTo - at), at);
    await pause(15);
  }
  closeSync(fd);
  if (opts.moveTo) renameSync(path, opts.moveTo);
  if (opts.end === 'abort') growth.abort();
  else growth.complete(opts.size ?? body.length, opts.moveTo ?? path);
  return reading;
}

async function wholeFile(body: Buffer): Promise<Distribution> {
  const path = join(dir, `w${n++}`);
  writeFileSync(path, body);
  return readDistribution(path, { filename: 'x.whl', sha256: sha(body), limits, wantsContent });
}

const view = (d: Distribution) => ({ ...d, members: d.members.map((m) => ({ ...m, head: m.head.toString('hex'), data: m.data?.toString('hex') })) });

/** A wheel of deflated modules big enough to arrive in several pieces. */
function bigWheel(): Buffer {
  const entries = Array.from({ length: 40 }, (_, i) => ({ name: `pkg/m${i}.py`, data: `# module ${i}\n` + `def f${i}(x):\n    return x * ${i}\n`.repeat(400) }));
  entries.push({ name: 'pkg/blob.bin', data: pseudoRandom(300_000, 'blob').toString('latin1') });
  entries.push({ name: 'pkg-1.0.dist-info/METADATA', data: 'Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n' });
  entries.push({ name: 'pkg-1.0.dist-info/WHEEL', data: 'Wheel-Version: 1.0\n' });
  return makeZip(entries);
}

describe('an archive read while it downloads', () => {
  it('a wheel: the same members and contents as the whole file read afterwards, most bytes read before the end', async () => {
    const body = bigWheel();
    const { dist, early } = await readWhileWriting(body);
    expect(view(dist)).toEqual(view(await wholeFile(body)));
    expect(dist.members.filter((m) => m.data).length).toBe(41);
    expect(early).toBeGreaterThan(body.length / 2);
  });

  it('a file moved to where it is stored once whole (the gate commits the blob) is read there to its end', async () => {
    const body = bigWheel();
    const tgz = gzip(await makeTar([{ name: 'p-1.0/setup.py', data: 'x = 1\n'.repeat(50_000) }]));
    expect(view((await readWhileWriting(body, { moveTo: join(dir, `moved${n++}`) })).dist)).toEqual(view(await wholeFile(body)));
    expect(view((await readWhileWriting(tgz, { moveTo: join(dir, `moved${n++}`) })).dist)).toEqual(view(await wholeFile(tgz)));
    // Moved before the reader ever opened it (its scan process was still starting): read where it was stored.
    const growth = growthSignal();
    const stored = join(dir, `stored${n++}`);
    const reading = readGrowingDistribution(join(dir, 'never-created'), growth, { filename: 'x.whl', sha256: sha(body), limits, wantsContent, expectedSize: body.length });
    await pause(10);
    writeFileSync(stored, body);
    growth.complete(body.length, stored);
    expect(view((await reading).dist)).toEqual(view(await wholeFile(body)));
  });

  it('a wheel without a listed size, and a tar.gz sdist: the same as the whole file', async () => {
    const body = bigWheel();
    expect(view((await readWhileWriting(body, { expected: null })).dist)).toEqual(view(await wholeFile(body)));
    const tgz = gzip(
      await makeTar([
        { name: 'p-1.0/setup.py', data: 'from setuptools import setup\nsetup()\n'.repeat(2000) },
        { name: 'p-1.0/data.bin', data: pseudoRandom(200_000, 'tar') },
        { name: 'p-1.0/PKG-INFO', data: 'Name: p\n' },
      ]),
    );
    const { dist, early } = await readWhileWriting(tgz, { expected: null });
    expect(view(dist)).toEqual(view(await wholeFile(tgz)));
    expect(early).toBeGreaterThan(0);
  });

  it('a wheel over the 32 MiB kept in memory: hashed as it arrives, then read from disk, the same as the whole file', async () => {
    const body = makeZip([
      { name: 'big/__init__.py', data: 'x = 1\n' },
      { name: 'big/blob.bin', data: randomBytes(33 * 1024 * 1024), method: 0 },
      { name: 'big/late.py', data: 'import os\n' },
    ]);
    const { dist, early } = await readWhileWriting(body, { pieces: 6, expected: null });
    expect(view(dist)).toEqual(view(await wholeFile(body)));
    expect(dist.members.find((m) => m.path === 'big/late.py')?.data?.toString()).toBe('import os\n');
    expect(early).toBeGreaterThan(0);
  });

  it('a zip whose central directory disagrees with its local headers is read as its central directory says (as pip installs it)', async () => {
    const body = disagreeingZip();
    const { dist } = await readWhileWriting(body, { pieces: 4 });
    expect(view(dist)).toEqual(view(await wholeFile(body)));
    const byName = new Map(dist.members.map((m) => [m.path, m.data?.toString()]));
    // Hidden from a walk of local headers (behind junk), listed by the central directory: read.
    expect(byName.get('evil.py')).toContain('EVIL');
    // Local name ok.py, listed as evil2.py: its bytes under the listed name.
    expect(byName.get('evil2.py')).toContain('EVIL two');
    expect([...byName.keys()].sort()).toEqual(['README.txt', 'evil.py', 'evil2.py']);
  });

  it('a download that fails (truncated upstream) ends the read with an error, never a Distribution', async () => {
    const body = bigWheel();
    await expect(readWhileWriting(body, { stopAt: Math.floor(body.length / 2), end: 'abort' })).rejects.toThrow(/download did not complete/);
  });

  it('bytes that do not match the listed sha256 end the read with an error, however whole the archive looks', async () => {
    const body = bigWheel();
    await expect(readWhileWriting(body, { sha256: sha(Buffer.from('other')) })).rejects.toThrow(/do not match its verified sha256/);
    const tgz = gzip(await makeTar([{ name: 'p-1.0/setup.py', data: 'x = 1\n' }]));
    await expect(readWhileWriting(tgz, { sha256: '0'.repeat(64) })).rejects.toThrow(/do not match/);
    // Not an archive at all: still no answer about the bytes until they are verified.
    await expect(readWhileWriting(Buffer.from('not an archive at all'), { sha256: '1'.repeat(64) })).rejects.toThrow(/do not match/);
  });

  it('a file shorter or longer than the size the download verified is an error', async () => {
    const body = bigWheel();
    await expect(readWhileWriting(body, { stopAt: body.length - 100 })).rejects.toThrow(/ends at/);
    await expect(readWhileWriting(body, { size: body.length - 100 })).rejects.toThrow(/longer than/);
  });
});
