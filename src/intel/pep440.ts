// PEP 440 version ordering, enough to evaluate OSV `ECOSYSTEM` ranges for PyPI (introduced /
// fixed / last_affected). Parses the normalized and the lenient spellings the PEP accepts
// (`1.0-RC1`, `v2`, `1.0.post`, `1.0-1`); anything else is "not a version" (null) and callers
// decide what that means. Pure.

export interface Pep440 {
  epoch: number;
  release: number[];
  /** [rank, n]: a (0), b (1), rc (2); absent: none. */
  pre: [number, number] | null;
  post: number | null;
  dev: number | null;
  local: (number | string)[];
}

// PEP 440 appendix B's VERSION_PATTERN, anchored, case-insensitive.
const RE =
  /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

const PRE_RANK: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 };

export function parseVersion(s: string): Pep440 | null {
  if (s.length > 200) return null;
  const m = RE.exec(s);
  if (!m) return null;
  const num = (x: string | undefined) => (x === undefined ? 0 : Number(x));
  return {
    epoch: num(m[1]),
    release: m[2].split('.').map(Number),
    pre: m[3] ? [PRE_RANK[m[3].toLowerCase()], num(m[4])] : null,
    post: m[5] !== undefined ? Number(m[5]) : m[6] ? num(m[7]) : null,
    dev: m[8] ? num(m[9]) : null,
    local: m[10] ? m[10].toLowerCase().split(/[-_.]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [],
  };
}

/** Negative, zero or positive as a sorts before, equal to, or after b (PEP 440 "Summary of permitted suffixes and relative ordering"). */
export function compareVersions(a: Pep440, b: Pep440): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  const n = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < n; i++) {
    const d = (a.release[i] ?? 0) - (b.release[i] ?? 0); // 1.0 == 1.0.0
    if (d) return d;
  }
  const ka = suffixKey(a);
  const kb = suffixKey(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
  return compareLocal(a.local, b.local);
}

// 1.0.dev0 < 1.0a1.dev0 < 1.0a1 < 1.0 < 1.0.post0.dev0 < 1.0.post0
function suffixKey(v: Pep440): number[] {
  // A bare dev release sorts before every pre-release of the same release.
  const pre = v.pre ? [v.pre[0], v.pre[1]] : v.dev !== null && v.post === null ? [-1, 0] : [3, 0];
  const post = v.post === null ? -1 : v.post;
  const dev = v.dev === null ? Infinity : v.dev;
  return [pre[0], pre[1], post, dev];
}

function compareLocal(a: (number | string)[], b: (number | string)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    // Numeric segments sort after alphanumeric ones.
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return 1;
    if (typeof y === 'number') return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}
