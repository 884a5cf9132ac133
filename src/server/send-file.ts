// Large files straight to the socket (issue 13). A file is read into a ring of three reused 1 MiB
// buffers, each handed to the raw response as soon as it is read and read into again once the
// socket has taken it; nothing is copied or allocated per chunk. fs.createReadStream allocates a
// fresh 1 MiB buffer per read, which at eight connections is hundreds of MiB of garbage a second
// that the serving process's RSS carries until a collection.
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

const CHUNK = 1 << 20;
const RING = 3;
/** Buffers kept for the next response: enough for a few at once, bounded so RSS stays bounded. */
const MAX_SPARE = 4 * RING;
const spare: Buffer[] = [];

/** Sends bytes start..end (inclusive) of a file after the headers the caller wrote; destroys the response on any failure. */
export async function sendFileRange(out: ServerResponse, file: string, start: number, end: number): Promise<void> {
  // A client that goes away leaves the socket's write callbacks uncalled: wait on 'close' as well.
  const closed = new Promise<never>((_, reject) => out.once('close', () => reject(new Error('connection closed'))));
  closed.catch(() => undefined);
  const wait = <T>(p: Promise<T>) => Promise.race([p, closed]);
  let fh;
  const ring: Buffer[] = [];
  const inFlight: (Promise<void> | undefined)[] = [];
  try {
    fh = await wait(open(file, 'r'));
    let pos = start;
    for (let i = 0; pos <= end; i++) {
      const k = i % RING;
      if (inFlight[k]) await wait(inFlight[k]);
      const buf = (ring[k] ??= spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK));
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
    // Only buffers the socket is done with go back; a broken response's are left to the collector.
    for (const b of ring) if (spare.length < MAX_SPARE) spare.push(b);
  } catch {
    out.destroy();
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
