// Leases: single-flight across processes and replicas (issue 13), with the database as the only
// coordinator. A lease is a row naming what is leased, who holds it and until when; the holder
// renews it while it works, and a holder that dies stops renewing, so its lease expires and the
// next one to ask takes it over. Expiry uses each process's clock: keep the lease time well above
// the clock skew between machines (NTP keeps it to milliseconds).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { SqlDb } from './sql.js';

const SQL = {
  // Taken when free, expired, or already ours (a retry after a lost answer).
  acquire: `INSERT INTO leases AS l (name, owner, expires_at) VALUES (?, ?, ?)
    ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
    WHERE l.expires_at < ? OR l.owner = excluded.owner`,
  renew: `UPDATE leases SET expires_at = ? WHERE name = ? AND owner = ?`,
  release: `DELETE FROM leases WHERE name = ? AND owner = ?`,
  holder: `SELECT owner, expires_at FROM leases WHERE name = ?`,
};

/** This process's name in lease rows: host, pid and a random part (pids are reused). */
export function processOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export interface Lease {
  readonly name: string;
  /** False once a renewal found the lease taken over (this holder was too slow): stop, keep nothing. */
  readonly held: boolean;
  /** Extends the lease by its time (the timer calls this every third of it); false once it was taken over. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export class LeaseStore {
  constructor(
    private readonly db: SqlDb,
    readonly owner: string,
    /** How long a lease lasts without renewal. */
    readonly ttlMs: number,
  ) {}

  /** Takes the lease if it is free or expired, and renews it every third of its time until released; null when another holds it. */
  async acquire(name: string): Promise<Lease | null> {
    const now = Date.now();
    const { changes } = await this.db.run(SQL.acquire, [name, this.owner, now + this.ttlMs, now]);
    if (changes !== 1) return null;
    let held = true;
    const renew = async (): Promise<boolean> => {
      if (held && (await this.db.run(SQL.renew, [Date.now() + this.ttlMs, name, this.owner])).changes !== 1) held = false;
      return held;
    };
    // A failed renewal is retried on the next tick; the lease lasts ttlMs.
    const timer = setInterval(() => void renew().catch(() => undefined), Math.max(50, Math.floor(this.ttlMs / 3)));
    timer.unref();
    return {
      name,
      get held() {
        return held;
      },
      renew,
      release: async () => {
        clearInterval(timer);
        held = false;
        await this.db.run(SQL.release, [name, this.owner]);
      },
    };
  }

  /** Who holds the lease now, if anyone holds it unexpired. */
  async holder(name: string): Promise<string | null> {
    const row = await this.db.get<{ owner: string; expires_at: number }>(SQL.holder, [name]);
    return row && row.expires_at >= Date.now() ? row.owner : null;
  }
}
