// What the archive reader hands to the analysis: one pass over the archive, members listed in
// order, content kept only for the members the analysis asked for (see `wantsContent`).

export type DistFormat = 'wheel' | 'sdist-tar' | 'sdist-zip' | 'egg';

export type MemberType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'device' | 'other';

export interface ArchiveMember {
  /** Path as stored in the archive (not normalized, may be hostile). */
  path: string;
  type: MemberType;
  /** Uncompressed size in bytes as read (not as claimed by a header), except for a sniffed member. */
  size: number;
  /**
   * Only the first bytes were inflated (a zip member the analysis does not read): `size` is the
   * central directory's claim. Its content never reaches the scanner, so it cannot exhaust it.
   */
  sniffed?: boolean;
  /** Link target for symlinks and hard links. */
  linkTarget?: string;
  /** First bytes of the content (up to 64), for magic-number checks (PE/ELF/Mach-O). */
  head: Buffer;
  /** Whole content, present only when `wantsContent(path, size)` said yes and it fit the limits. */
  data?: Buffer;
  /** True when `wantsContent` said yes but the member was larger than `maxContentBytes`. */
  contentOmitted?: boolean;
  /** Unix permission bits when the archive records them (tar mode, zip external attributes). */
  mode?: number;
}

export interface Distribution {
  filename: string;
  sha256: string;
  format: DistFormat;
  /** Container as detected from the bytes: 'tar.gz' | 'tar.xz' | 'tar.bz2' | 'tar' | 'zip'. */
  container: string;
  members: ArchiveMember[];
  /** Total uncompressed bytes read. */
  totalBytes: number;
  /** Compressed size on disk. */
  fileBytes: number;
}

export interface ArchiveLimits {
  maxTotalBytes: number;
  maxMemberBytes: number;
  maxRatio: number;
  maxMembers: number;
  maxDepth: number;
  maxNameLength: number;
  timeoutMs: number;
  /** Largest member whose content is kept in memory for analysis. */
  maxContentBytes: number;
  /** All kept content together (default 128 MiB); past it the file is unscannable. */
  maxTotalContentBytes?: number;
  /** Sum of the sizes zip members claim, sniffed ones included (default 8 GiB): what pip would write. */
  maxClaimedBytes?: number;
}

/** Raised for anything that makes a file unscannable; the verdict becomes `error` (held). */
export class ArchiveError extends Error {
  constructor(
    readonly code:
      | 'unknown-format'
      | 'corrupt'
      | 'truncated'
      | 'too-large'
      | 'member-too-large'
      | 'ratio'
      | 'too-many-members'
      | 'too-deep'
      | 'name-too-long'
      | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'ArchiveError';
  }
}
