// The one seam between the stores and a database: SQLite (embedded, the default) or PostgreSQL
// (several replicas on one database, issue 13). Stores are written once against this interface;
// the dialect differences they need are the few fragments in `Dialect`, named where they are used.
// Statements are written with `?` placeholders; the PostgreSQL side numbers them ($1, $2, ...).
import Database from 'better-sqlite3';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export type DialectName = 'sqlite' | 'postgres';

export interface RunResult {
  changes: number;
}

/** Runs statements; inside a transaction, the transaction's own handle. */
export interface Sql {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  get<T>(sql: string, params?: unknown[]): Promise<T | undefined>;
  run(sql: string, params?: unknown[]): Promise<RunResult>;
}

export interface SqlDb extends Sql {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  tx<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/** The SQL that differs between the two databases, and nothing else. */
export interface Dialect {
  name: DialectName;
  /** A UTC day ('YYYY-MM-DD') from an epoch-milliseconds expression. */
  day(ms: string): string;
  /** A condition: the JSON array of findings in `col` has one whose rule is the next parameter. */
  findingHasRule(col: string): string;
  /**
   * Appended to a SELECT that picks rows to claim: concurrent claimers skip rows another has locked
   * (PostgreSQL). SQLite has one writer at a time, so a single UPDATE ... WHERE (SELECT ...) is atomic already.
   */
  skipLocked: string;
}

const SQLITE: Dialect = {
  name: 'sqlite',
  day: (ms) => `date(${ms} / 1000, 'unixepoch')`,
  findingHasRule: (col) => `EXISTS (SELECT 1 FROM json_each(${col}) j WHERE json_extract(j.value, '$.rule') = ?)`,
  skipLocked: '',
};

const POSTGRES: Dialect = {
  name: 'postgres',
  day: (ms) => `to_char(to_timestamp(${ms} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  findingHasRule: (col) => `EXISTS (SELECT 1 FROM jsonb_array_elements(${col}::jsonb) j WHERE j->>'rule' = ?)`,
  skipLocked: ' FOR UPDATE SKIP LOCKED',
};

export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

export class SqliteDb implements SqlDb {
  readonly dialect = SQLITE;
  /** Every statement prepared once (STYLE.md habit 7), keyed by its text. */
  private readonly statements = new Map<string, Database.Statement>();
  /** Set while a transaction runs: statements from outside it wait, so none lands inside it. */
  private busy: Promise<void> | null = null;
  private readonly inTx: Sql;

  constructor(readonly raw: Database.Database) {
    const direct = (sql: string) => this.statement(sql);
    this.inTx = {
      dialect: SQLITE,
      all: async <T>(sql: string, params: unknown[] = []) => direct(sql).all(...params) as T[],
      get: async <T>(sql: string, params: unknown[] = []) => direct(sql).get(...params) as T | undefined,
      run: async (sql: string, params: unknown[] = []) => ({ changes: direct(sql).run(...params).changes }),
    };
  }

  /** Opens (creating if needed) the SQLite file in WAL mode: readers in other processes never wait on a writer. */
  static open(file: string): SqliteDb {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // safe with WAL: a crash loses at most the last commits, never corrupts
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    return new SqliteDb(db);
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.raw.prepare(sql)));
    return s;
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    while (this.busy) await this.busy;
    return this.statement(sql).all(...params) as T[];
  }

  async get<T>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    while (this.busy) await this.busy;
    return this.statement(sql).get(...params) as T | undefined;
  }

  async run(sql: string, params: unknown[] = []): Promise<RunResult> {
    while (this.busy) await this.busy;
    return { changes: this.statement(sql).run(...params).changes };
  }

  async tx<T>(fn: (q: Sql) => Promise<T>): Promise<T> {
    while (this.busy) await this.busy;
    let done!: () => void;
    this.busy = new Promise((resolve) => (done = resolve));
    try {
      // IMMEDIATE: take the write lock now, so two processes' read-then-write transactions serialize.
      this.raw.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.inTx);
        this.raw.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.busy = null;
      done();
    }
  }

  async exec(script: string): Promise<void> {
    this.raw.exec(script);
  }

  async close(): Promise<void> {
    this.raw.close();
  }
}

/** `?` → `$1, $2, ...` outside quoted text. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let quote: string | null = null;
  let out = '';
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '?') {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

// Counts and epoch milliseconds come back as BIGINT or NUMERIC, which pg returns as strings by
// default; every such value here fits a double exactly (milliseconds until the year 287396).
const NUMERIC_OIDS = new Set([20, 1700]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    NUMERIC_OIDS.has(oid) ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

function pgRunner(q: { query: pg.Pool['query'] }, texts: Map<string, string>): Sql {
  const text = (sql: string) => {
    let t = texts.get(sql);
    if (t === undefined) texts.set(sql, (t = numberPlaceholders(sql)));
    return t;
  };
  return {
    dialect: POSTGRES,
    all: async <T>(sql: string, params: unknown[] = []) => (await q.query(text(sql), params)).rows as T[],
    get: async <T>(sql: string, params: unknown[] = []) => (await q.query(text(sql), params)).rows[0] as T | undefined,
    run: async (sql: string, params: unknown[] = []) => ({ changes: (await q.query(text(sql), params)).rowCount ?? 0 }),
  };
}

export class PostgresDb implements SqlDb {
  readonly dialect = POSTGRES;
  private readonly texts = new Map<string, string>();
  private readonly direct: Sql;

  constructor(readonly pool: pg.Pool) {
    this.direct = pgRunner(pool, this.texts);
  }

  static open(url: string, max = 10): PostgresDb {
    const pool = new pg.Pool({ connectionString: url, max, types });
    // An idle client's connection dropping (a database restart) must not crash the process.
    pool.on('error', () => undefined);
    return new PostgresDb(pool);
  }

  all<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  get<T>(sql: string, params?: unknown[]): Promise<T | undefined> {
    return this.direct.get<T>(sql, params);
  }

  run(sql: string, params?: unknown[]): Promise<RunResult> {
    return this.direct.run(sql, params);
  }

  async tx<T>(fn: (q: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const out = await fn(pgRunner(client as unknown as { query: pg.Pool['query'] }, this.texts));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      client.release();
    }
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
