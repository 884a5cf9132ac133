// The organisation's index (issue 12): names claimed by private upstreams, and the files uploaded
// to the hosted index. Methods return Promises where that costs nothing, so a PostgreSQL backend
// can implement the same interface; claimedNames() is read once at start-up and stays synchronous.
import type { DB } from './db.js';

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

export class OrgStore {
  private readonly s;

  constructor(private readonly db: DB) {
    this.s = {
      claim: db.prepare(`INSERT OR IGNORE INTO claims (project, upstream, first_seen) VALUES (?, ?, ?)`),
      claimOf: db.prepare(`SELECT upstream FROM claims WHERE project = ?`).pluck(),
      claimed: db.prepare(`SELECT project, upstream FROM claims`),
      // The UNIQUE (index_name, filename) constraint is the duplicate check: no race between two uploads.
      addUpload: db.prepare(
        `INSERT OR IGNORE INTO uploads (index_name, filename, project, version, sha256, size, state, uploader, uploaded_at)
         VALUES (@index, @filename, @project, @version, @sha256, @size, 'scanning', @uploader, @now)`,
      ),
      upload: db.prepare(`SELECT * FROM uploads WHERE index_name = ? AND filename = ?`),
      setState: db.prepare(`UPDATE uploads SET state = ? WHERE index_name = ? AND filename = ?`),
      setYanked: db.prepare(`UPDATE uploads SET yanked = ? WHERE index_name = ? AND filename = ?`),
      // 'refused' too: a held upload a reviewer released is listed once policy allows it (HostedUpstream.visible).
      listed: db.prepare(`SELECT * FROM uploads WHERE index_name = ? AND project = ? AND state IN ('published', 'refused') ORDER BY id`),
      projects: db.prepare(`SELECT DISTINCT project FROM uploads WHERE index_name = ? AND state = 'published' ORDER BY project`).pluck(),
    };
  }

  /** Records that `project` is private (first claimant wins); true when it was new. */
  async claim(project: string, upstream: string): Promise<boolean> {
    return this.s.claim.run(project, upstream, Date.now()).changes === 1;
  }

  async claimOf(project: string): Promise<string | undefined> {
    return this.s.claimOf.get(project) as string | undefined;
  }

  claimedNames(): { project: string; upstream: string }[] {
    return this.s.claimed.all() as { project: string; upstream: string }[];
  }

  /** Adds the upload in state 'scanning'; false when the index already has a file of that name (in any state). */
  async addUpload(u: NewUpload): Promise<boolean> {
    return this.s.addUpload.run({ ...u, now: Date.now() }).changes === 1;
  }

  async upload(index: string, filename: string): Promise<UploadRow | undefined> {
    return this.s.upload.get(index, filename) as UploadRow | undefined;
  }

  async setState(index: string, filename: string, state: UploadState): Promise<void> {
    this.s.setState.run(state, index, filename);
  }

  /** `reason` null un-yanks. */
  async setYanked(index: string, filename: string, reason: string | null): Promise<void> {
    this.s.setYanked.run(reason, index, filename);
  }

  /** The files of a project on the hosted index that may be listed (published, or refused and maybe released since), oldest first. */
  async listed(index: string, project: string): Promise<UploadRow[]> {
    return this.s.listed.all(index, project) as UploadRow[];
  }

  async projects(index: string): Promise<string[]> {
    return this.s.projects.all(index) as string[];
  }
}
