// The organisation's private names (issue 12): claimed when first seen on a private upstream or
// uploaded to a hosted index, kept in the store, mirrored here for the checks on the request
// path. A public project whose name imitates one of them (one edit away, separators or affixes
// changed, look-alike letters) is held for review: the typosquat logic the scanner applies to
// popular names (scan/analyze/names.ts), applied to the names attackers would target here.
import { findSquat } from '../scan/analyze/names.js';
import type { OrgStore } from '../store/uploads.js';
import { patternMatcher, type Claims } from './several.js';

export class PrivateNames implements Claims {
  private readonly names = new Set<string>();
  private list: string[] = [];
  private readonly merged: (name: string) => boolean;

  constructor(
    private readonly org: OrgStore,
    opts: {
      /** Private names whose public files may be listed too (the upstreams' `merge`). */
      merge?: string[];
      /** A name was claimed for the first time (rendered pages of look-alikes must be redone). */
      onNew?: (project: string) => void;
    } = {},
  ) {
    this.merged = patternMatcher(opts.merge ?? []);
    this.onNew = opts.onNew;
  }

  /** Claims seen when the claims table last changed (-1: never read). */
  private seen = -1;

  /**
   * Reads the names claimed in the store, by this process or another (--processes, replicas): run
   * at start and on every change poll, so no serving process misses a look-alike of a new name.
   */
  async refresh(): Promise<void> {
    const count = await this.org.claimCount();
    if (count === this.seen) return;
    const first = this.seen < 0;
    this.seen = count;
    const added: string[] = [];
    for (const c of await this.org.claimedNames()) {
      if (this.names.has(c.project)) continue;
      this.names.add(c.project);
      added.push(c.project);
    }
    if (!added.length) return;
    this.list = [...this.names];
    // At start nothing is rendered yet.
    if (!first) for (const p of added) this.onNew?.(p);
  }

  async claim(project: string, upstream: string): Promise<boolean> {
    const added = await this.org.claim(project, upstream);
    if (!this.names.has(project)) {
      this.names.add(project);
      this.list = [...this.names];
      this.onNew?.(project);
    }
    return added;
  }

  claimOf(project: string): Promise<string | undefined> {
    return this.org.claimOf(project);
  }

  get size(): number {
    return this.names.size;
  }

  private readonly onNew?: (project: string) => void;

  /**
   * The private name a project listed by a public upstream takes or imitates: the name itself
   * (listed before it was claimed: its file URLs outlive the page) unless it may be merged, or a
   * look-alike's target.
   */
  targetOf(project: string): string | undefined {
    if (this.names.has(project)) return this.merged(project) ? undefined : project;
    return this.imitated(project);
  }

  /** The private name `project` imitates, if any; a private name never imitates itself. */
  imitated(project: string): string | undefined {
    if (!this.list.length) return undefined;
    return findSquat(project, this.names, this.list)?.target;
  }
}
