// Zip reader (wheels, eggs, zip sdists) on yauzl, reading from the file descriptor so a 100 MB
// wheel is never held whole. Names are decoded and kept raw (no validation by yauzl): a hostile
// name is a finding for the rules, not a reason to stop reading.
import { readFile } from 'node:fs/promises';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import type { Readable } from 'node:stream';
import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import { HEAD_BYTES, type Collector } from './collector.js';
import { ArchiveError, type MemberType } from './types.js';

const S_IFMT = 0o170000;
const LINK_TARGET_MAX = 4096;

// decodeStrings off: yauzl would reject "../x" or "/x" names outright; we decode ourselves.
const ZIP_OPTIONS = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false };

/**
 * Files up to this size are read into memory in one go and parsed from the buffer. Fast path: from
 * the descriptor yauzl issues several small reads per member, and a 9 MB wheel of 11,572 members
 * (plotly) spent 3 s waiting on them; larger files keep the descriptor so memory stays bounded.
 */
export const ZIP_BUFFER_MAX = 32 * 1024 * 1024;

/** Members up to this size are inflated synchronously from the buffer (no stream, no thread-pool hop). */
const SYNC_INFLATE_MAX = 8 * 1024 * 1024;

async function openZip(path: string, fileBytes: number, read?: Buffer): Promise<{ zip: ZipFile; buf?: Buffer }> {
  if (read || fileBytes <= ZIP_BUFFER_MAX) {
    const buf = read ?? (await readFile(path));
    const zip = await new Promise<ZipFile>((resolve, reject) =>
      yauzl.fromBuffer(buf, ZIP_OPTIONS, (err, z) => (err ? reject(err) : resolve(z))),
    );
    return { zip, buf };
  }
  return { zip: await new Promise((resolve, reject) => yauzl.open(path, ZIP_OPTIONS, (err, z) => (err ? reject(err) : resolve(z)))) };
}

/**
 * Inflated members of a zip read while it downloaded (LocalHeaderWalker), keyed by what decides
 * the result: where the compressed bytes start, how many, the method and the declared size.
 */
export type InflateMemo = Map<string, Buffer>;

const memoKey = (dataStart: number, compressedSize: number, method: number, size: number) => `${dataStart}:${compressedSize}:${method}:${size}`;

/** A member's bytes from its compressed bytes (stored or deflate), capped at its declared size. */
function inflateMember(raw: Buffer, method: number, size: number, path: string): Buffer {
  let data: Buffer;
  try {
    data = method === 8 ? inflateRawSync(raw, { maxOutputLength: size + 1 }) : raw;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ArchiveError('corrupt', `${path} inflates to more than the ${size} bytes its header declares`);
    }
    throw err;
  }
  if (data.length !== size) throw new ArchiveError('corrupt', `${path} holds ${data.length} bytes, its header declares ${size}`);
  return data;
}

/**
 * Fast path for a small member of an in-memory zip: slice its bytes and inflate them at once,
 * capped at the size the central directory declares (yauzl's own check, done here by hand).
 * The central directory decides which bytes: the memo only saves inflating the same bytes twice.
 */
async function readSmall(zip: ZipFile, buf: Buffer, entry: Entry, path: string, memo?: InflateMemo): Promise<Buffer> {
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
  const key = memoKey(fileDataStart, entry.compressedSize, entry.compressionMethod, entry.uncompressedSize);
  const done = memo?.get(key);
  if (done) {
    memo!.delete(key); // the collector keeps its own copy; a second entry on the same bytes inflates them again
    return done;
  }
  return inflateMember(buf.subarray(fileDataStart, fileDataStart + entry.compressedSize), entry.compressionMethod, entry.uncompressedSize, path);
}

const LOCAL_SIG = 0x04034b50;

/**
 * Walks a zip's local file headers in file order while its bytes arrive, and inflates the members
 * the analysis will read as soon as their compressed bytes are in (issue 13). It decides nothing:
 * pip installs what the central directory at the end lists, so the members, their names and their
 * bytes still come from the central directory once the whole file is in and verified; what the
 * walker inflated is used only where the central directory points at exactly the same bytes
 * (the same start, length, method and size). It stops at anything it cannot follow in order
 * (data descriptors, zip64, encryption, bytes that are not a local header): the rest is read at the end.
 */
export class LocalHeaderWalker {
  readonly memo: InflateMemo = new Map();
  private pos = 0;
  private stopped = false;
  private memoBytes = 0;

  constructor(
    private readonly wantsContent: (memberPath: string, size: number) => boolean | 'data',
    /** Inflated bytes kept at most (the collector's own budget for content). */
    private readonly maxBytes: number,
  ) {}

  /** Parses every local entry wholly inside `buf` (the file's first bytes). */
  advance(buf: Buffer): void {
    while (!this.stopped && buf.length >= this.pos + 30) {
      const at = this.pos;
      if (buf.readUInt32LE(at) !== LOCAL_SIG) return void (this.stopped = true);
      const flags = buf.readUInt16LE(at + 6);
      const method = buf.readUInt16LE(at + 8);
      const compressed = buf.readUInt32LE(at + 18);
      const size = buf.readUInt32LE(at + 22);
      // Bit 0 encrypted, bit 3 sizes in a data descriptor after the data; 0xffffffff: zip64.
      if (flags & 0x9 || compressed === 0xffffffff || size === 0xffffffff) return void (this.stopped = true);
      const dataStart = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
      if (buf.length < dataStart + compressed) return;
      this.pos = dataStart + compressed;
      if (method !== 8 || size > SYNC_INFLATE_MAX || this.memoBytes + size > this.maxBytes) continue;
      const path = decodeName(buf.subarray(at + 30, at + 30 + buf.readUInt16LE(at + 26)), flags);
      if (this.wantsContent(path, size) === false) continue;
      try {
        this.memo.set(memoKey(dataStart, compressed, method, size), inflateMember(buf.subarray(dataStart, dataStart + compressed), method, size, path));
        this.memoBytes += size;
      } catch {
        /* not inflatable as declared: the read at the end meets the same bytes and says so */
      }
    }
  }
}

function decodeName(raw: Buffer | string, flags: number): string {
  if (typeof raw === 'string') return raw;
  // Bit 11: the name is UTF-8 (APPNOTE 4.4.4). Without it the name is CP437 by the spec, but in
  // practice most tools write UTF-8 anyway; fall back to latin1 only when UTF-8 does not decode.
  if (flags & 0x800) return raw.toString('utf8');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return raw.toString('latin1');
  }
}

function entryType(name: string, entry: Entry): { type: MemberType; mode?: number } {
  const madeBy = entry.versionMadeBy >> 8;
  const unixMode = entry.externalFileAttributes >>> 16;
  // 3 = Unix, 19 = OS X: the high 16 bits of the external attributes are st_mode.
  if ((madeBy === 3 || madeBy === 19) && unixMode !== 0) {
    const mode = unixMode & 0o7777;
    switch (unixMode & S_IFMT) {
      case 0o120000:
        return { type: 'symlink', mode };
      case 0o040000:
        return { type: 'dir', mode };
      case 0o020000:
      case 0o060000:
      case 0o010000:
        return { type: 'device', mode };
      case 0o140000:
        return { type: 'other', mode };
      default:
        return { type: name.endsWith('/') ? 'dir' : 'file', mode };
    }
  }
  return { type: name.endsWith('/') || name.endsWith('\\') ? 'dir' : 'file' };
}

function openStream(zip: ZipFile, entry: Entry, raw?: { end: number }): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, s?: Readable) => (err ? reject(err) : resolve(s!));
    // yauzl takes `decompress` only for compressed entries, and a range only without decompression.
    if (raw) zip.openReadStream(entry, entry.compressionMethod === 0 ? { start: 0, end: raw.end } : { decompress: false, start: 0, end: raw.end }, done);
    else zip.openReadStream(entry, done);
  });
}

/** Compressed bytes read to sniff a member: 1 KiB of deflate yields far more than HEAD_BYTES (and at most ~1 MiB). */
const SNIFF_RAW = 1024;

/** The first bytes of a member without inflating the rest (magic numbers: ELF, PE, zip). */
async function sniffHead(zip: ZipFile, entry: Entry, buf?: Buffer): Promise<Buffer> {
  const n = Math.min(entry.compressedSize, SNIFF_RAW);
  let raw: Buffer;
  if (buf) {
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
    raw = buf.subarray(fileDataStart, fileDataStart + n);
  } else {
    const chunks: Buffer[] = [];
    for await (const c of await openStream(zip, entry, { end: n })) chunks.push(c as Buffer);
    raw = Buffer.concat(chunks);
  }
  if (entry.compressionMethod === 0) return Buffer.from(raw.subarray(0, HEAD_BYTES));
  try {
    // A partial deflate stream: Z_SYNC_FLUSH returns what the bytes so far decode to, without an error.
    return Buffer.from(inflateRawSync(raw, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, HEAD_BYTES));
  } catch {
    return Buffer.alloc(0); // not even its start inflates: no magic number to report
  }
}

async function readEntry(zip: ZipFile, entry: Entry, collector: Collector, buf?: Buffer, memo?: InflateMemo): Promise<void> {
  const path = decodeName(entry.fileName as unknown as Buffer, entry.generalPurposeBitFlag);
  const { type, mode } = entryType(path, entry);
  if (entry.isEncrypted()) {
    // Encrypted content cannot be read, so it cannot be cleared.
    throw new ArchiveError('corrupt', `${path} is encrypted`);
  }
  if (type === 'symlink') {
    if (entry.uncompressedSize > LINK_TARGET_MAX) throw new ArchiveError('corrupt', `${path}: symlink target too long`);
    const chunks: Buffer[] = [];
    for await (const c of await openStream(zip, entry)) chunks.push(c as Buffer);
    const linkTarget = Buffer.concat(chunks).toString('utf8');
    collector.begin({ path, type, claimedSize: 0, linkTarget, mode }).end();
    return;
  }
  const writer = collector.begin({
    path,
    type,
    claimedSize: entry.uncompressedSize,
    compressedSize: entry.compressedSize,
    mode,
  });
  if (writer.sniffOnly) {
    if (entry.compressedSize > 0 && (entry.compressionMethod === 0 || entry.compressionMethod === 8)) writer.write(await sniffHead(zip, entry, buf));
  } else if (entry.uncompressedSize > 0 || entry.compressedSize > 0) {
    if (buf && (entry.compressionMethod === 0 || entry.compressionMethod === 8) && entry.uncompressedSize <= SYNC_INFLATE_MAX) {
      writer.write(await readSmall(zip, buf, entry, path, memo));
    } else {
      for await (const chunk of await openStream(zip, entry)) writer.write(chunk as Buffer);
    }
  }
  writer.end(entry.compressedSize);
}

/**
 * Reads the zip as pip will (its central directory). `read`: the whole file, already in memory
 * (read while it downloaded), with what the local-header walk inflated meanwhile.
 */
export async function readZip(path: string, collector: Collector, fileBytes: number, read?: { buf: Buffer; memo: InflateMemo }): Promise<void> {
  const { zip, buf } = await openZip(path, fileBytes, read?.buf);
  try {
    collector.checkAnnouncedCount(zip.entryCount);
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      zip.on('entry', (entry: Entry) => {
        readEntry(zip, entry, collector, buf, read?.memo).then(() => {
          if (!failed) zip.readEntry();
        }, fail);
      });
      zip.on('end', () => {
        if (!failed) resolve();
      });
      zip.on('error', fail);
      zip.readEntry();
    });
    collector.checkTotalRatio(collector.totalBytes, fileBytes);
  } finally {
    zip.close();
  }
}
