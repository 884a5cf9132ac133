// pywarden token create --role download|upload|reader|reviewer|admin --name NAME [--expires 90d] [--data DIR]
// pywarden token list [--data DIR] | pywarden token revoke ID [--data DIR]
// The token is printed once; only its sha256 is stored.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../store/db.js';
import { ReviewStore } from '../store/review.js';
import { createToken, EXPIRY_HELP, isRole, parseExpiry, ROLES } from '../auth/tokens.js';

const usage = `usage: pywarden token create --role ${ROLES.join('|')} --name NAME [--expires 90d|DATE] [--data DIR] [--config FILE]
       pywarden token list [--data DIR]
       pywarden token revoke ID [--data DIR]

Tokens are sent as "Authorization: Bearer <token>" to /-/api/ and the review page, or as the
password in pip's index URL. download: index pages and files only (the token for pip.conf when
requireTokenForDownloads is on); reader: also the queue, findings and audit log; reviewer:
release, confirm, waive, rescan; admin: also allow/deny lists, rule modes and tokens.
--expires: ${EXPIRY_HELP}; an expired token is refused like a revoked one.`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { role: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' }, data: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    process.stderr.write(`pywarden token: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  const [sub, arg] = parsed.positionals;
  if (parsed.values.help || !sub) {
    process.stdout.write(usage + '\n');
    return parsed.values.help ? 0 : 2;
  }
  let data: string;
  let database: string;
  try {
    ({ data, database } = loadConfig({ flags: parsed.values.data ? { data: parsed.values.data } : {}, file: parsed.values.config }));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pywarden token: configuration error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const db = await openDatabase(database, data);
  const store = new ReviewStore(db).tokens;
  const actor = `cli:${process.env.USER ?? 'unknown'}`;
  try {
    if (sub === 'create') {
      const role = parsed.values.role;
      const name = parsed.values.name;
      if (!isRole(role) || !name) {
        process.stderr.write(`pywarden token create: --role (${ROLES.join(', ')}) and --name are required\n`);
        return 2;
      }
      let expiresAt: number | null = null;
      if (parsed.values.expires !== undefined) {
        expiresAt = parseExpiry(parsed.values.expires);
        if (expiresAt === null) {
          process.stderr.write(`pywarden token create: --expires must be ${EXPIRY_HELP}\n`);
          return 2;
        }
      }
      const { id, token } = await createToken(store, name, role, actor, expiresAt);
      const until = expiresAt === null ? 'no expiry' : `expires ${new Date(expiresAt).toISOString()}`;
      process.stderr.write(`token ${id} for "${name}" (${role}, ${until}); it is shown once, store it now:\n`);
      process.stdout.write(token + '\n');
      return 0;
    }
    if (sub === 'list') {
      const now = Date.now();
      for (const t of await store.list()) {
        const state = t.revoked_at ? 'revoked' : t.expires_at !== null && t.expires_at <= now ? 'expired' : t.last_used ? `last used ${new Date(t.last_used).toISOString()}` : 'never used';
        const expiry = t.expires_at === null ? 'no expiry' : `expires ${new Date(t.expires_at).toISOString()}`;
        process.stdout.write(`${t.id}\t${t.role}\t${t.name}\tcreated ${new Date(t.created_at).toISOString()}\t${expiry}\t${state}\n`);
      }
      return 0;
    }
    if (sub === 'revoke') {
      if (!arg || !/^\d+$/.test(arg)) {
        process.stderr.write('pywarden token revoke: give the token id (see "pywarden token list")\n');
        return 2;
      }
      if (!(await store.revoke(Number(arg), actor))) {
        process.stderr.write(`pywarden token revoke: no live token ${arg}\n`);
        return 1;
      }
      process.stderr.write(`token ${arg} revoked\n`);
      return 0;
    }
    process.stderr.write(`pywarden token: unknown sub-command "${sub}"\n${usage}\n`);
    return 2;
  } finally {
    await db.close();
  }
}
