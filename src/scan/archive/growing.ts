// A file read while it is being downloaded (issue 13: the scan overlaps the download). The reader
// follows the temp file the verdict gate writes, in order, hashing every byte it reads; it waits
// (polling: the writer sends nothing per chunk, so the serving process does no extra work) when it
// has caught up, and ends only once the gate says the file is whole and hash-verified *and* its
// own sha256 of the bytes it read is the listed one. A download that fails ends the read with an
// error, so nothing read from a partial file can become a result.
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { ArchiveError } from './types.js';

/** What the writer tells the reader. */
export interface Growth {
  /**
   * Resolves once the file is whole and verified, with its size and where it is stored now (the
   * writer moves it there from the path it grew at); rejects when the download failed.
   */
  readonly done: Promise<{ size: number; path: string }>;
}

/** How long the reader waits before looking again when it has read every byte written so far. */
const POLL_MS = 4;
/** Largest single read (as the blob store's own reads). */
const READ_BYTES = 1 << 20;

export class GrowingFile {
  /** Bytes read (and hashed) so far. */
  filled = 0;
  /** Bytes read before the download was complete: how much of the reading overlapped it. */
  early = 0;
  /** The final size, once the writer has said the file is whole. */
  private final?: number;
  private failure?: Error;
  private fh?: FileHandle;
  /** Every byte read so far, while `keep` allows (the zip reader parses from it); else undefined. */
  private kept?: Buffer;
  private readonly hash = createHash('sha256');
  private wake?: () => void;

  /**
   * `keepMax`: keep every byte in memory while the file stays at most this big (0: keep none).
   * `expected`: the size the index listed, when it did (one allocation instead of doubling).
   */
  constructor(
    private where: string,
    growth: Growth,
    private readonly sha256: string,
    expected: number | null,
    private keepMax: number,
  ) {
    growth.done.then(
      (whole) => {
        this.final = whole.size;
        this.where = whole.path;
        this.wake?.();
      },
      (err: Error) => {
        this.failure = err;
        this.wake?.();
      },
    );
    if (keepMax > 0) this.kept = Buffer.allocUnsafe(expected !== null && expected <= keepMax ? expected : Math.min(keepMax, READ_BYTES));
  }

  /** Where the file is: the path it grows at, then the path it was stored at once whole. */
  get path(): string {
    return this.where;
  }

  /** Every byte read so far, when they are kept. */
  get buffer(): Buffer | undefined {
    return this.kept?.subarray(0, this.filled);
  }

  /** True once the writer has said the file is whole (reading may still be behind). */
  get complete(): boolean {
    return this.final !== undefined;
  }

  /** Stop keeping bytes (a tar is read as a stream); what was returned stays valid. */
  release(): void {
    this.kept = undefined;
    this.keepMax = 0;
  }

  /** The next bytes in file order, or null at the end of a whole file whose sha256 matched. */
  async next(): Promise<Buffer | null> {
    for (;;) {
      if (this.failure) throw new ArchiveError('truncated', `the download did not complete: ${this.failure.message}`);
      const fh = this.fh ?? (await this.openFile());
      if (fh) {
        if (this.final !== undefined && this.filled > this.final) throw this.tooLong();
        const want = this.final === undefined ? READ_BYTES : Math.min(READ_BYTES, this.final - this.filled);
        if (want === 0) {
          await this.verify(fh);
          return null;
        }
        const whole = this.final !== undefined;
        const target = this.room(want);
        const { bytesRead } = await fh.read(target, 0, want, this.filled);
        if (bytesRead > 0) {
          const chunk = target.subarray(0, bytesRead);
          this.hash.update(chunk);
          this.filled += bytesRead;
          if (this.final === undefined) this.early += bytesRead;
          return chunk;
        }
        // Nothing more although the file was already whole when the read began: it is short.
        // (If it became whole during the read, look again: the last bytes may have landed meanwhile.)
        if (whole) throw new ArchiveError('truncated', `the file ends at ${this.filled} of its ${this.final} bytes`);
        if (this.final !== undefined) continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Reads (and hashes) whatever is left, to the verified end. */
  async drain(): Promise<void> {
    while ((await this.next()) !== null);
  }

  async close(): Promise<void> {
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }

  /**
   * The temp file is created by an asynchronous open in the writer: until it exists, wait. Once it
   * is whole it is moved to where it is stored (an open descriptor follows it; a file not opened
   * yet is opened there).
   */
  private async openFile(): Promise<FileHandle | undefined> {
    const at = this.where;
    try {
      this.fh = await open(at, 'r');
      return this.fh;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && (this.final === undefined || at !== this.where)) return undefined;
      throw err;
    }
  }

  /** Where the next read lands: the kept buffer (grown as needed) or a new buffer of its own. */
  private room(want: number): Buffer {
    if (this.kept && this.filled + want > this.kept.length) {
      const size = Math.max(this.filled + want, this.kept.length * 2);
      if (size > this.keepMax) this.release();
      else {
        const grown = Buffer.allocUnsafe(size);
        this.kept.copy(grown, 0, 0, this.filled);
        this.kept = grown;
      }
    }
    return this.kept ? this.kept.subarray(this.filled, this.filled + want) : Buffer.allocUnsafe(want);
  }

  private tooLong(): ArchiveError {
    return new ArchiveError('corrupt', `the file is longer than the ${this.final} bytes its download verified`);
  }

  /** The file is as long as the writer said, not longer, and its bytes are the listed ones. */
  private async verify(fh: FileHandle): Promise<void> {
    const { bytesRead } = await fh.read(Buffer.alloc(1), 0, 1, this.filled);
    if (bytesRead !== 0) throw this.tooLong();
    if (this.hash.copy().digest('hex') !== this.sha256) {
      throw new ArchiveError('corrupt', 'the bytes read while the file downloaded do not match its verified sha256');
    }
  }
}
