// Known-malicious advisories (OSV records) in the database, and which of them list a project's version.
// The database handle stays inside.
import type { Sql, SqlDb } from './sql.js';
import { affects, type Advisory, type AffectedPackage } from '../intel/osv.js';

export type ApplyOutcome = 'added' | 'updated' | 'withdrawn' | 'unchanged';

export interface AdvisoryInfo {
  id: string;
  summary: string;
  details: string;
  aliases: string[];
  references: { type: string; url: string }[];
  modified: string;
  withdrawn: string | null;
  source: string | null;
  importedAt: string;
}

interface Row {
  id: string;
  modified: string;
  modified_ms: number;
  withdrawn: string | null;
  summary: string;
  details: string;
  aliases: string;
  refs: string;
  source: string | null;
  imported_at: number;
}

const SQL = {
  get: `SELECT * FROM advisories WHERE id = ?`,
  upsert: `INSERT INTO advisories (id, modified, modified_ms, withdrawn, summary, details, aliases, refs, source, imported_at, seq)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM advisories))
    ON CONFLICT(id) DO UPDATE SET modified = excluded.modified, modified_ms = excluded.modified_ms, withdrawn = excluded.withdrawn,
      summary = excluded.summary, details = excluded.details, aliases = excluded.aliases, refs = excluded.refs,
      source = excluded.source, imported_at = excluded.imported_at, seq = excluded.seq`,
  projectsOf: `SELECT DISTINCT project FROM advisory_packages WHERE advisory_id = ?`,
  deletePackages: `DELETE FROM advisory_packages WHERE advisory_id = ?`,
  insertPackage: `INSERT INTO advisory_packages (advisory_id, project, versions, ranges) VALUES (?, ?, ?, ?)`,
  forProject: `SELECT p.advisory_id AS id, p.versions, p.ranges FROM advisory_packages p JOIN advisories a ON a.id = p.advisory_id
    WHERE p.project = ? AND a.withdrawn IS NULL ORDER BY p.advisory_id`,
  generation: `SELECT coalesce(max(seq), 0) AS n FROM advisories`,
  active: `SELECT count(*) AS n FROM advisories WHERE withdrawn IS NULL`,
};

export class AdvisoryStore {
  constructor(private readonly db: SqlDb) {}

  /**
   * Stores a batch of records in one transaction. A record replaces the stored one only when its
   * `modified` is newer; a withdrawn record removes what its id refused. Returns each outcome and
   * the projects whose listing may have changed.
   */
  async applyBatch(list: Advisory[], source: string): Promise<{ outcomes: ApplyOutcome[]; projects: Set<string> }> {
    const projects = new Set<string>();
    const outcomes = await this.db.tx(async (q) => {
      const out: ApplyOutcome[] = [];
      for (const a of list) out.push(await this.apply(q, a, source, projects));
      return out;
    });
    return { outcomes, projects };
  }

  private async apply(q: Sql, a: Advisory, source: string, projects: Set<string>): Promise<ApplyOutcome> {
    const old = await q.get<Row>(SQL.get, [a.id]);
    if (old && old.modified_ms >= a.modifiedMs) return 'unchanged';
    for (const p of await q.all<{ project: string }>(SQL.projectsOf, [a.id])) projects.add(p.project);
    await q.run(SQL.deletePackages, [a.id]);
    await q.run(SQL.upsert, [a.id, a.modified, a.modifiedMs, a.withdrawn, a.summary, a.details, JSON.stringify(a.aliases), JSON.stringify(a.references), source, Date.now()]);
    for (const p of a.packages) {
      await q.run(SQL.insertPackage, [a.id, p.project, JSON.stringify(p.versions), JSON.stringify(p.ranges)]);
      projects.add(p.project);
    }
    if (a.withdrawn) return 'withdrawn';
    return old && !old.withdrawn ? 'updated' : 'added';
  }

  /** One query per project; the returned function answers for each of its versions in memory. */
  async matcher(project: string): Promise<(version: string | null) => string[]> {
    const rows = await this.db.all<{ id: string; versions: string; ranges: string }>(SQL.forProject, [project]);
    if (!rows.length) return () => [];
    const entries = rows.map((r) => ({ id: r.id, pkg: { project, versions: JSON.parse(r.versions), ranges: JSON.parse(r.ranges) } as AffectedPackage }));
    return (version) => [...new Set(entries.filter((e) => affects(e.pkg, version)).map((e) => e.id))];
  }

  /** Ids of the live advisories that list this project's version (sorted). */
  async match(project: string, version: string | null): Promise<string[]> {
    return (await this.matcher(project))(version);
  }

  async get(id: string): Promise<AdvisoryInfo | undefined> {
    const r = await this.db.get<Row>(SQL.get, [id]);
    if (!r) return undefined;
    return {
      id: r.id,
      summary: r.summary,
      details: r.details,
      aliases: JSON.parse(r.aliases) as string[],
      references: JSON.parse(r.refs) as { type: string; url: string }[],
      modified: r.modified,
      withdrawn: r.withdrawn,
      source: r.source,
      importedAt: new Date(r.imported_at).toISOString(),
    };
  }

  /** Grows with every stored change, from any process: a server polls it to learn of a CLI import. */
  async generation(): Promise<number> {
    return (await this.db.get<{ n: number }>(SQL.generation))!.n;
  }

  async activeCount(): Promise<number> {
    return (await this.db.get<{ n: number }>(SQL.active))!.n;
  }
}
