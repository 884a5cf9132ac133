// HDBSCAN (Campello, Moulavi, Sander 2013; the steps of McInnes et al.'s `hdbscan` library) and
// its GLOSH outlier score, over a precomputed distance matrix. No library exists for Node here;
// the plain O(n²) form (core distances, Prim's MST on mutual reachability, single-linkage tree,
// condensed tree, excess-of-mass selection) takes well under a second or two for the few thousand
// install scripts a batch holds.

export interface HdbscanOptions {
  /** Smallest group that counts as a cluster (MPHunter: 2). */
  minClusterSize: number;
  /** Neighbours that define a point's core distance, itself included (MPHunter: 20). */
  minSamples: number;
  /** Distances below this count as this (see MIN_DISTANCE). */
  minDistance?: number;
}

export interface HdbscanResult {
  /** Cluster id per point, -1 for noise. */
  labels: Int32Array;
  /** GLOSH outlier score per point in [0, 1]: 0 deep inside a cluster, → 1 far outside any. */
  outlier: Float32Array;
  /** Core distance per point. */
  core: Float32Array;
  /** Condensed-tree cluster each point fell out of (for scoring new points against the tree). */
  parent: Int32Array;
  /** Highest λ (1/distance) reached inside each condensed cluster and its descendants. */
  maxLambda: Float64Array;
  /** Selected (flat) cluster each condensed cluster belongs to, -1 when none. */
  flatOf: Int32Array;
}

/**
 * Distances below this are treated as this: exact duplicates (campaigns upload one setup.py many
 * times) would otherwise give λ = ∞ and flatten every other GLOSH score to 1.
 */
export const MIN_DISTANCE = 0.1;

/** The k-th smallest value of `row` (k ≥ 1), by partial sort on a copy. */
function kth(row: Float32Array, k: number): number {
  const a = Float32Array.from(row).sort();
  return a[Math.min(k, a.length) - 1];
}

export function coreDistances(dist: Float32Array, n: number, minSamples: number, floor = MIN_DISTANCE): Float32Array {
  const core = new Float32Array(n);
  for (let i = 0; i < n; i++) core[i] = Math.max(floor, kth(dist.subarray(i * n, i * n + n), minSamples));
  return core;
}

interface Edge {
  a: number;
  b: number;
  w: number;
}

/** Prim's algorithm over the dense mutual-reachability graph: O(n²) time, O(n) extra memory. */
function mst(dist: Float32Array, n: number, core: Float32Array, floor: number): Edge[] {
  const inTree = new Uint8Array(n);
  const best = new Float64Array(n).fill(Infinity);
  const from = new Int32Array(n).fill(-1);
  const edges: Edge[] = [];
  let cur = 0;
  inTree[0] = 1;
  for (let step = 1; step < n; step++) {
    let next = -1;
    let nextW = Infinity;
    const row = cur * n;
    for (let j = 0; j < n; j++) {
      if (inTree[j]) continue;
      const mr = Math.max(dist[row + j], core[cur], core[j], floor);
      if (mr < best[j]) {
        best[j] = mr;
        from[j] = cur;
      }
      if (best[j] < nextW) {
        nextW = best[j];
        next = j;
      }
    }
    inTree[next] = 1;
    edges.push({ a: from[next], b: next, w: nextW });
    cur = next;
  }
  return edges;
}

export function hdbscan(dist: Float32Array, n: number, opts: HdbscanOptions): HdbscanResult {
  const { minClusterSize: mcs } = opts;
  const minSamples = Math.max(1, Math.min(opts.minSamples, n));
  const floor = opts.minDistance ?? MIN_DISTANCE;
  const core = coreDistances(dist, n, minSamples, floor);
  const labels = new Int32Array(n).fill(-1);
  const outlier = new Float32Array(n).fill(1);
  const parent = new Int32Array(n).fill(-1);
  if (n < 2) return { labels, outlier, core, parent, maxLambda: new Float64Array(1), flatOf: new Int32Array(1).fill(-1) };

  // Single-linkage tree: nodes 0..n-1 are points, n.. are merges.
  const edges = mst(dist, n, core, floor).sort((x, y) => x.w - y.w);
  const uf = new Int32Array(2 * n - 1).map((_, i) => i);
  const find = (x: number): number => {
    while (uf[x] !== x) {
      uf[x] = uf[uf[x]];
      x = uf[x];
    }
    return x;
  };
  const left = new Int32Array(n - 1);
  const right = new Int32Array(n - 1);
  const height = new Float64Array(n - 1);
  const size = new Int32Array(2 * n - 1).fill(1);
  edges.forEach((e, i) => {
    const ra = find(e.a);
    const rb = find(e.b);
    const node = n + i;
    left[i] = ra;
    right[i] = rb;
    height[i] = e.w;
    size[node] = size[ra] + size[rb];
    uf[ra] = node;
    uf[rb] = node;
  });

  // Condensed tree: clusters are numbered from 0 (root); each point records the cluster it fell
  // out of and the λ at which it did.
  const clusterParent: number[] = [-1];
  const birth: number[] = [0];
  const stability: number[] = [0];
  const children: number[][] = [[]];
  const pointLambda = new Float64Array(n);
  const leaves = (node: number, out: number[]): void => {
    const stack = [node];
    while (stack.length) {
      const x = stack.pop()!;
      if (x < n) out.push(x);
      else stack.push(left[x - n], right[x - n]);
    }
  };
  const stack: Array<[number, number]> = [[2 * n - 2, 0]];
  while (stack.length) {
    const [node, cluster] = stack.pop()!;
    if (node < n) {
      // A lone point reached directly (only when the root is a point pair).
      parent[node] = cluster;
      pointLambda[node] = birth[cluster];
      continue;
    }
    const i = node - n;
    const lambda = 1 / Math.max(height[i], floor);
    const l = left[i];
    const r = right[i];
    const big = (x: number) => size[x] >= mcs;
    const fallOut = (x: number): void => {
      const pts: number[] = [];
      leaves(x, pts);
      for (const p of pts) {
        parent[p] = cluster;
        pointLambda[p] = lambda;
        stability[cluster] += (lambda - birth[cluster]) * 1;
      }
    };
    if (big(l) && big(r)) {
      for (const c of [l, r]) {
        const id = clusterParent.length;
        clusterParent.push(cluster);
        birth.push(lambda);
        stability.push(0);
        children.push([]);
        children[cluster].push(id);
        stability[cluster] += (lambda - birth[cluster]) * size[c];
        stack.push([c, id]);
      }
    } else if (big(l)) {
      fallOut(r);
      stack.push([l, cluster]);
    } else if (big(r)) {
      fallOut(l);
      stack.push([r, cluster]);
    } else {
      fallOut(l);
      fallOut(r);
    }
  }

  const nc = clusterParent.length;
  // Highest λ inside each cluster subtree (GLOSH's reference density).
  const maxLambda = new Float64Array(nc);
  for (let p = 0; p < n; p++) if (parent[p] >= 0) maxLambda[parent[p]] = Math.max(maxLambda[parent[p]], pointLambda[p]);
  for (let c = nc - 1; c > 0; c--) maxLambda[clusterParent[c]] = Math.max(maxLambda[clusterParent[c]], maxLambda[c]);

  // Excess of mass: keep a cluster when it is more stable than its selected descendants together.
  // Children always carry higher ids than their parent, so a reverse sweep sees them first.
  const selected = new Uint8Array(nc);
  const subtreeStability = Float64Array.from(stability);
  for (let c = nc - 1; c > 0; c--) {
    const kids = children[c];
    const kidSum = kids.reduce((s, k) => s + subtreeStability[k], 0);
    if (kids.length === 0 || stability[c] >= kidSum) {
      selected[c] = 1;
      const st = [...kids];
      while (st.length) {
        const k = st.pop()!;
        selected[k] = 0;
        st.push(...children[k]);
      }
    } else {
      subtreeStability[c] = kidSum;
    }
  }
  // The root is a cluster only when nothing below it is (one dense blob): allow_single_cluster off.
  const flatOf = new Int32Array(nc).fill(-1);
  let flat = 0;
  const flatId = new Int32Array(nc).fill(-1);
  for (let c = 1; c < nc; c++) if (selected[c]) flatId[c] = flat++;
  for (let c = 1; c < nc; c++) {
    let x = c;
    while (x > 0 && !selected[x]) x = clusterParent[x];
    flatOf[c] = x > 0 ? flatId[x] : -1;
  }
  for (let p = 0; p < n; p++) {
    const c = parent[p];
    labels[p] = c > 0 ? flatOf[c] : -1;
    const ml = maxLambda[c];
    outlier[p] = ml > 0 ? Math.min(1, Math.max(0, (ml - pointLambda[p]) / ml)) : 1;
  }
  return { labels, outlier, core, parent, maxLambda, flatOf };
}
