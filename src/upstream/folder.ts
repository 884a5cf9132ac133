// A local folder of distribution files served as an index, as pypiserver does: how air-gapped
// sites run, and how this project's tests run (PyPI is not reachable from CI).
import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { isWheel, normalizeName, sdistExtension } from '../index/index.js';
import type { IndexFile, ProjectPage, RootPage } from '../index/types.js';
import { UpstreamError, type PageResult, type Upstream } from './types.js';

/** Project name from a distribution file name, or null when the name does not look like one. */
export function projectFromFilename(filename: string): string | null {
  if (isWheel(filename)) {
    const parts = filename.slice(0, -4).split('-');
    return parts.length >= 5 ? normalizeName(parts[0]) : null;
  }
  // sdists (the index's list of extensions) and eggs ("name-version(-pyX.Y)?.egg").
  const ext = sdistExtension(filename) ?? (/\.egg$/i.test(filename) ? '.egg' : undefined);
  if (!ext) return null;
  const m = /^(.+?)-(\d[^-]*)(-py\d[\d.]*)?$/.exec(filename.slice(0, -ext.length));
  return m ? normalizeName(m[1]) : null;
}

interface Entry {
  file: IndexFile;
  project: string;
}

export class FolderUpstream implements Upstream {
  readonly description: string;
  private readonly hashes = new Map<string, { key: string; sha256: string }>();
  private listing: { at: number; byProject: Map<string, Entry[]> } | null = null;
  private listingPromise: Promise<Map<string, Entry[]>> | null = null;

  constructor(
    private readonly dir: string,
    /** Milliseconds a directory listing is reused. */
    private readonly rescanMs = 2_000,
  ) {
    this.description = dir;
  }

  async project(name: string): Promise<PageResult<ProjectPage>> {
    const entries = (await this.list()).get(normalizeName(name));
    if (!entries) return { status: 'not-found' };
    return { status: 'ok', page: { name: normalizeName(name), files: entries.map((e) => e.file) }, etag: null, serial: null };
  }

  async root(): Promise<PageResult<RootPage>> {
    return { status: 'ok', page: { projects: [...(await this.list()).keys()].sort() }, etag: null, serial: null };
  }

  async open(url: string): Promise<{ body: Readable; length: number | null }> {
    let file: string;
    try {
      file = await realpath(fileURLToPath(url));
    } catch {
      throw new UpstreamError('bad-status', `upstream file ${url} is gone`);
    }
    const root = await realpath(this.dir);
    // Only files inside the folder, whatever a URL says.
    if (!file.startsWith(root + path.sep)) throw new UpstreamError('bad-status', `refusing to read ${file}: outside ${root}`);
    const st = await stat(file);
    return { body: createReadStream(file), length: st.size };
  }

  private async list(): Promise<Map<string, Entry[]>> {
    if (this.listing && Date.now() - this.listing.at < this.rescanMs) return this.listing.byProject;
    // Single-flight: one directory walk at a time.
    this.listingPromise ??= this.walk().finally(() => (this.listingPromise = null));
    return this.listingPromise;
  }

  private async walk(): Promise<Map<string, Entry[]>> {
    const byProject = new Map<string, Entry[]>();
    let names: string[];
    try {
      names = (await readdir(this.dir, { recursive: true })) as string[];
    } catch (err) {
      throw new UpstreamError('unreachable', `cannot read upstream folder ${this.dir}: ${(err as Error).message}`);
    }
    for (const rel of names.sort()) {
      const filename = path.basename(rel);
      const project = projectFromFilename(filename);
      if (!project) continue;
      const full = path.join(this.dir, rel);
      let st: Stats;
      try {
        st = await stat(full);
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      const sha256 = await this.hash(full, st);
      const file: IndexFile = {
        filename,
        url: pathToFileURL(full).href,
        hashes: { sha256 },
        size: st.size,
        uploadTime: st.mtime.toISOString(),
      };
      const list = byProject.get(project) ?? [];
      list.push({ file, project });
      byProject.set(project, list);
    }
    this.listing = { at: Date.now(), byProject };
    return byProject;
  }

  private async hash(file: string, st: Stats): Promise<string> {
    const key = `${st.size}:${st.mtimeMs}`;
    const known = this.hashes.get(file);
    if (known && known.key === key) return known.sha256;
    const h = createHash('sha256');
    for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
    const sha256 = h.digest('hex');
    this.hashes.set(file, { key, sha256 });
    return sha256;
  }
}
