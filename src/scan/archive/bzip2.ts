// bzip2 decoding with bounded memory. unbzip2-stream's own stream wrapper decodes every block it
// has input for in one synchronous burst and collects each block byte by byte in a JS array: a
// 401-byte bz2 bomb made it hold 3.4 GB. This wrapper drives the same block decoder
// (unbzip2-stream/lib/bzip2.js, pure JS) itself: output goes into 1 MiB buffers, and `guard`
// (the reader's limits) runs on every buffer, so a bomb is stopped a megabyte past the limit.
import { Transform, type TransformCallback } from 'node:stream';
import { createRequire } from 'node:module';
import { ArchiveError } from './types.js';

const require = createRequire(import.meta.url);

interface BitReader {
  (n: number | null): number;
  bytesRead: number;
}
interface Bz2 {
  header(bits: BitReader): number;
  decompress(bits: BitReader, out: (b: number) => void, buf: Int32Array, bufsize: number, crc: number): number | null;
}
const bz2 = require('unbzip2-stream/lib/bzip2.js') as Bz2;
const bitIterator = require('unbzip2-stream/lib/bit_iterator.js') as (next: () => Buffer | undefined) => BitReader;

const OUT_CHUNK = 1024 * 1024;
/** A full block (900k) compresses to at most ~1 MB; wait for this much input before decoding one. */
const BLOCK_INPUT = 25_000 + 100_000 * 9;

/** `guard(producedBytes, consumedBytes)` throws (an ArchiveError) to stop decoding. */
export function createBunzip2(guard: (produced: number, consumed: number) => void): Transform {
  const queue: Buffer[] = [];
  let received = 0;
  let produced = 0;
  let blockSize = 0;
  let crc: number | null = 0;
  let bits: BitReader | undefined;
  let out = Buffer.allocUnsafe(OUT_CHUNK);
  let fill = 0;

  const next = () => {
    const b = queue.shift();
    if (!b) throw new ArchiveError('truncated', 'bzip2 stream ends in the middle of a block');
    return b;
  };

  return new Transform({
    transform(this: Transform, chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      queue.push(chunk);
      received += chunk.length;
      bits ??= bitIterator(next);
      try {
        // Decode only blocks whose input has fully arrived (a block never needs more than this).
        while (received - bits.bytesRead > BLOCK_INPUT) decodeOne(this);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(this: Transform, cb: TransformCallback) {
      try {
        while (bits && received > bits.bytesRead) decodeOne(this);
        if (blockSize !== 0) throw new ArchiveError('truncated', 'bzip2 stream ended before its end-of-stream marker');
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });

  function emit(stream: Transform, b: number): void {
    out[fill++] = b;
    if (fill === OUT_CHUNK) flushOut(stream);
  }

  function flushOut(stream: Transform): void {
    if (fill === 0) return;
    produced += fill;
    guard(produced, bits?.bytesRead ?? received);
    stream.push(out.subarray(0, fill));
    out = Buffer.allocUnsafe(OUT_CHUNK);
    fill = 0;
  }

  function decodeOne(stream: Transform): void {
    const b = bits!;
    if (!blockSize) {
      blockSize = bz2.header(b);
      crc = 0;
      return;
    }
    const bufsize = 100_000 * blockSize;
    crc = bz2.decompress(b, (x) => emit(stream, x), new Int32Array(bufsize), bufsize, crc!);
    if (crc === null) {
      // End of this bzip2 stream (the decoder aligned to a byte); a concatenated one may follow.
      blockSize = 0;
    }
    flushOut(stream);
  }
}
