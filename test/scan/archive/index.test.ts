// Hostile and honest archives, built here with real writers, read by the real reader. Each case
// must end quickly with the right members or the right ArchiveError code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { readDistribution, type Distribution } from '../../../src/scan/archive/index.js';
import { ArchiveError, type ArchiveLimits } from '../../../src/scan/archive/types.js';
import { DEFAULT_LIMITS, resolveLimits } from '../../../src/scan/limits.js';
import { compressWith, gzip, gzipZeros, makeTar, makeZip, rawTarHeader, zeroBomb } from './fixtures.js';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pywarden-archive-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wantsPy = (p: string) => /\.(py|pth)$|(^|\/)(PKG-INFO|METADATA|WHEEL)$/.test(p);

function put(bytes: Buffer, name = 'dist.tar.gz'): string {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, bytes);
  return p;
}

function read(path: string, limits: Partial<ArchiveLimits> = {}): Promise<Distribution> {
  return readDistribution(path, { filename: 'x', sha256: '0'.repeat(64), limits: resolveLimits(limits), wantsContent: wantsPy });
}

/** Reads, expects an ArchiveError with `code`, and checks it came back within `ms`. */
async function expectCode(path: string, code: ArchiveError['code'] | ArchiveError['code'][], limits: Partial<ArchiveLimits> = {}, ms = 5_000) {
  const t0 = Date.now();
  const err = await read(path, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected an ArchiveError').toBeInstanceOf(ArchiveError);
  expect([code].flat()).toContain((err as ArchiveError).code);
  expect(Date.now() - t0).toBeLessThan(ms);
  return err as ArchiveError;
}

const SDIST = [
  { name: 'demo-1.0/setup.py', data: 'from setuptools import setup\nsetup(name="demo")\n' },
  { name: 'demo-1.0/PKG-INFO', data: 'Metadata-Version: 2.1\nName: demo\n' },
  { name: 'demo-1.0/demo/__init__.py', data: '' },
  { name: 'demo-1.0/data/blob.bin', data: Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(1000, 7)]) },
];

describe('formats, from the bytes', () => {
  it('reads a gzip sdist: content for wanted members, head only for the rest', async () => {
    const d = await read(put(gzip(await makeTar(SDIST))));
    expect(d.container).toBe('tar.gz');
    expect(d.format).toBe('sdist-tar');
    expect(d.members.map((m) => m.path)).toEqual(SDIST.map((e) => e.name));
    const setup = d.members[0];
    expect(setup.data?.toString()).toContain('setup(name="demo")');
    const blob = d.members[3];
    expect(blob.data).toBeUndefined();
    expect(blob.size).toBe(1004);
    expect(blob.head.length).toBe(64);
    expect(blob.head.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(d.totalBytes).toBe(SDIST.reduce((s, e) => s + Buffer.byteLength(e.data), 0));
  });

  it('reads plain, xz and bzip2 tars', async (ctx) => {
    const t = await makeTar(SDIST);
    expect((await read(put(t, 'd.tar'))).container).toBe('tar');
    const xz = compressWith('xz', t);
    const bz = compressWith('bzip2', t);
    if (!xz || !bz) {
      console.warn('\n*** SKIPPED xz/bzip2 fixtures: the xz or bzip2 command is missing (apt-get install xz-utils bzip2) ***\n');
      ctx.skip();
      return;
    }
    // Named .tar.gz as in the real corpus: the name must not matter.
    const dx = await read(put(xz, 'lies.tar.gz'));
    expect(dx.container).toBe('tar.xz');
    expect(dx.members[0].data?.toString()).toContain('setup(');
    const db = await read(put(bz, 'lies.tar.gz'));
    expect(db.container).toBe('tar.bz2');
    expect(db.members.map((m) => m.path)).toEqual(SDIST.map((e) => e.name));
  });

  it('sees a wheel named .tar.gz as a wheel, and tells eggs and zip sdists apart', async () => {
    const wheel = makeZip([
      { name: 'demo/__init__.py', data: 'x = 1\n' },
      { name: 'demo-1.0.dist-info/WHEEL', data: 'Wheel-Version: 1.0\n' },
      { name: 'demo-1.0.dist-info/METADATA', data: 'Name: demo\n' },
    ]);
    const d = await read(put(wheel, 'demo-1.0.tar.gz'));
    expect(d.container).toBe('zip');
    expect(d.format).toBe('wheel');
    expect(d.members[0].data?.toString()).toBe('x = 1\n');
    expect((await read(put(makeZip([{ name: 'EGG-INFO/PKG-INFO', data: 'Name: e' }]), 'e.egg'))).format).toBe('egg');
    expect((await read(put(makeZip([{ name: 'demo-1.0/setup.py', data: 'x' }]), 'd.zip'))).format).toBe('sdist-zip');
    const empty = await read(put(makeZip([]), 'empty.zip'));
    expect(empty.members).toEqual([]);
  });

  it('refuses what is not an archive, and empty files', async () => {
    await expectCode(put(Buffer.from('#!/bin/sh\necho hi\n'), 'x.tar.gz'), 'unknown-format');
    await expectCode(put(Buffer.alloc(0), 'empty.whl'), 'unknown-format');
  });
});

describe('bombs', () => {
  it('stops a flat zip bomb on its ratio', async () => {
    const bomb = await zeroBomb(64 * 1024 * 1024);
    await expectCode(put(makeZip([{ name: 'a/big.txt', raw: bomb }]), 'b.zip'), 'ratio', {}, 10_000);
  });

  it('stops a zip bomb whose header under-claims its size', async () => {
    const bomb = await zeroBomb(64 * 1024 * 1024);
    // Claims 100 bytes; the ratio check on the claim passes, the real bytes must not.
    const p = put(makeZip([{ name: 'a/setup.py', raw: bomb, claimedSize: 100 }]), 'b.zip');
    await expectCode(p, ['corrupt', 'ratio'], {}, 10_000);
  });

  it('calls a zip member that holds fewer bytes than declared corrupt', async () => {
    await expectCode(put(makeZip([{ name: 'a/setup.py', data: 'x = 1\n', claimedSize: 5000 }]), 'u.zip'), 'corrupt');
  });

  it('stops an overlapping-entries bomb on total ratio, and on total size when the ratio is allowed', async () => {
    const kernel = await zeroBomb(1024 * 1024); // 1 MiB: under the per-member ratio floor
    const z = makeZip([{ name: 'k', raw: kernel }], { overlap: 3000 }); // 3 GiB if fully read
    await expectCode(put(z, 'o.zip'), 'ratio', {}, 15_000);
    // Members nobody reads are only sniffed, so their claims are what is judged (what pip would write).
    await expectCode(put(z, 'o.zip'), 'too-large', { maxRatio: 1e9, maxClaimedBytes: 64 * 1024 * 1024 }, 15_000);
  });

  it('sniffs members the analysis does not read: a 300 MiB library of zeros in a wheel is not inflated', async () => {
    const lib = await zeroBomb(300 * 1024 * 1024);
    const elf = Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01', 'latin1'), Buffer.alloc(1000)]);
    const z = makeZip([{ name: 'pkg/libbig.so', raw: lib }, { name: 'pkg/bin/tool', data: elf }, { name: 'pkg/__init__.py', data: 'x = 1\n' }]);
    const t0 = process.cpuUsage();
    const d = await read(put(z, 'w.whl'), { maxRatio: 1e9 });
    const cpuMs = (process.cpuUsage(t0).user + process.cpuUsage(t0).system) / 1000;
    const big = d.members.find((m) => m.path === 'pkg/libbig.so')!;
    expect(big.sniffed).toBe(true);
    expect(big.size).toBe(300 * 1024 * 1024);
    expect(big.data).toBeUndefined();
    expect(d.members.find((m) => m.path === 'pkg/bin/tool')!.head.subarray(0, 4)).toEqual(Buffer.from('\x7fELF', 'latin1'));
    expect(d.totalBytes).toBeLessThan(4 * 1024 * 1024);
    expect(cpuMs).toBeLessThan(2_000); // inflating 300 MiB would take several seconds of CPU
  });

  it('does not recurse into nested archives (a zip of zip bombs is just members)', async () => {
    const inner = makeZip([{ name: 'big', raw: await zeroBomb(16 * 1024 * 1024) }]);
    const outer = makeZip(Array.from({ length: 5 }, (_, i) => ({ name: `nested/${i}.zip`, data: inner, method: 0 as const })));
    const t0 = Date.now();
    const d = await read(put(outer, 'n.zip'));
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(d.members).toHaveLength(5);
    for (const m of d.members) expect(m.head.subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04', 'latin1'));
    for (const m of d.members) expect(m.size).toBe(inner.length);
  });

  it('stops a gzip bomb in a tar on the real decompressed bytes', async () => {
    const size = 64 * 1024 * 1024;
    const gz = await gzipZeros(rawTarHeader('pkg/zeros.bin', size), size);
    await expectCode(put(gz), 'ratio', {}, 10_000);
    // With the ratio allowed, the total-size limit counts what came out.
    await expectCode(put(gz), ['too-large', 'member-too-large'], { maxRatio: 1e9, maxTotalBytes: 8 * 1024 * 1024 }, 10_000);
  });

  it('stops a bzip2 bomb with bounded memory (blocks decoded one at a time)', async (ctx) => {
    // bzip2 packs ~45 MB of zeros per block into a few dozen bytes; 300 MB is under 500 bytes.
    const zeros = Buffer.alloc(300 * 1024 * 1024);
    const bomb = compressWith('bzip2', zeros);
    if (!bomb) {
      console.warn('\n*** SKIPPED bzip2 bomb: the bzip2 command is missing (apt-get install bzip2) ***\n');
      ctx.skip();
      return;
    }
    const before = process.memoryUsage().rss;
    await expectCode(put(bomb, 'b.tar.bz2'), 'ratio', {}, 10_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('stops an xz bomb on its ratio', async (ctx) => {
    const bomb = compressWith('xz', Buffer.alloc(100 * 1024 * 1024));
    if (!bomb) {
      console.warn('\n*** SKIPPED xz bomb: the xz command is missing (apt-get install xz-utils) ***\n');
      ctx.skip();
      return;
    }
    await expectCode(put(bomb, 'b.tar.gz'), 'ratio', {}, 10_000);
  });

  it('round-trips a multi-block, multi-stream bzip2 tar, and calls a cut one truncated', async (ctx) => {
    const text = Array.from({ length: 120_000 }, (_, i) => `line ${i} ${(i * 2654435761) % 1000003}\n`).join('');
    const t = await makeTar([{ name: 'p/big.py', data: text }, { name: 'p/b.py', data: 'b = 2\n' }]);
    const one = compressWith('bzip2', t.subarray(0, 1_000_000));
    const two = compressWith('bzip2', t.subarray(1_000_000));
    if (!one || !two) {
      console.warn('\n*** SKIPPED bzip2 round trip: the bzip2 command is missing ***\n');
      ctx.skip();
      return;
    }
    const d = await read(put(Buffer.concat([one, two]), 'm.tar.bz2'), { maxContentBytes: 8 * 1024 * 1024 });
    expect(d.members[0].data?.toString()).toBe(text);
    expect(d.members[1].data?.toString()).toBe('b = 2\n');
    await expectCode(put(one.subarray(0, one.length - 100), 'cut.tar.bz2'), ['truncated', 'corrupt']);
  });

  it('refuses a tar member claiming 10 GB without reading it', async () => {
    const t = Buffer.concat([rawTarHeader('pkg/huge.bin', 10 * 1024 ** 3), Buffer.alloc(512, 1)]);
    const err = await expectCode(put(gzip(t)), 'member-too-large', {}, 5_000);
    expect(err.message).toContain('10737418240');
  });

  it('counts the real bytes of a member against maxMemberBytes', async () => {
    const t = await makeTar([{ name: 'pkg/a.bin', data: Buffer.alloc(300_000, 1) }]);
    await expectCode(put(gzip(t)), 'member-too-large', { maxMemberBytes: 100_000 });
  });

  it('refuses 200,000 members in a tar', async () => {
    const gz = createGzip({ level: 1 });
    const out: Buffer[] = [];
    gz.on('data', (c: Buffer) => out.push(c));
    const ended = new Promise((r) => gz.on('end', r));
    for (let i = 0; i < 200_000; i += 1000) {
      const block: Buffer[] = [];
      for (let j = i; j < i + 1000; j++) block.push(rawTarHeader(`pkg/f${j}.py`, 0));
      gz.write(Buffer.concat(block));
    }
    gz.end(Buffer.alloc(1024));
    await ended;
    await expectCode(put(Buffer.concat(out)), 'too-many-members', {}, 30_000);
  });

  it('refuses a zip that announces more members than allowed before reading any', async () => {
    const z = makeZip(Array.from({ length: 2000 }, (_, i) => ({ name: `f${i}` })));
    await expectCode(put(z, 'm.zip'), 'too-many-members', { maxMembers: 1000 }, 5_000);
  });

  it('refuses paths that are too deep or names that are too long', async () => {
    const deep = Array.from({ length: 100 }, () => 'd').join('/') + '/x.py';
    await expectCode(put(makeZip([{ name: deep, data: 'x' }]), 'd.zip'), 'too-deep');
    await expectCode(put(makeZip([{ name: 'a'.repeat(5000), data: 'x' }]), 'l.zip'), 'name-too-long');
    await expectCode(put(gzip(await makeTar([{ name: deep, data: 'x' }]))), 'too-deep');
  });

  it('stops on the time limit', async () => {
    const t = await makeTar(Array.from({ length: 200 }, (_, i) => ({ name: `p/${i}.bin`, data: Buffer.alloc(64 * 1024, i) })));
    await expectCode(put(gzip(t)), 'timeout', { timeoutMs: 1 });
  });
});

describe('hostile names and member types are findings, not crashes', () => {
  const HOSTILE = ['../../etc/passwd', '/etc/cron.d/evil', 'a\\..\\..\\b.py', 'C:\\Windows\\evil.py', 'C:/x.py', 'ok/../../up.py'];

  it('keeps traversal and absolute names from a tar as they are', async () => {
    const d = await read(put(gzip(await makeTar(HOSTILE.map((name) => ({ name, data: 'x = 1' }))))));
    expect(d.members.map((m) => m.path)).toEqual(HOSTILE);
    expect(d.members.every((m) => m.type === 'file')).toBe(true);
  });

  it('keeps traversal and absolute names from a zip as they are', async () => {
    const d = await read(put(makeZip(HOSTILE.map((name) => ({ name, data: 'x = 1' }))), 'h.zip'));
    expect(d.members.map((m) => m.path)).toEqual(HOSTILE);
  });

  it('decodes non-UTF-8 zip names instead of failing', async () => {
    const d = await read(put(makeZip([{ name: Buffer.from([0x63, 0xe9, 0x2e, 0x70, 0x79]), data: 'x' }]), 'n.zip'));
    expect(d.members[0].path).toBe('cé.py');
  });

  it('records tar symlinks, hard links and devices with their type and target', async () => {
    const t = await makeTar([
      { name: 'p/link', type: 'symlink', linkname: '/etc/shadow' },
      { name: 'p/hard', type: 'link', linkname: '../../../root/.ssh/id_rsa' },
      { name: 'p/dev', type: 'character-device' },
      { name: 'p/blk', type: 'block-device' },
      { name: 'p/fifo', type: 'fifo' },
      { name: 'p/', type: 'directory' },
    ]);
    const d = await read(put(gzip(t)));
    expect(d.members.map((m) => [m.path, m.type, m.linkTarget])).toEqual([
      ['p/link', 'symlink', '/etc/shadow'],
      ['p/hard', 'hardlink', '../../../root/.ssh/id_rsa'],
      ['p/dev', 'device', undefined],
      ['p/blk', 'device', undefined],
      ['p/fifo', 'device', undefined],
      ['p/', 'dir', undefined],
    ]);
  });

  it('records zip symlinks (Unix mode) with their target', async () => {
    const z = makeZip([
      { name: 'pkg/evil', data: '/home/user/.ssh/id_rsa', unixMode: 0o120777 },
      { name: 'pkg/run.sh', data: '#!/bin/sh\n', unixMode: 0o100755 },
    ]);
    const d = await read(put(z, 's.zip'));
    expect(d.members[0]).toMatchObject({ path: 'pkg/evil', type: 'symlink', linkTarget: '/home/user/.ssh/id_rsa' });
    expect(d.members[1]).toMatchObject({ type: 'file', mode: 0o755 });
  });
});

describe('damaged archives', () => {
  it('calls a tar header with a bad checksum corrupt', async () => {
    const t = await makeTar(SDIST);
    t[148] = 0x37; // checksum digit
    t[149] = 0x37;
    await expectCode(put(gzip(t)), 'corrupt');
  });

  it('calls a zip with a broken central directory corrupt', async () => {
    const z = makeZip([{ name: 'a.py', data: 'x = 1' }, { name: 'b.py', data: 'y = 2' }]);
    const cd = z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    z.fill(0x41, cd, cd + 8);
    await expectCode(put(z, 'c.zip'), 'corrupt');
  });

  it('calls gzip with trailing garbage corrupt, and accepts zero padding (as Python does)', async () => {
    const gz = gzip(await makeTar(SDIST));
    await expectCode(put(Buffer.concat([gz, Buffer.from('trailing garbage')])), 'corrupt');
    expect((await read(put(Buffer.concat([gz, Buffer.alloc(512)])))).members).toHaveLength(4);
  });

  it('calls truncated gzip and zip files unreadable', async () => {
    const gz = gzip(await makeTar(SDIST));
    await expectCode(put(gz.subarray(0, gz.length >> 1)), 'truncated');
    const z = makeZip(SDIST);
    await expectCode(put(z.subarray(0, z.length >> 1), 't.zip'), ['truncated', 'corrupt']);
  });

  it('refuses a tar with a zip appended (pip would install the zip)', async () => {
    const poly = Buffer.concat([gzip(await makeTar(SDIST)), Buffer.alloc(0), makeZip([{ name: 'setup.py', data: 'evil()' }])]);
    const err = await expectCode(put(poly), 'corrupt');
    expect(err.message).toMatch(/polyglot/);
  });

  it('refuses encrypted zip members (cannot be read, cannot be cleared)', async () => {
    const z = makeZip([{ name: 'a.py', data: 'x = 1' }]);
    // Set the encryption bit in the central directory's flags.
    const cd = z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    z.writeUInt16LE(z.readUInt16LE(cd + 8) | 1, cd + 8);
    await expectCode(put(z, 'e.zip'), 'corrupt');
  });
});

describe('content limits', () => {
  it('marks a wanted member above maxContentBytes as omitted instead of keeping it', async () => {
    const t = await makeTar([{ name: 'p/big.py', data: 'x = 1\n'.repeat(50_000) }, { name: 'p/small.py', data: 'y = 2\n' }]);
    const d = await read(put(gzip(t)), { maxContentBytes: 100_000 });
    expect(d.members[0]).toMatchObject({ path: 'p/big.py', contentOmitted: true, size: 300_000 });
    expect(d.members[0].data).toBeUndefined();
    expect(d.members[1].data?.toString()).toBe('y = 2\n');
  });

  it('fails closed when the code to analyse passes maxTotalContentBytes', async () => {
    const t = await makeTar(Array.from({ length: 20 }, (_, i) => ({ name: `p/m${i}.py`, data: `# ${i}\n`.repeat(10_000) })));
    await expectCode(put(gzip(t)), 'too-large', { maxTotalContentBytes: 200_000 });
  });

  it('default limits are the documented ones', () => {
    expect(DEFAULT_LIMITS).toMatchObject({ maxRatio: 200, maxMembers: 100_000, maxDepth: 64, maxNameLength: 4096, timeoutMs: 30_000 });
    expect(() => resolveLimits({ maxRatio: -1 })).toThrow(/maxRatio/);
    expect(() => resolveLimits({ nope: 1 } as never)).toThrow(/unknown/);
  });
});
