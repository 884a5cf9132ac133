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

/** No room now, and nothing evictable; `version` says which state of the reservations that was. */
class NoRoom extends StorageError {
  constructor(
    message: string,
    readonly version: number,
    /** Room will come: downloads in flight will end, files being scanned will become evictable. */
    readonly soon: boolean,
  ) {
    super(message);
  }
}

/** How long a download waits for room before it is refused (507). */
const MAX_WAIT_MS = 60_000;

export class BlobQuota {
  private reserved = 0;
  /** Evictions run one at a time, so two downloads never free the same room twice. */
  private chain: Promise<void> = Promise.resolve();
  /** Bumped whenever reserved room is given back; waiters for room wake up then. */
  private version = 0;
  private waiters: (() => void)[] = [];

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

  /**
   * Reserves room for a download of `bytes` before it starts, evicting as needed. When the rest is
   * reserved by downloads in flight, waits for them to end (outside the eviction chain, so a
   * download in flight can still grow). Throws StorageError when that much can never be freed.
   */
  async reserve(bytes: number, what: string): Promise<Reservation> {
    const r: Reservation = { bytes: 0 };
    const deadline = Date.now() + MAX_WAIT_MS;
    for (;;) {
      try {
        await this.grow(r, bytes, what);
        return r;
      } catch (err) {
        if (!(err instanceof NoRoom) || !err.soon || Date.now() > deadline) throw err;
        // Woken when reserved room is given back; a scan ending is not signalled, so look again shortly too.
        if (err.version === this.version) {
          await new Promise<void>((resolve) => {
            this.waiters.push(resolve);
            setTimeout(resolve, 250).unref();
          });
        }
      }
    }
  }

  /** Grows a reservation to `total` bytes; a download in flight never waits (it fails instead). */
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
    if (!r.bytes) return;
    this.reserved -= r.bytes;
    r.bytes = 0;
    this.version++;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private async makeRoom(bytes: number, what: string): Promise<void> {
    while (this.used + this.reserved + bytes > this.quota) {
      const lru = await this.store.leastRecentlyUsed(64);
      const victims = lru.filter((sha) => !this.inUse(sha));
      if (!victims.length) {
        throw new NoRoom(`the blob store quota (${this.quota} bytes) has no room for ${what} (${bytes} bytes): everything stored is in use`, this.version, this.reserved > 0 || lru.length > 0);
      }
      for (const sha of victims) {
        const size = (await this.blobs.size(sha)) ?? 0;
        // The database first: a crash after this line leaves a blob that the gate re-hashes and adopts.
        await this.store.markEvicted(sha);
        await this.blobs.remove(sha);
        this.used -= size;
        this.log.info('evicted a stored file (blob store quota)', { sha256: sha, bytes: size, used: this.used, quota: this.quota });
        if (this.used + this.reserved + bytes <= this.quota) return;
      }
    }
  }
}
