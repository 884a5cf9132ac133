// Recording one 3,000-file project page (MetadataStore.upsertFiles) on SQLite and, when a URL is
// given, on PostgreSQL: node bench/store-upsert.mjs [postgres://.../empty-database]
// Needs `npm run build`. The PostgreSQL database should be empty (it is migrated here).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../dist/store/db.js';
import { SqlMetadataStore } from '../dist/store/metadata.js';

const files = Array.from({ length: 3000 }, (_, i) => ({
  sha256: i.toString(16).padStart(64, '0'), filename: `p-${i}-py3-none-any.whl`, version: String(i), size: 10,
  upstreamUrl: `https://files.example/${i}`, uploadTime: null, metadataSha256: null,
}));

async function run(name, database) {
  const dir = mkdtempSync(path.join(tmpdir(), 'pywarden-bench-store-'));
  const db = await openDatabase(database, dir);
  const store = new SqlMetadataStore(db);
  const ms = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    await store.upsertFiles('p', files);
    ms.push(Math.round(performance.now() - t));
  }
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`${name}: 3,000 files, first ${ms[0]} ms, then ${ms.slice(1).join(', ')} ms`);
}

await run('sqlite', '');
if (process.argv[2]) await run('postgres', process.argv[2]);
