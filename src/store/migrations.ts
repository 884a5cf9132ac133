// Numbered schema migrations. Append only: never edit a migration that has shipped.
// The applied version is kept in SQLite's user_version pragma (STYLE.md habit 7).

export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'core',
    sql: `
      CREATE TABLE projects (
        name        TEXT PRIMARY KEY,          -- PEP 503 normalized
        first_seen  INTEGER NOT NULL,
        last_seen   INTEGER NOT NULL,
        status      TEXT                        -- PEP 792 status from upstream
      );
      CREATE TABLE files (
        sha256          TEXT PRIMARY KEY,       -- as listed upstream, verified on download
        filename        TEXT NOT NULL,
        project         TEXT NOT NULL,
        version         TEXT,
        size            INTEGER,
        upstream_url    TEXT NOT NULL,          -- the only URL ever fetched for this file
        upload_time     TEXT,
        metadata_sha256 TEXT,                   -- PEP 658 hash listed upstream, if any
        first_seen      INTEGER NOT NULL,
        last_requested  INTEGER,
        requests        INTEGER NOT NULL DEFAULT 0,
        stored          INTEGER NOT NULL DEFAULT 0   -- 1 once the verified blob is in the store
      );
      CREATE INDEX files_project ON files(project);
      CREATE TABLE verdicts (
        sha256          TEXT NOT NULL,
        scanner_version TEXT NOT NULL,
        verdict         TEXT NOT NULL CHECK (verdict IN ('clean','suspicious','malicious','error')),
        score           REAL NOT NULL,
        findings        TEXT NOT NULL,          -- JSON array of findings
        reason          TEXT,
        ms              REAL,
        decided_at      INTEGER NOT NULL,
        PRIMARY KEY (sha256, scanner_version)
      );
      -- One review item per held file; its id is the review id users see (Q-<id>).
      CREATE TABLE reviews (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        sha256      TEXT NOT NULL UNIQUE,
        state       TEXT NOT NULL,              -- quarantined | blocked | error | released | confirmed
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      );
      -- Human decisions on a file (release, confirm block, waive ...). Append only.
      CREATE TABLE decisions (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        sha256      TEXT,
        project     TEXT,
        version     TEXT,
        action      TEXT NOT NULL,
        actor       TEXT NOT NULL,
        reason      TEXT,
        previous    TEXT,
        expires_at  INTEGER,
        decided_at  INTEGER NOT NULL
      );
      -- Append-only event log: refusals and other security-relevant events.
      CREATE TABLE events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        at          INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        sha256      TEXT,
        filename    TEXT,
        client      TEXT,
        user_agent  TEXT,
        request_id  TEXT,
        detail      TEXT
      );
      CREATE INDEX events_at ON events(at);
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
      CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
      -- Upstream index pages, kept for revalidation and for serving stale when upstream is down.
      CREATE TABLE pages (
        project     TEXT PRIMARY KEY,           -- '' for the root page
        body        TEXT NOT NULL,              -- the parsed page as JSON (our own model)
        etag        TEXT,
        serial      INTEGER,
        fetched_at  INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'review',
    sql: `
      -- API tokens: only a sha256 of the token is kept (the token is printed once).
      CREATE TABLE tokens (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT NOT NULL,
        role        TEXT NOT NULL CHECK (role IN ('reader','reviewer','admin')),
        hash        TEXT NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL,
        last_used   INTEGER,
        revoked_at  INTEGER
      );
      -- Time-boxed exceptions: allow a project, a project version or one sha256 until expires_at.
      CREATE TABLE waivers (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        project       TEXT NOT NULL,
        version       TEXT,
        sha256        TEXT,
        expires_at    INTEGER NOT NULL,
        justification TEXT NOT NULL,
        actor         TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        revoked_at    INTEGER
      );
      -- Allow and deny lists held in the database (added to the ones in the config file).
      CREATE TABLE list_entries (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        list        TEXT NOT NULL CHECK (list IN ('allow','deny')),
        kind        TEXT NOT NULL CHECK (kind IN ('projects','versions','sha256')),
        value       TEXT NOT NULL,
        reason      TEXT,
        actor       TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        UNIQUE (list, kind, value)
      );
      -- Per-rule policy mode: monitor logs what the rule would refuse and refuses nothing.
      CREATE TABLE rule_modes (
        rule        TEXT PRIMARY KEY,
        mode        TEXT NOT NULL CHECK (mode IN ('enforce','monitor')),
        actor       TEXT NOT NULL,
        updated_at  INTEGER NOT NULL
      );
      -- What the cluster analysis says about a held file (filled when available).
      CREATE TABLE review_extra (
        sha256          TEXT PRIMARY KEY,
        outlier_rank    REAL,
        family          TEXT,
        family_distance REAL
      );
      CREATE INDEX decisions_sha256 ON decisions(sha256);
      CREATE INDEX events_sha256 ON events(sha256);
      CREATE INDEX reviews_state ON reviews(state, updated_at);
    `,
  },
  {
    version: 3,
    name: 'listings',
    sql: `
      -- Issue 10: the same bytes may be listed by several projects under several names. A listing is
      -- one (sha256, file name) a page offered, with that page's project, URL and PEP 658 hash; the
      -- files row stays the bytes' own state (stored, requests), verdicts stay keyed by sha256.
      -- A listing's URL and hashes change only through a page of the project that first listed it,
      -- so another project's page cannot redirect where this listing's bytes are fetched from.
      CREATE TABLE listings (
        sha256          TEXT NOT NULL,
        filename        TEXT NOT NULL,
        project         TEXT NOT NULL,
        version         TEXT,
        size            INTEGER,               -- PEP 700 size as listed: enforced on download
        upstream_url    TEXT NOT NULL,         -- the only URL fetched for this listing
        upload_time     TEXT,
        metadata_sha256 TEXT,                  -- PEP 658 hash this listing declared, if any
        first_seen      INTEGER NOT NULL,
        PRIMARY KEY (sha256, filename)
      );
      CREATE INDEX listings_project ON listings(project);
      INSERT INTO listings (sha256, filename, project, version, size, upstream_url, upload_time, metadata_sha256, first_seen)
        SELECT sha256, filename, project, version, size, upstream_url, upload_time, metadata_sha256, first_seen FROM files;
      -- files.metadata_sha256 is superseded by listings.metadata_sha256 (it mixed listed and extracted
      -- hashes); the hash of the METADATA extracted from the verified wheel has its own column.
      ALTER TABLE files ADD COLUMN wheel_metadata_sha256 TEXT;
      -- Least recently used first, for the blob store quota.
      CREATE INDEX files_lru ON files(stored, coalesce(last_requested, first_seen));
    `,
  },
  {
    version: 4,
    name: 'roles-expiry-audit-coalescing',
    sql: `
      -- A download role below reader (pages and files only) and token expiry. SQLite cannot alter
      -- a CHECK constraint, so the table is rebuilt with its rows (ids and hashes unchanged).
      CREATE TABLE tokens_v4 (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT NOT NULL,
        role        TEXT NOT NULL CHECK (role IN ('download','reader','reviewer','admin')),
        hash        TEXT NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL,
        last_used   INTEGER,
        revoked_at  INTEGER,
        expires_at  INTEGER                     -- NULL: never
      );
      INSERT INTO tokens_v4 (id, name, role, hash, created_at, last_used, revoked_at)
        SELECT id, name, role, hash, created_at, last_used, revoked_at FROM tokens;
      DROP TABLE tokens;
      ALTER TABLE tokens_v4 RENAME TO tokens;
      -- Repeated refusals (same file, client, kind and reason within a window) share one row with a
      -- counter instead of one row each. Only count, last_at and last_request_id may change, and
      -- the count only grows: the row stays append-only in everything it says.
      ALTER TABLE events ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE events ADD COLUMN last_at INTEGER;
      ALTER TABLE events ADD COLUMN last_request_id TEXT;
      -- The X-Request-Id a client sent: kept as said, never used as the server's request id.
      ALTER TABLE events ADD COLUMN client_request_id TEXT;
      DROP TRIGGER events_no_update;
      CREATE TRIGGER events_no_update BEFORE UPDATE OF id, at, kind, sha256, filename, client, user_agent, request_id, detail, client_request_id ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_count_grows BEFORE UPDATE OF count, last_at, last_request_id ON events WHEN NEW.count <= OLD.count
        BEGIN SELECT RAISE(ABORT, 'an event''s count only grows'); END;
      CREATE INDEX events_coalesce ON events(sha256, client, kind, at);
    `,
  },
  {
    version: 5,
    name: 'advisories',
    sql: `
      -- Known-malicious package records (OSV; OpenSSF malicious-packages MAL- ids), one row per record.
      -- A withdrawn record keeps its row (so an older copy of it is not imported again) and loses its packages.
      CREATE TABLE advisories (
        id          TEXT PRIMARY KEY,
        modified    TEXT NOT NULL,              -- as in the record (RFC 3339)
        modified_ms INTEGER NOT NULL,
        withdrawn   TEXT,
        summary     TEXT NOT NULL,
        details     TEXT NOT NULL,
        aliases     TEXT NOT NULL,              -- JSON list
        refs        TEXT NOT NULL,              -- JSON list of {type, url}
        source      TEXT,                       -- the file, folder or URL it was imported from
        imported_at INTEGER NOT NULL,
        seq         INTEGER NOT NULL            -- grows with every change: other processes poll it
      );
      CREATE INDEX advisories_seq ON advisories(seq);
      CREATE TABLE advisory_packages (
        advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
        project     TEXT NOT NULL,              -- PEP 503 normalized
        versions    TEXT NOT NULL,              -- JSON list of exact versions
        ranges      TEXT NOT NULL               -- JSON list of ranges, each a list of OSV events
      );
      CREATE INDEX advisory_packages_project ON advisory_packages(project);
      CREATE INDEX advisory_packages_advisory ON advisory_packages(advisory_id);
    `,
  },
  {
    version: 6,
    name: 'organisation-index',
    sql: `
      -- Issue 12: several upstreams. Each listing remembers the upstream whose page listed it: its
      -- bytes are fetched only through that upstream (its credentials, its origins), and the review
      -- page shows where a file came from. NULL: listed when there was one unnamed upstream.
      ALTER TABLE listings ADD COLUMN upstream TEXT;
      -- A name once found on a private upstream (or uploaded to the hosted index) is never looked
      -- up on a public one again, even if the private side later answers "not found" (dependency
      -- confusion needs only one such lapse).
      CREATE TABLE claims (
        project     TEXT PRIMARY KEY,           -- PEP 503 normalized
        upstream    TEXT NOT NULL,              -- the private upstream that first had it
        first_seen  INTEGER NOT NULL
      );
      -- Files uploaded to the hosted index (twine upload). A file name is never reused, even after
      -- a delete (as on PyPI): the row stays, with its state.
      CREATE TABLE uploads (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        index_name  TEXT NOT NULL,
        filename    TEXT NOT NULL,
        project     TEXT NOT NULL,
        version     TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('scanning','published','refused','deleted')),
        yanked      TEXT,                       -- NULL, or the yank reason ('' for none given)
        uploader    TEXT NOT NULL,              -- the token's name
        uploaded_at INTEGER NOT NULL,
        UNIQUE (index_name, filename)
      );
      CREATE INDEX uploads_project ON uploads(index_name, project);
      -- The upload role: tokens for twine. SQLite cannot alter a CHECK constraint (as in version 4).
      CREATE TABLE tokens_v6 (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT NOT NULL,
        role        TEXT NOT NULL CHECK (role IN ('download','upload','reader','reviewer','admin')),
        hash        TEXT NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL,
        last_used   INTEGER,
        revoked_at  INTEGER,
        expires_at  INTEGER
      );
      INSERT INTO tokens_v6 SELECT id, name, role, hash, created_at, last_used, revoked_at, expires_at FROM tokens;
      DROP TABLE tokens;
      ALTER TABLE tokens_v6 RENAME TO tokens;
    `,
  },
];
