// Tar reader (sdists): file → byte counter → decompressor → byte counter → tar-stream, one pass,
// nothing written to disk. The counters feed the total-size and ratio limits with the bytes that
// actually flow, so a gzip bomb is stopped after about a megabyte past the limit, whatever the
// headers claim.
import { createReadStream } from 'node:fs';
import { Duplex, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createRequire } from 'node:module';
import tar from 'tar-stream';
import { TransformStream, type ReadableStream } from 'node:stream/web';
import type { XzReadableStream as XzStream } from 'xz-decompress';
import type { Collector } from './collector.js';
import { createBunzip2 } from './bzip2.js';
import type { MemberType } from './types.js';
import type { Container } from './sniff.js';

const require = createRequire(import.meta.url);

function memberType(t: string | null | undefined): MemberType {
  switch (t) {
    case 'file':
    case 'contiguous-file':
    case undefined:
    case null:
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
    case 'block-device':
    case 'fifo':
      return 'device';
    default:
      return 'other';
  }
}

function decoder(container: Container, guard: (produced: number, consumed: number) => void): Duplex | undefined {
  switch (container) {
    case 'tar.gz':
      // Multi-member gzip is decoded as one stream, as Python's gzip module does.
      return createGunzip();
    case 'tar.xz': {
      // xz-decompress is WebAssembly over WHATWG streams; bridge it into a Node duplex.
      const pass = new TransformStream<Uint8Array, Uint8Array>();
      const { XzReadableStream } = require('xz-decompress') as { XzReadableStream: typeof XzStream };
      const xz = new XzReadableStream(pass.readable as unknown as globalThis.ReadableStream<Uint8Array>);
      return Duplex.fromWeb({ writable: pass.writable, readable: xz as unknown as ReadableStream<Uint8Array> });
    }
    case 'tar.bz2':
      return createBunzip2(guard);
    default:
      return undefined;
  }
}

/** `from`: the file's path, or its bytes as a stream (a file read while it downloads). */
export async function readTar(from: string | Readable, container: Container, collector: Collector): Promise<void> {
  let compressed = 0;
  let decompressed = 0;
  const source = typeof from === 'string' ? createReadStream(from, { highWaterMark: 64 * 1024 }) : from;
  const countIn = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      compressed += chunk.length;
      cb(null, chunk);
    },
  });
  const countOut = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      decompressed += chunk.length;
      try {
        collector.checkTotal(decompressed);
        collector.checkTotalRatio(decompressed, compressed);
        collector.checkDeadline();
        cb(null, chunk);
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  const extract = tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);
  const dec = decoder(container, (produced, consumed) => {
    collector.checkTotal(produced);
    collector.checkTotalRatio(produced, consumed);
    collector.checkDeadline();
  });
  const stages: (Readable | Duplex | NodeJS.WritableStream)[] = dec ? [source, countIn, dec, countOut, extract] : [source, countIn, countOut, extract];
  const done = (pipeline as (...s: unknown[]) => Promise<void>)(...stages);
  let pipelineError: unknown;
  done.catch((err) => {
    pipelineError = err;
  });
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const writer = collector.begin({
        path: h.name,
        type: memberType(h.type),
        claimedSize: h.size ?? 0,
        linkTarget: h.linkname ?? undefined,
        mode: h.mode,
      });
      for await (const chunk of entry as AsyncIterable<Buffer>) writer.write(chunk);
      writer.end();
    }
    await done;
  } catch (err) {
    source.destroy();
    extract.destroy();
    // A limit hit inside the counters surfaces in the pipeline; prefer that precise error over the
    // "premature close" the extractor reports when the pipeline tears down.
    await done.catch(() => undefined);
    throw pipelineError && (pipelineError as Error).name === 'ArchiveError' ? pipelineError : err;
  }
}
