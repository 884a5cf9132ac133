// Tests look at what a server recorded through their own connection to its SQLite file: the
// store itself does not hand out its database handle (issue 14).
import Database from 'better-sqlite3';
import path from 'node:path';

const open = new Map<string, Database.Database>();

/** A connection to the SQLite file of the server whose deps (or config) are given; one per file. */
export function testDb(deps: { config: { data: string } }): Database.Database {
  const file = path.join(deps.config.data, 'pywarden.db');
  let db = open.get(file);
  if (!db || !db.open) {
    db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    open.set(file, db);
  }
  return db;
}

/** Closes the connection testDb opened for this data folder (before unmounting or removing it). */
export function closeTestDb(data: string): void {
  const file = path.join(data, 'pywarden.db');
  open.get(file)?.close();
  open.delete(file);
}
