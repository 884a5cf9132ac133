// API tokens: 32 random bytes, shown once, stored as a sha256 (a high-entropy secret needs no
// slow hash: nobody can brute-force 2^256). Roles are ordered: download < reader < reviewer < admin.
// `download` is the token for pip.conf: pages and files only, nothing of the review API, whose
// audit log holds every client's address (issue 10 part 7).
import { createHash, randomBytes } from 'node:crypto';
import type { Role, TokenStore } from '../store/tokens.js';

export const ROLES: Role[] = ['download', 'upload', 'reader', 'reviewer', 'admin'];
// `upload` (twine, issue 12) reads pages and files like `download` and publishes to the hosted
// index; only it and `admin` may publish: a reviewer's token is not a release key.
const RANK: Record<Role, number> = { download: 0, upload: 0, reader: 1, reviewer: 2, admin: 3 };

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
  if (need === 'upload') return have === 'upload' || have === 'admin';
  return RANK[have] >= RANK[need];
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "90d", "12h", "2w" from now, or a date ("2027-03-01", any ISO 8601 time) in the future; null when it is neither. */
export function parseExpiry(spec: string, now = Date.now()): number | null {
  const rel = /^\s*(\d{1,5})\s*([hdw])\s*$/i.exec(spec);
  if (rel) return Number(rel[1]) > 0 ? now + Number(rel[1]) * UNIT_MS[rel[2].toLowerCase()] : null;
  if (!/^\d{4}-\d{2}-\d{2}/.test(spec.trim())) return null;
  const at = Date.parse(spec.trim());
  return Number.isFinite(at) && at > now ? at : null;
}

export const EXPIRY_HELP = 'a duration such as 90d, 12h or 2w, or a future date such as 2027-03-01';

/** Creates a token and returns it in clear: the only time it exists outside the caller's hands. */
export async function createToken(store: TokenStore, name: string, role: Role, actor: string, expiresAt: number | null = null): Promise<{ id: number; token: string }> {
  if (!name.trim()) throw new Error('a token needs a --name');
  if (!isRole(role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const id = await store.add(name.trim(), role, hashToken(token), actor, expiresAt);
  return { id, token };
}

/** The principal a presented token stands for, or null when it is unknown, revoked or expired. */
export async function verifyToken(store: TokenStore, token: string): Promise<Principal | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await store.byHash(hashToken(token));
  if (!row) return null;
  if (row.expires_at !== null && row.expires_at <= Date.now()) return null;
  // last_used is for humans auditing tokens: a write per minute is enough (downloads may carry tokens at high rates).
  if (!row.last_used || Date.now() - row.last_used > 60_000) await store.touch(row.id);
  return { tokenId: row.id, name: row.name, role: row.role };
}
