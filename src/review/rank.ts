// Outlier rank of a held file's install-time code (the cluster analysis, MPHunter-style), kept in
// review_extra so the queue can be ordered by it. Computed off the request path, after a file is
// held, or when a reviewer opens an item that has none yet. The cluster module is loaded lazily:
// without it (or without its model file) items simply stay unranked and the queue falls back to
// ordering by score.
import { readDistribution } from '../scan/archive/index.js';
import { resolveLimits } from '../scan/limits.js';
import type { Distribution } from '../scan/archive/types.js';
import type { BlobStore } from '../store/blobs.js';
import type { FileRow } from '../store/metadata.js';
import type { ReviewStore } from '../store/review.js';

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

/** Scores the file and stores the result; false when no ranking is available. Never throws. */
export async function rankHeldFile(blobs: BlobStore, reviews: ReviewStore, file: FileRow): Promise<boolean> {
  try {
    const api = await loadCluster();
    if (!api || !file.stored || (await blobs.size(file.sha256)) === null) return false;
    const dist = await readDistribution(blobs.path(file.sha256), {
      filename: file.filename,
      sha256: file.sha256,
      limits: resolveLimits(),
      wantsContent: (p) => api.wantsInstallCode(p),
    });
    const s = api.scoreInstallScript(dist);
    // No install-time code with a call in it: rank 0, it is not an outlier of anything.
    reviews.putExtra(file.sha256, s?.rank ?? 0, s?.nearestMalicious?.family ?? null, s?.nearestMalicious ? 1 - s.nearestMalicious.similarity : null);
    return true;
  } catch {
    return false;
  }
}
