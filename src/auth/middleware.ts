// Bearer-token authentication (RFC 6750) for the review API and, when configured, downloads.
// Tokens travel only in the Authorization header, never in a cookie, so a third-party page cannot
// make the browser send them: no CSRF hole by construction.
import type { Context, MiddlewareHandler } from 'hono';
import type { Role, TokenStore } from '../store/tokens.js';
import { HttpError } from '../server/problem.js';
import { atLeast, verifyToken, type Principal } from './tokens.js';

/** The token from `Authorization: Bearer <t>`, or from Basic auth's password (pip sends index credentials as Basic). */
export function presentedToken(header: string | undefined, allowBasic: boolean): string | null {
  if (!header) return null;
  const m = /^(\w+)\s+(.+)$/.exec(header.trim());
  if (!m) return null;
  const scheme = m[1].toLowerCase();
  if (scheme === 'bearer') return m[2].trim();
  if (scheme === 'basic' && allowBasic) {
    const decoded = Buffer.from(m[2].trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return i >= 0 ? decoded.slice(i + 1) : null;
  }
  return null;
}

export function principal(c: Context): Principal {
  return c.get('principal' as never) as Principal;
}

/** 401 without a valid token (with WWW-Authenticate), 403 when the token's role is weaker than `need`. */
export function requireRole(store: TokenStore, need: Role, opts: { allowBasic?: boolean; realm?: string } = {}): MiddlewareHandler {
  return async function authenticate(c, next) {
    const token = presentedToken(c.req.header('authorization'), opts.allowBasic ?? false);
    const who = token ? await verifyToken(store, token) : null;
    if (!who) {
      c.header('www-authenticate', opts.allowBasic ? `Basic realm="${opts.realm ?? 'pywarden'}"` : `Bearer realm="${opts.realm ?? 'pywarden'}"`);
      throw new HttpError(401, 'unauthorized', 'Unauthorized', token ? 'the token is unknown, revoked or expired' : 'send Authorization: Bearer <token>');
    }
    if (!atLeast(who.role, need)) {
      throw new HttpError(403, 'forbidden', 'Forbidden', `this needs the ${need} role; token "${who.name}" is ${who.role}`);
    }
    c.set('principal' as never, who as never);
    await next();
  };
}
