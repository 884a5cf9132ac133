// Outlier rank of a held file's install-time code (the cluster analysis, MPHunter-style), kept in
// review_extra so the queue can be ordered by it. Computed off the request path, after a file is
// held, or when a reviewer opens an item that has none yet. It runs in a scan process when there
// is one (the scanner's sideJob), so the serving process never loads the parser. The cluster module
// is loaded lazily: without it (or without its model file) items simply stay unranked and the
// queue falls back to ordering by score.
import { readDistribution } from '../scan/archive/index.js';
import { resolveLimits } from '../scan/limits.js';
import type { Distribution } from '../scan/archive/types.js';
import type { BlobStore } from '../store/blobs.js';
import type { FileRow } from '../store/metadata.js';
import type { ReviewStore } from '../store/review.js';
import type { ScanInput, Scanner } from '../scan/types.js';

interface ClusterApi {
  wantsInstallCode(path: string, format?: Distribution['format']): boolean;
  scoreInstallScript(dist: Distribution): { rank: number; nearestMalicious?: { family: string; similarity: number } } | null;
}

const CLUSTER_MODULE = '../scan/cluster/index.js';
let cluster: Promise<ClusterApi | null> | undefined;

function loadCluster(): Promise<ClusterApi | null> {
  cluster ??= import(CLUSTER_MODULE as string).then(
    (m: Partial<ClusterApi>) => (typeof m.scoreInstallScript === 'function' && typeof m.wantsInstallCode === 'function' ? (m as ClusterApi) : null),
    () => null,
  );
  return cluster;
}

export interface InstallRank {
  rank: number;
  family: string | null;
  distance: number | null;
}

/** The rank of one file's install-time code; null when no ranking is available. */
export async function rankInstallCode(input: ScanInput): Promise<InstallRank | null> {
  const api = await loadCluster();
  if (!api) return null;
  const dist = await readDistribution(input.path, {
    filename: input.filename,
    sha256: input.sha256,
    limits: resolveLimits(),
    wantsContent: (p) => api.wantsInstallCode(p),
  });
  const s = api.scoreInstallScript(dist);
  // No install-time code with a call in it: rank 0, it is not an outlier of anything.
  return { rank: s?.rank ?? 0, family: s?.nearestMalicious?.family ?? null, distance: s?.nearestMalicious ? 1 - s.nearestMalicious.similarity : null };
}

/** Scores the file (in a scan process when `scanner` has them) and stores the result; false when no ranking is available. Never throws. */
export async function rankHeldFile(blobs: BlobStore, reviews: ReviewStore, file: FileRow, scanner?: Scanner): Promise<boolean> {
  try {
    if (!file.stored || (await blobs.size(file.sha256)) === null) return false;
    const input: ScanInput = { path: blobs.path(file.sha256), filename: file.filename, sha256: file.sha256 };
    const r = (scanner?.sideJob ? await scanner.sideJob('rank', input) : await rankInstallCode(input)) as InstallRank | null;
    if (!r) return false;
    await reviews.putExtra(file.sha256, r.rank, r.family, r.distance);
    return true;
  } catch {
    return false;
  }
}
