// Project-name comparisons for typosquatting (PEP 503 normalization first).

export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/[-_.]+/g, '-');
}

/** Latin look-alikes of Cyrillic/Greek letters and digits often swapped into squatted names. */
const HOMOGLYPHS: Record<string, string> = {
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ɡ: 'g', ո: 'n', ı: 'i',
  α: 'a', ο: 'o', ρ: 'p', ν: 'v', τ: 't', κ: 'k', ι: 'i', υ: 'u', χ: 'x',
};

export function deHomoglyph(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFKC')) out += HOMOGLYPHS[ch] ?? ch;
  return out;
}

// Three reused rows: the distance runs against thousands of popular names per scan, and fresh
// arrays per row made it a fifth of a small file's scan time.
let rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/** Damerau-Levenshtein (optimal string alignment) distance, capped: returns max+1 when above. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const m = a.length;
  const n = b.length;
  if (rows[0].length <= n) rows = [new Int32Array(n + 1), new Int32Array(n + 1), new Int32Array(n + 1)];
  let [prev2, prev, cur] = rows;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const bj = b.charCodeAt(j - 1);
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}

export interface Squat {
  target: string;
  how: string;
}

/**
 * The popular project `name` imitates, if any. A popular project's own name is never a squat.
 * Checks: homoglyphs, separators removed/added, `python-`/`py-` prefixes and `-python`/`3`
 * suffixes, a swapped or repeated letter, and edit distance 1 (2 for long names).
 */
export function findSquat(rawName: string, top: ReadonlySet<string>, list: readonly string[]): Squat | undefined {
  const name = normalizeName(rawName);
  if (!name || top.has(name)) return undefined;
  const plain = normalizeName(deHomoglyph(rawName));
  if (plain !== name && top.has(plain)) return { target: plain, how: 'homoglyph letters' };
  const joinedTarget = joinedIndex(list).get(name.replace(/-/g, ''));
  if (joinedTarget !== undefined) return { target: joinedTarget, how: 'separators changed' };
  for (const affix of [/^python-?/, /^py-?/, /-?python3?$/, /-?py$/, /3$/, /-?lib$/]) {
    const base = name.replace(affix, '');
    if (base !== name && base.length >= 4 && top.has(base)) return { target: base, how: 'prefix/suffix added' };
  }
  // Single-edit typos only against names long enough that one edit is unlikely to be a real project.
  for (const t of list) {
    if (t.length < 5 || Math.abs(t.length - name.length) > 2) continue;
    const max = t.length >= 10 ? 2 : 1;
    const d = editDistance(name, t, max);
    if (d <= max) {
      const how = isSwap(name, t) ? 'swapped letters' : isRepeat(name, t) ? 'repeated letter' : `edit distance ${d}`;
      return { target: t, how };
    }
  }
  return undefined;
}

const JOINED = new WeakMap<readonly string[], Map<string, string>>();
/** Popular names (4+ characters) by their form without separators; the first in list order wins. */
function joinedIndex(list: readonly string[]): Map<string, string> {
  let index = JOINED.get(list);
  if (!index) {
    index = new Map();
    for (const t of list) {
      const k = t.replace(/-/g, '');
      if (t.length >= 4 && !index.has(k)) index.set(k, t);
    }
    JOINED.set(list, index);
  }
  return index;
}

function isSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff.push(i);
  return diff.length === 2 && diff[1] === diff[0] + 1 && a[diff[0]] === b[diff[1]] && a[diff[1]] === b[diff[0]];
}

function isRepeat(a: string, b: string): boolean {
  const [long, short] = a.length > b.length ? [a, b] : [b, a];
  if (long.length !== short.length + 1) return false;
  for (let i = 0; i < long.length; i++) if (long.slice(0, i) + long.slice(i + 1) === short) return i > 0 && long[i] === long[i - 1];
  return false;
}
