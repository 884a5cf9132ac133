// Real archive writers for hostile fixtures: tar via tar-stream's packer (or raw headers where a
// packer would refuse), zip written by hand (APPNOTE 6.3) so every field can lie.
import { spawnSync } from 'node:child_process';
import { crc32, createDeflateRaw, createGzip, deflateRawSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface TarEntry {
  name: string;
  data?: Buffer | string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  linkname?: string;
  mode?: number;
}

export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
    await new Promise<void>((resolve, reject) => {
      const header = { name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: e.mode, size: data?.length ?? 0 };
      pack.entry(header, data ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const gzip = (b: Buffer) => gzipSync(b);

/** Compress with a system tool (xz, bzip2); undefined when the tool is missing. */
export function compressWith(tool: 'xz' | 'bzip2', b: Buffer): Buffer | undefined {
  const r = spawnSync(tool, ['-c'], { input: b, maxBuffer: 256 * 1024 * 1024 });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout;
}

/** One raw ustar header block (512 bytes) whose size field can claim anything. */
export function rawTarHeader(name: string, size: number, typeflag = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write(typeflag, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

export interface ZipEntry {
  name: string | Buffer;
  data?: Buffer | string;
  /** 0 stored, 8 deflate (default 8 for non-empty data). */
  method?: 0 | 8;
  /** Full st_mode (type + permission bits); makes the entry "made by Unix". */
  unixMode?: number;
  /** Lie about the uncompressed size in both headers. */
  claimedSize?: number;
  /** Pre-compressed payload (deflate raw) with its true size and crc, for bombs. */
  raw?: { compressed: Buffer; size: number; crc: number };
}

/** Build a zip in memory. `overlap`: point N extra central entries at the first local header. */
export function makeZip(entries: ZipEntry[], opts: { overlap?: number } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  // Names given as strings are UTF-8 (flag bit 11); raw Buffers are written without the flag.
  let flags = 0x800;
  const central = (name: Buffer, method: number, crc: number, csize: number, usize: number, mode: number | undefined, at: number) => {
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(mode !== undefined ? (3 << 8) | 20 : 20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(flags, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(crc >>> 0, 16);
    c.writeUInt32LE(csize, 20);
    c.writeUInt32LE(usize, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(mode !== undefined ? (mode << 16) >>> 0 : 0, 38);
    c.writeUInt32LE(at, 42);
    return Buffer.concat([c, name]);
  };
  let first: [Buffer, number, number, number, number, number | undefined] | undefined;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name) : e.name;
    flags = typeof e.name === 'string' ? 0x800 : 0;
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    let method: number, compressed: Buffer, usize: number, crc: number;
    if (e.raw) {
      method = 8;
      ({ compressed, size: usize, crc } = e.raw);
    } else {
      method = e.method ?? (data.length ? 8 : 0);
      compressed = method === 8 ? deflateRawSync(data) : data;
      usize = data.length;
      crc = crc32(data);
    }
    if (e.claimedSize !== undefined) usize = e.claimedSize;
    const l = Buffer.alloc(30);
    l.writeUInt32LE(0x04034b50, 0);
    l.writeUInt16LE(20, 4);
    l.writeUInt16LE(flags, 6);
    l.writeUInt16LE(method, 8);
    l.writeUInt32LE(crc >>> 0, 14);
    l.writeUInt32LE(compressed.length, 18);
    l.writeUInt32LE(usize, 22);
    l.writeUInt16LE(name.length, 26);
    locals.push(l, name, compressed);
    centrals.push(central(name, method, crc, compressed.length, usize, e.unixMode, offset));
    first ??= [name, method, crc, compressed.length, usize, e.unixMode];
    const at = offset;
    offset += 30 + name.length + compressed.length;
    if (first && opts.overlap && centrals.length === 1) {
      for (let i = 0; i < opts.overlap; i++) {
        const [n, m, c, cs, us, md] = first;
        centrals.push(central(Buffer.concat([n, Buffer.from(`.${i}`)]), m, c, cs, us, md, at));
      }
    }
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length, 8);
  end.writeUInt16LE(centrals.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Deflate `size` zero bytes without ever holding them: the payload of a zip bomb. */
export async function zeroBomb(size: number): Promise<{ compressed: Buffer; size: number; crc: number }> {
  const chunk = Buffer.alloc(1024 * 1024);
  const d = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  d.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((resolve, reject) => d.on('end', resolve).on('error', reject));
  let crc = 0;
  for (let left = size; left > 0; left -= chunk.length) {
    const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
    crc = crc32(part, crc);
    if (!d.write(part)) await new Promise((r) => d.once('drain', r));
  }
  d.end();
  await ended;
  return { compressed: Buffer.concat(out), size, crc };
}

/** gzip `size` zero bytes (a tar full of nothing) without holding them. */
export async function gzipZeros(prefix: Buffer, size: number): Promise<Buffer> {
  const chunk = Buffer.alloc(1024 * 1024);
  const g = createGzip({ level: 9 });
  const out: Buffer[] = [];
  g.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((resolve, reject) => g.on('end', resolve).on('error', reject));
  g.write(prefix);
  for (let left = size; left > 0; left -= chunk.length) {
    if (!g.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise((r) => g.once('drain', r));
  }
  g.end();
  await ended;
  return Buffer.concat(out);
}

/**
 * A zip whose central directory and local headers disagree. Local entries in file order: a
 * README, 16 bytes of junk (a walk of local headers in order stops there), then `evil.py`, which
 * only the central directory leads to; and a local `ok.py` whose name the central directory gives
 * to the README's bytes, while its own bytes are listed under `evil2.py`.
 */
export function disagreeingZip(): Buffer {
  const local = (name: string, data: string) => {
    const d = Buffer.from(data);
    const c = deflateRawSync(d);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0x800, 6);
    h.writeUInt16LE(8, 8);
    h.writeUInt32LE(crc32(d) >>> 0, 14);
    h.writeUInt32LE(c.length, 18);
    h.writeUInt32LE(d.length, 22);
    h.writeUInt16LE(Buffer.byteLength(name), 26);
    return { bytes: Buffer.concat([h, Buffer.from(name), c]), crc: crc32(d) >>> 0, csize: c.length, size: d.length };
  };
  const central = (name: string, l: ReturnType<typeof local>, at: number) => {
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x800, 8);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(l.crc, 16);
    c.writeUInt32LE(l.csize, 20);
    c.writeUInt32LE(l.size, 24);
    c.writeUInt16LE(Buffer.byteLength(name), 28);
    c.writeUInt32LE(at, 42);
    return Buffer.concat([c, Buffer.from(name)]);
  };
  const readme = local('ok.py', 'print("the README bytes, named ok.py locally")\n');
  const ok = local('ok.py', 'import os; os.system("EVIL two")\n');
  const junk = Buffer.alloc(16, 0x41);
  const evil = local('README.txt', 'import os; os.system("EVIL")\n');
  const offReadme = 0;
  const offOk = readme.bytes.length;
  const offEvil = offOk + ok.bytes.length + junk.length;
  const cd = Buffer.concat([central('README.txt', readme, offReadme), central('evil2.py', ok, offOk), central('evil.py', evil, offEvil)]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(3, 8);
  end.writeUInt16LE(3, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offEvil + evil.bytes.length, 16);
  return Buffer.concat([readme.bytes, ok.bytes, junk, evil.bytes, cd, end]);
}
