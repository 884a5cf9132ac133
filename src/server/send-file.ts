// Large files straight to the socket (issue 13). A file is read into a ring of reused buffers,
// each handed to the raw response as soon as it is read and read into again once the socket has
// taken it; nothing is copied or allocated per chunk. fs.createReadStream allocates a fresh
// buffer per read, which at eight connections is hundreds of MiB of garbage a second that the
// serving process's RSS carries until a collection.
//
// All responses share one pool of at most POOL buffers (8 MiB), allocated once and never freed,
// so the file buffers' memory is bounded whatever the number of connections: each response takes
// up to RING of them (one being written while the next is read; eight responses fill the pool),
// and when the pool is empty it makes do with fewer, down to one buffer of its own that the
// collector takes back afterwards. Buffers freed and allocated again per response (the previous
// 12 spare 1 MiB buffers and 3 per response) left the process 20-30 MiB larger after eight
// connections (`node bench/memory-load.mjs`).
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/** 512 KiB reads cost the same CPU per byte as 1 MiB ones (256 KiB: a third more), at half the memory. */
const CHUNK = 512 << 10;
const RING = 2;
const POOL = 16;
const spare: Buffer[] = [];
let pooled = 0;

/** Up to `n` buffers from the pool (allocating while it is under POOL), at least one. */
function take(n: number): { ring: Buffer[]; fromPool: number } {
  const ring: Buffer[] = [];
  while (ring.length < n) {
    const b = spare.pop() ?? (pooled < POOL ? (pooled++, Buffer.allocUnsafeSlow(CHUNK)) : undefined);
    if (!b) break;
    ring.push(b);
  }
  const fromPool = ring.length;
  if (!ring.length) ring.push(Buffer.allocUnsafeSlow(CHUNK));
  return { ring, fromPool };
}

/** Buffers the pool has allocated and not lost, and how many of them are idle (tests). */
export function filePool(): { allocated: number; idle: number; max: number } {
  return { allocated: pooled, idle: spare.length, max: POOL };
}

/** Sends bytes start..end (inclusive) of a file after the headers the caller wrote; destroys the response on any failure. */
export async function sendFileRange(out: ServerResponse, file: string, start: number, end: number): Promise<void> {
  // A client that goes away leaves the socket's write callbacks uncalled: wait on 'close' as well.
  const closed = new Promise<never>((_, reject) => out.once('close', () => reject(new Error('connection closed'))));
  closed.catch(() => undefined);
  const wait = <T>(p: Promise<T>) => Promise.race([p, closed]);
  let fh;
  const { ring, fromPool } = take(Math.min(RING, Math.ceil((end - start + 1) / CHUNK)));
  const inFlight: (Promise<void> | undefined)[] = [];
  let clean = false;
  try {
    fh = await wait(open(file, 'r'));
    let pos = start;
    for (let i = 0; pos <= end; i++) {
      const k = i % ring.length;
      if (inFlight[k]) await wait(inFlight[k]);
      const buf = ring[k];
      const { bytesRead } = await wait(fh.read(buf, 0, Math.min(CHUNK, end - pos + 1), pos));
      // Shorter than its stat said (it cannot change: blobs are content-addressed): do not hang.
      if (bytesRead === 0) throw new Error(`${file} ended at byte ${pos}, before ${end + 1}`);
      pos += bytesRead;
      const chunk = bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead);
      inFlight[k] = new Promise<void>((resolve, reject) => out.write(chunk, (err) => (err ? reject(err) : resolve())));
      inFlight[k].catch(() => undefined);
    }
    await wait(Promise.all(inFlight));
    out.end();
    clean = true;
  } catch {
    out.destroy();
  } finally {
    await fh?.close().catch(() => undefined);
    // Only buffers the socket is done with go back; a broken response's are left to the collector
    // (the socket may still hold them) and the pool may allocate as many again.
    if (clean) spare.push(...ring.slice(0, fromPool));
    else pooled -= fromPool;
  }
}
