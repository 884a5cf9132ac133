// The blob store quota (issue 10: no limit, no eviction). Distribution files are evicted least
// recently requested first; their verdicts stay, so an evicted file is fetched again on its next
// request and scanned again only if the scanner changed. Room is reserved before a download starts
// (the listed size) or as its bytes arrive (no listed size), so committed blobs plus downloads in
// flight never exceed the quota. Metadata blobs (a few KiB each) are not counted.
import type { BlobStore } from './blobs.js';
import type { MetadataStore } from './metadata.js';
import type { Logger } from '../log.js';
import { StorageError } from '../gate/gate.js';

export interface Reservation {
  bytes: number;
}

export class BlobQuota {
  private reserved = 0;
  /** Evictions run one at a time, so two downloads never free the same room twice. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly blobs: BlobStore,
    private readonly store: MetadataStore,
    readonly quota: number,
    /** Bytes of committed blobs (counted on disk at start-up). */
    private used: number,
    private readonly log: Logger,
    /** Blobs that must not be evicted now (being downloaded or scanned). */
    private readonly inUse: (sha256: string) => boolean,
  ) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Reserves room for `bytes` more, evicting as needed. Throws StorageError when that much cannot be freed. */
  reserve(bytes: number, what: string): Promise<Reservation> {
    const r: Reservation = { bytes: 0 };
    return this.grow(r, bytes, what).then(() => r);
  }

  /** Grows a reservation to `total` bytes. */
  grow(r: Reservation, total: number, what: string): Promise<void> {
    const more = total - r.bytes;
    if (more <= 0) return Promise.resolve();
    const run = this.chain.then(async () => {
      await this.makeRoom(more, what);
      r.bytes += more;
      this.reserved += more;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The download became a blob of `size` bytes. */
  commit(r: Reservation, size: number): void {
    this.release(r);
    this.used += size;
  }

  release(r: Reservation): void {
    this.reserved -= r.bytes;
    r.bytes = 0;
  }

  private async makeRoom(bytes: number, what: string): Promise<void> {
    while (this.used + this.reserved + bytes > this.quota) {
      const victims = this.store.leastRecentlyUsed(16).filter((sha) => !this.inUse(sha));
      if (!victims.length) {
        throw new StorageError(`the blob store quota (${this.quota} bytes) has no room for ${what} (${bytes} bytes): everything stored is in use`);
      }
      for (const sha of victims) {
        const size = (await this.blobs.size(sha)) ?? 0;
        // The database first: a crash after this line leaves a blob that the gate re-hashes and adopts.
        this.store.markEvicted(sha);
        await this.blobs.remove(sha);
        this.used -= size;
        this.log.info('evicted a stored file (blob store quota)', { sha256: sha, bytes: size, used: this.used, quota: this.quota });
        if (this.used + this.reserved + bytes <= this.quota) return;
      }
    }
  }
}
