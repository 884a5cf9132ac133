// Known-malicious advisories (OSV records) in SQLite, and which of them list a project's version.
// Statements prepared once (STYLE.md habit 7); the database handle stays inside.
import type { DB } from './db.js';
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

export class AdvisoryStore {
  private readonly s;

  constructor(private readonly db: DB) {
    this.s = {
      get: db.prepare(`SELECT * FROM advisories WHERE id = ?`),
      upsert: db.prepare(
        `INSERT INTO advisories (id, modified, modified_ms, withdrawn, summary, details, aliases, refs, source, imported_at, seq)
         VALUES (@id, @modified, @modifiedMs, @withdrawn, @summary, @details, @aliases, @refs, @source, @now, (SELECT coalesce(max(seq), 0) + 1 FROM advisories))
         ON CONFLICT(id) DO UPDATE SET modified = excluded.modified, modified_ms = excluded.modified_ms, withdrawn = excluded.withdrawn,
           summary = excluded.summary, details = excluded.details, aliases = excluded.aliases, refs = excluded.refs,
           source = excluded.source, imported_at = excluded.imported_at, seq = excluded.seq`,
      ),
      projectsOf: db.prepare(`SELECT DISTINCT project FROM advisory_packages WHERE advisory_id = ?`).pluck(),
      deletePackages: db.prepare(`DELETE FROM advisory_packages WHERE advisory_id = ?`),
      insertPackage: db.prepare(`INSERT INTO advisory_packages (advisory_id, project, versions, ranges) VALUES (?, ?, ?, ?)`),
      forProject: db.prepare(
        `SELECT p.advisory_id AS id, p.versions, p.ranges FROM advisory_packages p JOIN advisories a ON a.id = p.advisory_id
         WHERE p.project = ? AND a.withdrawn IS NULL ORDER BY p.advisory_id`,
      ),
      generation: db.prepare(`SELECT coalesce(max(seq), 0) FROM advisories`).pluck(),
      active: db.prepare(`SELECT count(*) FROM advisories WHERE withdrawn IS NULL`).pluck(),
    };
  }

  /**
   * Stores a batch of records in one transaction. A record replaces the stored one only when its
   * `modified` is newer; a withdrawn record removes what its id refused. Returns each outcome and
   * the projects whose listing may have changed.
   */
  applyBatch(list: Advisory[], source: string): { outcomes: ApplyOutcome[]; projects: Set<string> } {
    const projects = new Set<string>();
    const outcomes = this.db.transaction(() => list.map((a) => this.apply(a, source, projects)))();
    return { outcomes, projects };
  }

  private apply(a: Advisory, source: string, projects: Set<string>): ApplyOutcome {
    const old = this.s.get.get(a.id) as Row | undefined;
    if (old && old.modified_ms >= a.modifiedMs) return 'unchanged';
    for (const p of this.s.projectsOf.all(a.id) as string[]) projects.add(p);
    this.s.deletePackages.run(a.id);
    this.s.upsert.run({
      id: a.id,
      modified: a.modified,
      modifiedMs: a.modifiedMs,
      withdrawn: a.withdrawn,
      summary: a.summary,
      details: a.details,
      aliases: JSON.stringify(a.aliases),
      refs: JSON.stringify(a.references),
      source,
      now: Date.now(),
    });
    for (const p of a.packages) {
      this.s.insertPackage.run(a.id, p.project, JSON.stringify(p.versions), JSON.stringify(p.ranges));
      projects.add(p.project);
    }
    if (a.withdrawn) return 'withdrawn';
    return old && !old.withdrawn ? 'updated' : 'added';
  }

  /** One query per project; the returned function answers for each of its versions in memory. */
  matcher(project: string): (version: string | null) => string[] {
    const rows = this.s.forProject.all(project) as { id: string; versions: string; ranges: string }[];
    if (!rows.length) return () => [];
    const entries = rows.map((r) => ({ id: r.id, pkg: { project, versions: JSON.parse(r.versions), ranges: JSON.parse(r.ranges) } as AffectedPackage }));
    return (version) => [...new Set(entries.filter((e) => affects(e.pkg, version)).map((e) => e.id))];
  }

  /** Ids of the live advisories that list this project's version (sorted). */
  match(project: string, version: string | null): string[] {
    return this.matcher(project)(version);
  }

  get(id: string): AdvisoryInfo | undefined {
    const r = this.s.get.get(id) as Row | undefined;
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
  generation(): number {
    return this.s.generation.get() as number;
  }

  activeCount(): number {
    return this.s.active.get() as number;
  }
}
