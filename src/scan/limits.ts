// Default archive limits. Every distribution the proxy serves passes through the reader, so these
// are the numbers that stand between a hostile upload and the server's memory, disk and time.
// Each one is configurable; `resolveLimits` validates overrides once, at the edge.
import type { ArchiveLimits } from './archive/types.js';

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  // Bytes actually decompressed. Zip members the analysis does not read (shared libraries, data)
  // are only sniffed (their first bytes, for the magic number), so the largest real wheels
  // (tensorflow-cpu unpacks to 1.2 GiB with a 751 MiB library, triton to 892 MiB) stay far below.
  maxTotalBytes: 1024 * MiB,
  maxMemberBytes: 256 * MiB,
  // What a zip claims in all, sniffed members included: a flat or overlapping bomb claims
  // terabytes; the largest honest wheels claim 1-2 GiB.
  maxClaimedBytes: 8192 * MiB,
  // Deflate tops out near 1032:1; honest data rarely passes 50:1. Applied per member and over the
  // whole file, and only once more than 1 MiB came out, so small well-compressing text is fine.
  maxRatio: 200,
  maxMembers: 100_000,
  maxDepth: 64,
  maxNameLength: 4096,
  timeoutMs: 30_000,
  // Members the analysis wants (Python, .pth, metadata) above this are not kept in memory; the
  // member is marked `contentOmitted` so the analysis can hold the file instead of trusting it.
  maxContentBytes: 4 * MiB,
  // All kept content together; past it the file is unscannable (fail closed).
  maxTotalContentBytes: 128 * MiB,
});

/** Merge overrides into the defaults; throws with a message naming the bad key. */
export function resolveLimits(overrides: Partial<ArchiveLimits> = {}): ArchiveLimits {
  const limits: ArchiveLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) throw new Error(`unknown archive limit "${key}"`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new Error(`archive limit "${key}" must be a positive number, got ${String(value)}`);
    }
    (limits as unknown as Record<string, number>)[key] = value;
  }
  return limits;
}
