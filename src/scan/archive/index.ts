// The archive reader's public face: one pass over a distribution file, container recognised from
// its bytes, every limit enforced while streaming, nothing written to disk.
import { open, stat } from 'node:fs/promises';
import { Collector } from './collector.js';
import { sniffContainer, SNIFF_BYTES, type Container } from './sniff.js';
import { readTar } from './tar.js';
import { readZip } from './zip.js';
import { ArchiveError, type ArchiveLimits, type ArchiveMember, type DistFormat, type Distribution } from './types.js';

export { ArchiveError } from './types.js';
export type { ArchiveLimits, ArchiveMember, Distribution, DistFormat, MemberType } from './types.js';
export { sniffContainer, sniffFile, type Container } from './sniff.js';

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
  if (!container) {
    throw new ArchiveError('unknown-format', fileBytes === 0 ? 'empty file' : 'not a gzip, xz, bzip2, zip or tar archive');
  }
  if (container !== 'zip' && tail.includes(EOCD_SIG)) {
    // pip asks zipfile.is_zipfile() before looking at the name, and that only searches the end of
    // the file: a tar with a zip appended would be installed from the zip we never read.
    throw new ArchiveError('corrupt', `${container} file ends with a zip directory (tar/zip polyglot)`);
  }
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
