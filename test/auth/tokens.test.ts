import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/db.js';
import { ReviewStore } from '../../src/store/review.js';
import { atLeast, createToken, hashToken, verifyToken } from '../../src/auth/tokens.js';
import { presentedToken } from '../../src/auth/middleware.js';

describe('tokens', () => {
  it('round-trips a created token and stores only its hash', async () => {
    const db = await openSqlite(':memory:');
    const store = new ReviewStore(db);
    const { id, token } = await createToken(store.tokens, 'alice', 'reviewer', 'test');
    expect(await verifyToken(store.tokens, token)).toEqual({ tokenId: id, name: 'alice', role: 'reviewer' });
    const stored = db.raw.prepare('SELECT hash FROM tokens WHERE id = ?').pluck().get(id);
    expect(stored).toBe(hashToken(token));
    expect((await verifyToken(store.tokens, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')))).toBeNull();
    expect(await verifyToken(store.tokens, 'not-prefixed')).toBeNull();
    await store.tokens.revoke(id, 'test');
    expect(await verifyToken(store.tokens, token)).toBeNull();
  });

  it('orders roles', () => {
    expect(atLeast('admin', 'reviewer')).toBe(true);
    expect(atLeast('reviewer', 'reviewer')).toBe(true);
    expect(atLeast('reader', 'reviewer')).toBe(false);
    expect(atLeast('reviewer', 'admin')).toBe(false);
  });

  it('reads Bearer always and Basic only when allowed (token as the password)', () => {
    expect(presentedToken('Bearer pyw_abc', false)).toBe('pyw_abc');
    expect(presentedToken('bearer   pyw_abc ', false)).toBe('pyw_abc');
    const basic = 'Basic ' + Buffer.from('user:pyw_abc').toString('base64');
    expect(presentedToken(basic, false)).toBeNull();
    expect(presentedToken(basic, true)).toBe('pyw_abc');
    expect(presentedToken(undefined, true)).toBeNull();
    expect(presentedToken('Digest x', true)).toBeNull();
  });
});
