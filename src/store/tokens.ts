// API tokens: only a sha256 of each token is kept (src/auth/tokens.ts makes and checks them).
// Creating and revoking one writes a decision row in the same transaction, as every change does.
import type { SqlDb } from './sql.js';
import type { ReviewStore } from './review.js';

export type Role = 'download' | 'upload' | 'reader' | 'reviewer' | 'admin';

export interface TokenRow {
  id: number;
  name: string;
  role: Role;
  hash: string;
  created_at: number;
  last_used: number | null;
  revoked_at: number | null;
  expires_at: number | null;
}

const SQL = {
  byHash: `SELECT * FROM tokens WHERE hash = ? AND revoked_at IS NULL`,
  add: `INSERT INTO tokens (name, role, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
  list: `SELECT id, name, role, created_at, last_used, revoked_at, expires_at FROM tokens ORDER BY id`,
  revoke: `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`,
  touch: `UPDATE tokens SET last_used = ? WHERE id = ?`,
};

export class TokenStore {
  constructor(
    private readonly db: SqlDb,
    private readonly reviews: Pick<ReviewStore, 'decide'>,
  ) {}

  byHash(hash: string): Promise<TokenRow | undefined> {
    return this.db.get(SQL.byHash, [hash]);
  }

  async touch(id: number): Promise<void> {
    await this.db.run(SQL.touch, [Date.now(), id]);
  }

  add(name: string, role: Role, hash: string, actor: string, expiresAt: number | null = null): Promise<number> {
    return this.db.tx(async (q) => {
      const { id } = (await q.get<{ id: number }>(SQL.add, [name, role, hash, Date.now(), expiresAt]))!;
      const until = expiresAt === null ? '' : `, expires ${new Date(expiresAt).toISOString()}`;
      await this.reviews.decide({ action: 'token-create', actor, reason: `token ${id} "${name}" (${role}${until})`, previous: null }, q);
      return id;
    });
  }

  list(): Promise<Omit<TokenRow, 'hash'>[]> {
    return this.db.all(SQL.list);
  }

  revoke(id: number, actor: string): Promise<boolean> {
    return this.db.tx(async (q) => {
      const ok = (await q.run(SQL.revoke, [Date.now(), id])).changes === 1;
      if (ok) await this.reviews.decide({ action: 'token-revoke', actor, reason: `token ${id}`, previous: null }, q);
      return ok;
    });
  }
}
