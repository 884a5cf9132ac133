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
];
