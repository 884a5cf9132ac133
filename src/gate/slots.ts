// A bound on cold downloads (issue 10: six 150 MB streams at once filled 878 MiB of tmp). At most
// `max` run; up to `queue` more wait in order; beyond that the caller is told to come back later
// (503 with Retry-After, which pip's retry honours) instead of holding a connection and a slot.

/** Too many downloads running and waiting: the request is refused, to be retried after `retryAfter` seconds. */
export class BusyError extends Error {
  override name = 'BusyError';
  constructor(
    message: string,
    readonly retryAfter: number,
  ) {
    super(message);
  }
}

export class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly max: number,
    private readonly queue: number,
    private readonly retryAfterSeconds = 5,
  ) {}

  /** Resolves with a release function once a slot is free; throws BusyError when the queue is full. */
  async acquire(): Promise<() => void> {
    if (this.running >= this.max) {
      if (this.waiting.length >= this.queue) {
        throw new BusyError(`${this.running} downloads running and ${this.waiting.length} waiting; try again shortly`, this.retryAfterSeconds);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter (running stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }
}
