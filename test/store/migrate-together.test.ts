// Replicas started together on an empty PostgreSQL database all migrate at once: one must do the
// work and the others find nothing to do. The CI run of the replica test once lost a replica to
// "duplicate key value violates unique constraint pg_type_typname_nsp_index" (two CREATE TABLE IF
// NOT EXISTS of the version table racing outside the migration lock).
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { freshDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.js';

describe.skipIf(!postgresAvailable)('migrations on PostgreSQL, several processes at once', () => {
  const made: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of made) await d.drop();
  });

  it('eight openings of one empty database at the same moment all succeed, and the schema is migrated once', async () => {
    for (let round = 0; round < 5; round++) {
      const fresh = await freshDatabase();
      made.push(fresh);
      const dbs = await Promise.all(Array.from({ length: 8 }, () => openDatabase(fresh.url, '')));
      const versions = await dbs[0].all<{ version: number }>(`SELECT version FROM schema_version ORDER BY version`);
      expect(versions.map((v) => Number(v.version))).toEqual(MIGRATIONS.map((m) => m.version));
      for (const db of dbs) await db.close();
    }
  });
});
