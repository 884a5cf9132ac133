// Opens the database a deployment names and brings its schema up to date: the embedded SQLite file
// under the data folder by default, or a PostgreSQL database (`--database postgres://...`) shared by
// several replicas and scan workers (issue 13).
import path from 'node:path';
import { MIGRATIONS, postgresTypes } from './migrations.js';
import { isPostgresUrl, PostgresDb, SqliteDb, type SqlDb } from './sql.js';

/** `database` as configured ('' : SQLite in the data folder), opened and migrated. */
export async function openDatabase(database: string, data: string): Promise<SqlDb> {
  const db = isPostgresUrl(database) ? PostgresDb.open(database) : SqliteDb.open(database || path.join(data, 'pywarden.db'));
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/** An SQLite file at this path, migrated (tools and tests). */
export async function openSqlite(file: string): Promise<SqliteDb> {
  const db = SqliteDb.open(file);
  await migrate(db);
  return db;
}

export async function migrate(db: SqlDb): Promise<void> {
  if (db instanceof SqliteDb) {
    // IMMEDIATE: with --processes, the first process to start migrates and the others then see the new version.
    const raw = db.raw;
    for (const m of MIGRATIONS) {
      raw.exec('BEGIN IMMEDIATE');
      try {
        if ((raw.pragma('user_version', { simple: true }) as number) < m.version) {
          raw.exec(m.sql + (m.sqlite ?? ''));
          raw.pragma(`user_version = ${m.version}`);
        }
        raw.exec('COMMIT');
      } catch (err) {
        raw.exec('ROLLBACK');
        throw err;
      }
    }
    return;
  }
  await db.tx(async (q) => {
    // Replicas starting together: one migrates, the others wait here and then find nothing to do.
    // The version table is created under the lock too: two concurrent CREATE TABLE IF NOT EXISTS
    // can both miss it and one fails on pg_type's unique index (a replica exited on start).
    await q.run(`SELECT pg_advisory_xact_lock(7313)`);
    await q.run(`CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)`);
    const row = await q.get<{ v: number | null }>(`SELECT max(version) AS v FROM schema_version`);
    const current = row?.v ?? 0;
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await q.run(postgresTypes(m.sql) + (m.postgres ?? ''));
      await q.run(`INSERT INTO schema_version (version) VALUES (?)`, [m.version]);
    }
  });
}
