// The organisation's index (issue 12): names claimed by private upstreams, and the files uploaded
// to the hosted index. Written once against the SQL seam (store/sql.ts): SQLite or PostgreSQL.
import type { SqlDb } from './sql.js';

export type UploadState = 'scanning' | 'published' | 'refused' | 'deleted';

export interface UploadRow {
  id: number;
  index_name: string;
  filename: string;
  project: string;
  version: string;
  sha256: string;
  size: number;
  state: UploadState;
  yanked: string | null;
  uploader: string;
  uploaded_at: number;
}

export interface NewUpload {
  index: string;
  filename: string;
  project: string;
  version: string;
  sha256: string;
  size: number;
  uploader: string;
}

const SQL = {
  // First claimant wins: two replicas seeing the same private name at once record one claim.
  claim: `INSERT INTO claims (project, upstream, first_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
  claimOf: `SELECT upstream FROM claims WHERE project = ?`,
  claimed: `SELECT project, upstream FROM claims`,
  // Claims are never deleted, so their count tells another process when to read them again.
  claimCount: `SELECT count(*) AS n FROM claims`,
  // The UNIQUE (index_name, filename) constraint is the duplicate check: no race between two uploads,
  // in one process or across replicas.
  addUpload: `INSERT INTO uploads (index_name, filename, project, version, sha256, size, state, uploader, uploaded_at)
    VALUES (?, ?, ?, ?, ?, ?, 'scanning', ?, ?) ON CONFLICT DO NOTHING`,
  upload: `SELECT * FROM uploads WHERE index_name = ? AND filename = ?`,
  setState: `UPDATE uploads SET state = ? WHERE index_name = ? AND filename = ?`,
  setYanked: `UPDATE uploads SET yanked = ? WHERE index_name = ? AND filename = ?`,
  // 'refused' too: a held upload a reviewer released is listed once policy allows it (HostedUpstream.visible).
  listed: `SELECT * FROM uploads WHERE index_name = ? AND project = ? AND state IN ('published', 'refused') ORDER BY id`,
  projects: `SELECT DISTINCT project FROM uploads WHERE index_name = ? AND state = 'published' ORDER BY project`,
};

export class OrgStore {
  constructor(private readonly db: SqlDb) {}

  /** Records that `project` is private (first claimant wins); true when it was new. */
  async claim(project: string, upstream: string): Promise<boolean> {
    return (await this.db.run(SQL.claim, [project, upstream, Date.now()])).changes === 1;
  }

  async claimOf(project: string): Promise<string | undefined> {
    return (await this.db.get<{ upstream: string }>(SQL.claimOf, [project]))?.upstream;
  }

  claimedNames(): Promise<{ project: string; upstream: string }[]> {
    return this.db.all(SQL.claimed);
  }

  async claimCount(): Promise<number> {
    return Number((await this.db.get<{ n: number }>(SQL.claimCount))?.n ?? 0);
  }

  /** Adds the upload in state 'scanning'; false when the index already has a file of that name (in any state). */
  async addUpload(u: NewUpload): Promise<boolean> {
    const { changes } = await this.db.run(SQL.addUpload, [u.index, u.filename, u.project, u.version, u.sha256, u.size, u.uploader, Date.now()]);
    return changes === 1;
  }

  upload(index: string, filename: string): Promise<UploadRow | undefined> {
    return this.db.get<UploadRow>(SQL.upload, [index, filename]);
  }

  async setState(index: string, filename: string, state: UploadState): Promise<void> {
    await this.db.run(SQL.setState, [state, index, filename]);
  }

  /** `reason` null un-yanks. */
  async setYanked(index: string, filename: string, reason: string | null): Promise<void> {
    await this.db.run(SQL.setYanked, [reason, index, filename]);
  }

  /** The files of a project on the hosted index that may be listed (published, or refused and maybe released since), oldest first. */
  listed(index: string, project: string): Promise<UploadRow[]> {
    return this.db.all<UploadRow>(SQL.listed, [index, project]);
  }

  async projects(index: string): Promise<string[]> {
    return (await this.db.all<{ project: string }>(SQL.projects, [index])).map((r) => r.project);
  }
}
