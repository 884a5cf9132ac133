// API tokens: 32 random bytes, shown once, stored as a sha256 (a high-entropy secret needs no
// slow hash: nobody can brute-force 2^256). Roles are ordered: reader < reviewer < admin.
import { createHash, randomBytes } from 'node:crypto';
import type { ReviewStore, Role } from '../store/review.js';

export const ROLES: Role[] = ['reader', 'reviewer', 'admin'];
const RANK: Record<Role, number> = { reader: 1, reviewer: 2, admin: 3 };

export const TOKEN_PREFIX = 'pyw_';

export interface Principal {
  tokenId: number;
  name: string;
  role: Role;
}

export function isRole(s: unknown): s is Role {
  return typeof s === 'string' && (ROLES as string[]).includes(s);
}

export function atLeast(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Creates a token and returns it in clear: the only time it exists outside the caller's hands. */
export function createToken(store: ReviewStore, name: string, role: Role, actor: string): { id: number; token: string } {
  if (!name.trim()) throw new Error('a token needs a --name');
  if (!isRole(role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const id = store.addToken(name.trim(), role, hashToken(token), actor);
  return { id, token };
}

/** The principal a presented token stands for, or null when it is unknown or revoked. */
export function verifyToken(store: ReviewStore, token: string): Principal | null {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = store.tokenByHash(hashToken(token));
  if (!row) return null;
  // last_used is for humans auditing tokens: a write per minute is enough (downloads may carry tokens at high rates).
  if (!row.last_used || Date.now() - row.last_used > 60_000) store.touchToken(row.id);
  return { tokenId: row.id, name: row.name, role: row.role };
}
