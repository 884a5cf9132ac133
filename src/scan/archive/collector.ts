// Enforces the archive limits while members stream past and keeps what the analysis asked for.
// Both readers (tar and zip) feed it the same way: begin a member, write its decompressed bytes,
// end it. Sizes are counted from the bytes that actually came out, never from header claims;
// claims are only used to refuse early.
import { ArchiveError, type ArchiveLimits, type ArchiveMember, type MemberType } from './types.js';
import { DEFAULT_LIMITS } from '../limits.js';

const HEAD_BYTES = 64;
/** Ratios are only judged once this much came out: small, well-compressing text is fine. */
const RATIO_FLOOR = 1024 * 1024;

export interface CollectorOptions {
  limits: ArchiveLimits;
  wantsContent: (memberPath: string, size: number) => boolean;
  /** Compressed size of the file on disk. */
  fileBytes: number;
  /** Absolute time (ms since epoch) after which reading stops with `timeout`. */
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
  private readonly maxTotalContent: number;

  constructor(private readonly opts: CollectorOptions) {
    this.maxTotalContent = opts.limits.maxTotalContentBytes ?? DEFAULT_LIMITS.maxTotalContentBytes!;
  }

  checkDeadline(): void {
    if (Date.now() > this.opts.deadline) {
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
    if (start.claimedSize > limits.maxMemberBytes) {
      throw new ArchiveError('member-too-large', `${start.path} claims ${start.claimedSize} bytes (limit ${limits.maxMemberBytes})`);
    }
    if (start.compressedSize !== undefined) this.checkMemberRatio(start.path, start.claimedSize, start.compressedSize);
    const wanted = start.type === 'file' && this.opts.wantsContent(start.path, start.claimedSize);
    const keep = wanted && start.claimedSize <= limits.maxContentBytes;
    return new MemberWriter(this, start, keep, wanted && !keep);
  }

  checkMemberRatio(path: string, size: number, compressed: number): void {
    if (size > RATIO_FLOOR && size / Math.max(compressed, 1) > this.opts.limits.maxRatio) {
      throw new ArchiveError('ratio', `${path} expands ${compressed} bytes to ${size} (ratio limit ${this.opts.limits.maxRatio})`);
    }
  }

  /** Called by MemberWriter for each chunk; counts and enforces the running limits. */
  account(path: string, memberBytes: number, chunkBytes: number, keeping: boolean): void {
    const { limits } = this.opts;
    this.totalBytes += chunkBytes;
    if (memberBytes > limits.maxMemberBytes) {
      throw new ArchiveError('member-too-large', `${path} is over ${limits.maxMemberBytes} bytes`);
    }
    if (this.totalBytes > limits.maxTotalBytes) {
      throw new ArchiveError('too-large', `more than ${limits.maxTotalBytes} bytes uncompressed`);
    }
    if (keeping) {
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
  ) {}

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.size += chunk.length;
    this.collector.account(this.start.path, this.size, chunk.length, this.keep);
    if (this.keep) {
      this.chunks.push(chunk);
    } else if (this.head.length < HEAD_BYTES) {
      // Copy: a subarray would pin the whole (often 64 KiB) chunk in memory for every member.
      this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
    }
  }

  /** Finish the member; `compressedSize` lets zip readers re-check the ratio on real bytes. */
  end(compressedSize?: number): ArchiveMember {
    if (compressedSize !== undefined) this.collector.checkMemberRatio(this.start.path, this.size, compressedSize);
    const member: ArchiveMember = { path: this.start.path, type: this.start.type, size: this.size, head: this.head };
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
