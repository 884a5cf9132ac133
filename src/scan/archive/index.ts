// The archive reader's public face: one pass over a distribution file, container recognised from
// its bytes, every limit enforced while streaming, nothing written to disk.
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Collector } from './collector.js';
import { GrowingFile, type Growth } from './growing.js';
import { sniffContainer, SNIFF_BYTES, type Container } from './sniff.js';
import { readTar } from './tar.js';
import { LocalHeaderWalker, readZip, ZIP_BUFFER_MAX } from './zip.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { ArchiveError, type ArchiveLimits, type ArchiveMember, type DistFormat, type Distribution } from './types.js';

export { ArchiveError } from './types.js';
export type { ArchiveLimits, ArchiveMember, Distribution, DistFormat, MemberType } from './types.js';
export { sniffContainer, sniffFile, type Container } from './sniff.js';
export type { Growth } from './growing.js';

export interface ReadOptions {
  filename: string;
  sha256: string;
  limits: ArchiveLimits;
  wantsContent: (memberPath: string, size: number) => boolean | 'data';
}

/** Longest tail in which a zip end-of-central-directory record can sit (22 bytes + 64 KiB comment). */
const EOCD_SEARCH = 22 + 0xffff;
const EOCD_SIG = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

export async function readDistribution(path: string, opts: ReadOptions): Promise<Distribution> {
  const started = Date.now();
  const { size: fileBytes } = await stat(path);
  const { head, tail } = await readEnds(path, fileBytes);
  const container = sniffContainer(head);
  if (!container) throw unknownFormat(fileBytes);
  if (container !== 'zip') checkNoZipTail(container, tail);
  const collector = new Collector({
    limits: opts.limits,
    wantsContent: opts.wantsContent,
    fileBytes,
    deadline: started + opts.limits.timeoutMs,
  });
  try {
    if (container === 'zip') await readZip(path, collector, fileBytes);
    else await readTar(path, container, collector);
  } catch (err) {
    throw toArchiveError(err);
  }
  return distribution(opts, container, collector, fileBytes);
}

/**
 * The same Distribution as `readDistribution`, from a file read while it downloads (issue 13): a
 * tar is decompressed and its members collected as its bytes arrive; a zip (up to ZIP_BUFFER_MAX)
 * is kept in memory as it arrives while its local headers are walked and the members the analysis
 * reads are inflated, and is then read from its central directory once whole, as pip reads it.
 * Whatever happens, nothing is returned or thrown before the whole file is in and the sha256 of
 * the bytes read is the listed one: a failed download or a mismatch throws instead, so a partial
 * or unverified file never yields a Distribution (and no verdict can come of it).
 * `early` is how many bytes were read before the file was complete.
 */
export async function readGrowingDistribution(
  path: string,
  growth: Growth,
  opts: ReadOptions & { expectedSize: number | null },
): Promise<{ dist: Distribution; early: number }> {
  const file = new GrowingFile(path, growth, opts.sha256, opts.expectedSize, ZIP_BUFFER_MAX);
  // Waiting for bytes is not scanning: the time limit runs from the moment the file is whole.
  const collectorFor = (fileBytes: number) => {
    const c = new Collector({ limits: opts.limits, wantsContent: opts.wantsContent, fileBytes, deadline: Infinity });
    void growth.done.then(() => (c.deadline = Date.now() + opts.limits.timeoutMs), () => undefined);
    return c;
  };
  try {
    const head: Buffer[] = [];
    let headBytes = 0;
    for (let c; headBytes < SNIFF_BYTES && (c = await file.next()) !== null; headBytes += c.length) head.push(c);
    const container = sniffContainer(Buffer.concat(head).subarray(0, SNIFF_BYTES));
    let dist: Distribution;
    if (container === 'zip') {
      const walker = new LocalHeaderWalker(opts.wantsContent, opts.limits.maxTotalContentBytes ?? DEFAULT_LIMITS.maxTotalContentBytes!);
      let whole: Buffer | undefined;
      for (let buf = file.buffer; buf; buf = file.buffer) {
        walker.advance(buf);
        if ((await file.next()) === null) {
          whole = file.buffer;
          break;
        }
      }
      // Over ZIP_BUFFER_MAX the bytes stopped being kept: the rest is hashed here and read from disk below.
      if (!whole) await file.drain();
      const collector = collectorFor(file.filled);
      await readZip(file.path, collector, file.filled, whole && { buf: whole, memo: walker.memo }).catch((err) => Promise.reject(toArchiveError(err)));
      dist = distribution(opts, container, collector, file.filled);
    } else {
      file.release();
      if (!container) {
        await file.drain();
        throw unknownFormat(file.filled);
      }
      // No listed size: the running ratio check in readTar (bytes out / bytes in so far) still applies.
      const collector = collectorFor(opts.expectedSize ?? Number.MAX_SAFE_INTEGER);
      const source = Readable.from(
        (async function* () {
          yield* head;
          for (let c; (c = await file.next()) !== null; ) yield c;
        })(),
        { objectMode: false },
      );
      await readTar(source, container, collector).catch((err) => Promise.reject(toArchiveError(err)));
      await file.drain(); // bytes after the end of the compressed stream: hashed and verified too
      const { tail } = await readEnds(file.path, file.filled);
      checkNoZipTail(container, tail);
      collector.checkTotalRatio(collector.totalBytes, file.filled);
      dist = distribution(opts, container, collector, file.filled);
    }
    return { dist, early: file.early };
  } catch (err) {
    // A finding about the bytes stands only for the whole, verified file: read on to its end,
    // and if the download fails or the bytes do not match, that is the error.
    file.release();
    await file.drain();
    throw err;
  } finally {
    await file.close();
  }
}

function unknownFormat(fileBytes: number): ArchiveError {
  return new ArchiveError('unknown-format', fileBytes === 0 ? 'empty file' : 'not a gzip, xz, bzip2, zip or tar archive');
}

/**
 * pip asks zipfile.is_zipfile() before looking at the name, and that only searches the end of
 * the file: a tar with a zip appended would be installed from the zip we never read.
 */
function checkNoZipTail(container: Container, tail: Buffer): void {
  if (tail.includes(EOCD_SIG)) throw new ArchiveError('corrupt', `${container} file ends with a zip directory (tar/zip polyglot)`);
}

function distribution(opts: ReadOptions, container: Container, collector: Collector, fileBytes: number): Distribution {
  return {
    filename: opts.filename,
    sha256: opts.sha256,
    format: classify(container, collector.members),
    container,
    members: collector.members,
    totalBytes: collector.totalBytes,
    fileBytes,
  };
}

async function readEnds(path: string, fileBytes: number): Promise<{ head: Buffer; tail: Buffer }> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, fileBytes));
    await fh.read(head, 0, head.length, 0);
    const tailLen = Math.min(EOCD_SEARCH, fileBytes);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, fileBytes - tailLen);
    return { head, tail };
  } finally {
    await fh.close();
  }
}

function classify(container: Container, members: ArchiveMember[]): DistFormat {
  if (container !== 'zip') return 'sdist-tar';
  // PEP 427: a wheel carries {name}-{version}.dist-info/WHEEL at its root.
  if (members.some((m) => /^[^/]+\.dist-info\/WHEEL$/.test(m.path))) return 'wheel';
  if (members.some((m) => m.path.startsWith('EGG-INFO/'))) return 'egg';
  return 'sdist-zip';
}

/** Map whatever a decoder threw to a stable code; the message keeps the decoder's words. */
export function toArchiveError(err: unknown): ArchiveError {
  if (err instanceof ArchiveError) return err;
  const e = err as NodeJS.ErrnoException;
  const message = e?.message ?? String(err);
  if (/unexpected end|end of (file|data)|truncated|premature close|Z_BUF_ERROR|not enough|EOF/i.test(`${message} ${e?.code ?? ''}`)) {
    return new ArchiveError('truncated', message);
  }
  return new ArchiveError('corrupt', message);
}
