// Reads OSV record documents from a .json file (one record, or a list of records), a folder
// (recursive; .json and .zip files) or an OSV zip export (osv.dev's all.zip: one JSON per record).
// Zips are read in memory with yauzl, bounded: the zip's size, each entry's declared and actual
// size (validateEntrySizes), the number of entries and the bytes inflated in total.
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import yauzl from 'yauzl';

export interface LoadLimits {
  /** Largest .json file or zip entry, in bytes (one OSV record is a few KiB). */
  maxRecordBytes: number;
  /** Largest zip (osv.dev's PyPI all.zip was ~30 MiB in 2025). */
  maxZipBytes: number;
  maxEntries: number;
  /** Bytes inflated from one zip in total. */
  maxInflatedBytes: number;
}

export const DEFAULT_LIMITS: LoadLimits = {
  maxRecordBytes: 16 * 1024 * 1024,
  maxZipBytes: 512 * 1024 * 1024,
  maxEntries: 1_000_000,
  maxInflatedBytes: 4 * 1024 * 1024 * 1024,
};

/** One document found, or why a file or entry could not be read (counted as invalid). */
export type Loaded = { where: string; doc: unknown } | { where: string; error: string };

export class SourceError extends Error {
  override name = 'SourceError';
}

const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');
const EMPTY_ZIP_MAGIC = Buffer.from('PK\x05\x06', 'latin1');

export function isZip(buf: Buffer): boolean {
  return buf.subarray(0, 4).equals(ZIP_MAGIC) || buf.subarray(0, 4).equals(EMPTY_ZIP_MAGIC);
}

/** Every document under the given paths. A path that does not exist is a SourceError (a usage error). */
export async function* loadPaths(paths: string[], limits: LoadLimits = DEFAULT_LIMITS): AsyncGenerator<Loaded> {
  for (const p of paths) {
    const st = await lstat(p).catch(() => null);
    if (!st) throw new SourceError(`${p}: no such file or folder`);
    if (st.isDirectory()) {
      for (const f of await walk(p)) yield* loadFile(f, limits);
    } else if (st.isFile()) {
      yield* loadFile(p, limits);
    } else {
      throw new SourceError(`${p}: not a file or folder`);
    }
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  // Symbolic links are not followed: a link loop cannot make the walk endless.
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (e.isFile() && /\.(json|zip)$/i.test(e.name)) out.push(full);
  }
  return out.sort();
}

async function* loadFile(file: string, limits: LoadLimits): AsyncGenerator<Loaded> {
  const size = (await lstat(file)).size;
  const zipName = /\.zip$/i.test(file);
  if (size > (zipName ? limits.maxZipBytes : Math.max(limits.maxRecordBytes, limits.maxZipBytes))) {
    yield { where: file, error: `${size} bytes is over the limit` };
    return;
  }
  yield* loadBuffer(await readFile(file), file, limits);
}

/** Documents in one buffer: a zip export or JSON (a record or a list of records). */
export async function* loadBuffer(buf: Buffer, where: string, limits: LoadLimits = DEFAULT_LIMITS): AsyncGenerator<Loaded> {
  if (isZip(buf)) {
    if (buf.length > limits.maxZipBytes) {
      yield { where, error: `zip of ${buf.length} bytes is over the limit of ${limits.maxZipBytes}` };
      return;
    }
    yield* loadZip(buf, where, limits);
    return;
  }
  if (buf.length > limits.maxRecordBytes && !buf.subarray(0, 64).toString('utf8').trimStart().startsWith('[')) {
    yield { where, error: `${buf.length} bytes is over the limit for one record` };
    return;
  }
  yield* parseJson(buf, where);
}

function* parseJson(buf: Buffer, where: string): Generator<Loaded> {
  let doc: unknown;
  try {
    doc = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    yield { where, error: `not JSON: ${(err as Error).message}` };
    return;
  }
  if (Array.isArray(doc)) for (const [i, d] of doc.entries()) yield { where: `${where}[${i}]`, doc: d };
  else yield { where, doc };
}

async function* loadZip(buf: Buffer, where: string, limits: LoadLimits): AsyncGenerator<Loaded> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(buf, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false });
  } catch (err) {
    yield { where, error: `unreadable zip: ${(err as Error).message}` };
    return;
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    yield { where, error: `zip holds ${zip.entryCount} entries, over the limit of ${limits.maxEntries}` };
    return;
  }
  let inflated = 0;
  try {
    for (;;) {
      const entry = await nextEntry(zip);
      if (!entry) break;
      const name = `${where}:${entry.fileName}`;
      if (entry.fileName.endsWith('/') || !/\.json$/i.test(entry.fileName)) continue;
      if (entry.uncompressedSize > limits.maxRecordBytes) {
        yield { where: name, error: `entry of ${entry.uncompressedSize} bytes is over the limit` };
        continue;
      }
      inflated += entry.uncompressedSize;
      if (inflated > limits.maxInflatedBytes) {
        yield { where, error: `more than ${limits.maxInflatedBytes} bytes inflated; the rest of the zip is skipped` };
        break;
      }
      let data: Buffer;
      try {
        data = await readEntry(zip, entry);
      } catch (err) {
        yield { where: name, error: `unreadable entry: ${(err as Error).message}` };
        continue;
      }
      yield* parseJson(data, name);
    }
  } finally {
    zip.close();
  }
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (e: yauzl.Entry) => (cleanup(), resolve(e));
    const onEnd = () => (cleanup(), resolve(null));
    const onError = (err: Error) => (cleanup(), reject(err));
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  // validateEntrySizes makes the stream fail when the inflated bytes differ from the declared size,
  // so the size checked above bounds what is read here.
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
