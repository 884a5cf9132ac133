// Enforces the archive limits while members stream past and keeps what the analysis asked for.
// Both readers (tar and zip) feed it the same way: begin a member, write its decompressed bytes,
// end it. Sizes are counted from the bytes that actually came out, never from header claims;
// claims are only used to refuse early.
import { ArchiveError, type ArchiveLimits, type ArchiveMember, type MemberType } from './types.js';
import { DEFAULT_LIMITS } from '../limits.js';

export const HEAD_BYTES = 64;
/** Ratios are only judged once this much came out: small, well-compressing text is fine. */
const RATIO_FLOOR = 1024 * 1024;
/**
 * A sniffed member's claimed ratio is only judged above this size: onnx ships 2.5 MB test tensors
 * of zeros that deflate 1016:1, while a flat bomb needs tens of MiB per member to matter.
 */
const SNIFF_RATIO_FLOOR = 32 * 1024 * 1024;
/** The whole zip's claims are judged for ratio once they pass this (wheels run 2-5:1 overall). */
const CLAIMED_RATIO_FLOOR = 64 * 1024 * 1024;
/**
 * Members asked for as 'data' are kept best effort, up to a budget of their own: code can read a
 * `.dat` member and exec it (issue 11), and the analysis must be able to look. Past the budget
 * they are only sniffed, never an error: data alone does not decide a verdict.
 */
const DATA_MEMBER_MAX = 1024 * 1024;
const DATA_BUDGET = 32 * 1024 * 1024;

export interface CollectorOptions {
  limits: ArchiveLimits;
  /** true: keep for analysis (limits enforced); 'data': keep best effort within a budget of its own. */
  wantsContent: (memberPath: string, size: number) => boolean | 'data';
  /** Compressed size of the file on disk. */
  fileBytes: number;
  /** Absolute time (ms since epoch) after which reading stops with `timeout` (see `deadline` below). */
  deadline: number;
}

export interface MemberStart {
  path: string;
  type: MemberType;
  /** Size the header claims (used to refuse early and to ask `wantsContent`). */
  claimedSize: number;
  /** Compressed size of this member when the container records it (zip). */
  compressedSize?: number;
  linkTarget?: string;
  mode?: number;
}

export class Collector {
  readonly members: ArchiveMember[] = [];
  /** Member content bytes actually read. */
  totalBytes = 0;
  private contentBytes = 0;
  /** Sizes zip members claim, summed: what pip would write when it unpacks the wheel. */
  private claimedBytes = 0;
  private dataBytes = 0;
  private readonly maxTotalContent: number;
  private readonly maxClaimed: number;
  /**
   * When reading stops with `timeout`. A file read while it downloads starts with none (waiting for
   * bytes is not scanning) and gets `timeoutMs` from the moment the whole file is in.
   */
  deadline: number;

  constructor(private readonly opts: CollectorOptions) {
    this.deadline = opts.deadline;
    this.maxTotalContent = opts.limits.maxTotalContentBytes ?? DEFAULT_LIMITS.maxTotalContentBytes!;
    this.maxClaimed = opts.limits.maxClaimedBytes ?? DEFAULT_LIMITS.maxClaimedBytes!;
  }

  checkDeadline(): void {
    if (Date.now() > this.deadline) {
      throw new ArchiveError('timeout', `reading took longer than ${this.opts.limits.timeoutMs} ms`);
    }
  }

  /** Refuse a container that announces more members than allowed before reading any (zip). */
  checkAnnouncedCount(count: number): void {
    if (count > this.opts.limits.maxMembers) {
      throw new ArchiveError('too-many-members', `archive lists ${count} members (limit ${this.opts.limits.maxMembers})`);
    }
  }

  /** Decompressed-to-compressed ratio over the whole file so far. */
  checkTotalRatio(decompressed: number, compressed: number): void {
    if (decompressed > RATIO_FLOOR && decompressed / Math.max(compressed, 1) > this.opts.limits.maxRatio) {
      throw new ArchiveError(
        'ratio',
        `${decompressed} bytes came out of ${compressed} compressed bytes (ratio limit ${this.opts.limits.maxRatio})`,
      );
    }
  }

  /** Total decompressed bytes of the container stream (tar headers included). */
  checkTotal(decompressed: number): void {
    if (decompressed > this.opts.limits.maxTotalBytes) {
      throw new ArchiveError('too-large', `more than ${this.opts.limits.maxTotalBytes} bytes uncompressed`);
    }
  }

  begin(start: MemberStart): MemberWriter {
    const { limits } = this.opts;
    this.checkDeadline();
    if (this.members.length + 1 > limits.maxMembers) {
      throw new ArchiveError('too-many-members', `more than ${limits.maxMembers} members`);
    }
    if (Buffer.byteLength(start.path) > limits.maxNameLength) {
      throw new ArchiveError('name-too-long', `a member name is ${Buffer.byteLength(start.path)} bytes (limit ${limits.maxNameLength})`);
    }
    const depth = start.path.split(/[\\/]+/).filter(Boolean).length;
    if (depth > limits.maxDepth) {
      throw new ArchiveError('too-deep', `a member path is ${depth} levels deep (limit ${limits.maxDepth})`);
    }
    const asked = start.type === 'file' ? this.opts.wantsContent(start.path, start.claimedSize) : false;
    const wanted = asked === true;
    if (asked === 'data' && start.claimedSize <= DATA_MEMBER_MAX && this.dataBytes + start.claimedSize <= DATA_BUDGET) {
      if (start.compressedSize !== undefined) this.checkClaims(start.path, start.claimedSize, start.compressedSize, false);
      this.dataBytes += start.claimedSize;
      return new MemberWriter(this, start, true, false, false, true);
    }
    // Fast path: a zip member the analysis does not read is only sniffed (its first bytes), so its
    // size and ratio cannot exhaust the scanner; only its claims are judged, for the client's sake.
    const sniff = start.type === 'file' && !wanted && start.compressedSize !== undefined;
    if (start.compressedSize !== undefined) this.checkClaims(start.path, start.claimedSize, start.compressedSize, sniff);
    if (!sniff && start.claimedSize > limits.maxMemberBytes) {
      throw new ArchiveError('member-too-large', `${start.path} claims ${start.claimedSize} bytes (limit ${limits.maxMemberBytes})`);
    }
    const keep = wanted && start.claimedSize <= limits.maxContentBytes;
    return new MemberWriter(this, start, keep, wanted && !keep, sniff);
  }

  /** A zip member's claims: its own ratio, and the whole file's claimed size and ratio (bombs). */
  private checkClaims(path: string, size: number, compressed: number, sniff: boolean): void {
    if (!sniff) this.checkMemberRatio(path, size, compressed);
    else if (size > SNIFF_RATIO_FLOOR && size / Math.max(compressed, 1) > this.opts.limits.maxRatio) {
      throw new ArchiveError('ratio', `${path} claims to expand ${compressed} bytes to ${size} (ratio limit ${this.opts.limits.maxRatio})`);
    }
    this.claimedBytes += size;
    if (this.claimedBytes > this.maxClaimed) {
      throw new ArchiveError('too-large', `members claim more than ${this.maxClaimed} bytes uncompressed`);
    }
    if (this.claimedBytes > CLAIMED_RATIO_FLOOR && this.claimedBytes / Math.max(this.opts.fileBytes, 1) > this.opts.limits.maxRatio) {
      throw new ArchiveError('ratio', `members claim ${this.claimedBytes} bytes from ${this.opts.fileBytes} compressed bytes (ratio limit ${this.opts.limits.maxRatio})`);
    }
  }

  checkMemberRatio(path: string, size: number, compressed: number): void {
    if (size > RATIO_FLOOR && size / Math.max(compressed, 1) > this.opts.limits.maxRatio) {
      throw new ArchiveError('ratio', `${path} expands ${compressed} bytes to ${size} (ratio limit ${this.opts.limits.maxRatio})`);
    }
  }

  /** Called by MemberWriter for each chunk; counts and enforces the running limits. */
  account(path: string, memberBytes: number, chunkBytes: number, keeping: boolean, data = false): void {
    const { limits } = this.opts;
    this.totalBytes += chunkBytes;
    if (memberBytes > limits.maxMemberBytes) {
      throw new ArchiveError('member-too-large', `${path} is over ${limits.maxMemberBytes} bytes`);
    }
    if (this.totalBytes > limits.maxTotalBytes) {
      throw new ArchiveError('too-large', `more than ${limits.maxTotalBytes} bytes uncompressed`);
    }
    if (data) {
      // Best-effort data members: their claim was checked against the budget; an under-claim is corrupt.
      if (memberBytes > DATA_MEMBER_MAX) throw new ArchiveError('corrupt', `${path} is larger than its header says`);
    } else if (keeping) {
      this.contentBytes += chunkBytes;
      if (memberBytes > limits.maxContentBytes) {
        // Only reachable when a header under-claimed its size; zip readers catch that too.
        throw new ArchiveError('corrupt', `${path} is larger than its header says`);
      }
      if (this.contentBytes > this.maxTotalContent) {
        throw new ArchiveError('too-large', `more than ${this.maxTotalContent} bytes of code to analyse`);
      }
    }
    this.checkTotalRatio(this.totalBytes, this.opts.fileBytes);
    this.checkDeadline();
  }

  push(member: ArchiveMember): void {
    this.members.push(member);
  }
}

export class MemberWriter {
  private size = 0;
  private head: Buffer = Buffer.alloc(0);
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly collector: Collector,
    private readonly start: MemberStart,
    private readonly keep: boolean,
    private readonly omitted: boolean,
    /** Only the head is wanted: the reader stops after HEAD_BYTES and the claim stands for the size. */
    readonly sniffOnly = false,
    /** Kept as a data member (DATA_BUDGET), not as content the analysis asked for. */
    private readonly data = false,
  ) {}

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.size += chunk.length;
    this.collector.account(this.start.path, this.size, chunk.length, this.keep, this.data);
    if (this.keep) {
      this.chunks.push(chunk);
    } else if (this.head.length < HEAD_BYTES) {
      // Copy: a subarray would pin the whole (often 64 KiB) chunk in memory for every member.
      this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
    }
  }

  /** Finish the member; `compressedSize` lets zip readers re-check the ratio on real bytes. */
  end(compressedSize?: number): ArchiveMember {
    if (compressedSize !== undefined && !this.sniffOnly) this.collector.checkMemberRatio(this.start.path, this.size, compressedSize);
    const member: ArchiveMember = { path: this.start.path, type: this.start.type, size: this.sniffOnly ? this.start.claimedSize : this.size, head: this.head };
    if (this.sniffOnly) member.sniffed = true;
    if (this.keep) {
      // Always copy: chunks are views into the decompressor's larger buffers.
      const data = Buffer.concat(this.chunks, this.size);
      member.data = data;
      member.head = Buffer.from(data.subarray(0, HEAD_BYTES));
    }
    if (this.omitted) member.contentOmitted = true;
    if (this.start.linkTarget !== undefined) member.linkTarget = this.start.linkTarget;
    if (this.start.mode !== undefined) member.mode = this.start.mode;
    this.collector.push(member);
    return member;
  }
}
