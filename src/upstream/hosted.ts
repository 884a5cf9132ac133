// The hosted private index (issue 12): files uploaded with twine, kept in data/hosted/<name>/ and
// listed from the uploads table. A file is listed only once its upload was verified and scanned
// and policy allows it (`visible`): a refused upload never appears on a page. Every name the index
// has claimed answers with a page, even an empty one, so a public project of that name is never
// looked up (SeveralUpstreams stops at the first private source that has a page).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { IndexFile, ProjectPage, RootPage } from '../index/types.js';
import type { OrgStore, UploadRow } from '../store/uploads.js';
import { FolderUpstream } from './folder.js';
import type { PageResult, Upstream } from './types.js';

export class HostedUpstream implements Upstream {
  readonly description: string;
  /** Reads the stored files, refusing any path outside the folder. */
  private readonly folder: FolderUpstream;
  /** Whether policy allows an upload now; set once the gate exists (it needs this upstream first). */
  visible: (u: UploadRow) => Promise<boolean> = async () => false;

  constructor(
    readonly name: string,
    readonly dir: string,
    private readonly org: OrgStore,
  ) {
    this.folder = new FolderUpstream(dir);
    this.description = `hosted index ${name}`;
  }

  /** Where an uploaded file is kept. */
  fileUrl(filename: string): string {
    return pathToFileURL(path.join(this.dir, filename)).href;
  }

  async project(name: string): Promise<PageResult<ProjectPage>> {
    const claimant = await this.org.claimOf(name);
    const uploads = await this.org.listed(this.name, name);
    const shown = await Promise.all(uploads.map((u) => this.visible(u)));
    const rows = uploads.filter((_, i) => shown[i]);
    if (!rows.length && claimant !== this.name) return { status: 'not-found' };
    const files: IndexFile[] = rows.map((u) => ({
      filename: u.filename,
      url: this.fileUrl(u.filename),
      hashes: { sha256: u.sha256 },
      size: u.size,
      // PEP 592: a yank with no reason given is a plain yank.
      ...(u.yanked !== null ? { yanked: u.yanked || true } : {}),
    }));
    return { status: 'ok', page: { name, files }, etag: null, serial: null };
  }

  async root(): Promise<PageResult<RootPage>> {
    return { status: 'ok', page: { projects: await this.org.projects(this.name) }, etag: null, serial: null };
  }

  open(url: string) {
    return this.folder.open(url);
  }
}
