// A fresh PostgreSQL database per test run, on the cluster .ci/run starts (Debian's postgresql).
// PYWARDEN_TEST_POSTGRES names a server to use instead (a URL of any database on it). Without a
// reachable server the PostgreSQL half of a suite is skipped, except under CI=true, where that
// is a failure: CI must prove both backends.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';

const ADMIN_URL = process.env.PYWARDEN_TEST_POSTGRES ?? `postgresql://${userInfo().username}@localhost/postgres?host=/var/run/postgresql`;

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin(): Promise<pg.Client | null> {
  const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    return c;
  } catch (err) {
    if (process.env.CI === 'true') throw new Error(`PostgreSQL is not reachable at ${ADMIN_URL} (CI must run the PostgreSQL tests): ${(err as Error).message}`);
    return null;
  }
}

/** Whether a server answers (decided once, at collection time, for describe.skipIf). */
export const postgresAvailable: boolean = await (async () => {
  const c = await admin();
  await c?.end();
  return c !== null;
})();

/** Creates an empty database and returns its URL; drop() removes it (and ends its connections). */
export async function freshDatabase(): Promise<TestDatabase> {
  const c = await admin();
  if (!c) throw new Error('no PostgreSQL server');
  const name = `pywarden_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(ADMIN_URL);
  u.pathname = '/' + name;
  return {
    url: u.href,
    async drop() {
      const a = await admin();
      await a?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a?.end();
    },
  };
}
