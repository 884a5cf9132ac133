// A light Python lexer for feature extraction: splits source into code (string bodies blanked,
// comments dropped) and string bodies. Not a parser: features count tokens, and what matters is
// that words inside comments and docstrings do not count as calls (PyPI's regex checks matched
// comments, see ../shared/design/DETECTION.md). Linear time, no backtracking; code between strings
// and comments is skipped with native searches, not stepped through.

export interface Lexed {
  /** Source with comments removed and every string literal replaced by `""`. */
  code: string;
  /** Raw bodies of string literals (escapes left as written). */
  strings: string[];
  lines: number;
  longestLine: number;
  /** Comment tokens and triple-quoted strings (docstrings, mostly): signs of code written for people. */
  comments: number;
  tripleStrings: number;
}

const MAX_STRINGS = 20_000;

export function lexPython(src: string): Lexed {
  const code: string[] = [];
  const strings: string[] = [];
  let start = 0; // start of the pending code chunk
  let comments = 0;
  let tripleStrings = 0;
  let i = 0;
  const n = src.length;
  // Jump from one '#', '"' or "'" to the next (a native search) instead of stepping every character.
  const special = /["'#]/g;
  while (i < n) {
    special.lastIndex = i;
    const hit = special.exec(src);
    if (!hit) break;
    i = hit.index;
    const c = src.charCodeAt(i);
    if (c === 35 /* # */) {
      code.push(src.slice(start, i));
      comments++;
      const nl = src.indexOf('\n', i);
      i = nl === -1 ? n : nl;
      start = i;
      continue;
    }
    if (c === 34 /* " */ || c === 39 /* ' */) {
      code.push(src.slice(start, i));
      const q = src[i];
      const triple = src.startsWith(q + q + q, i);
      const ql = triple ? 3 : 1;
      if (triple) tripleStrings++;
      let j = i + ql;
      const bodyStart = j;
      let bodyEnd = -1;
      while (j < n) {
        const d = src.charCodeAt(j);
        if (d === 92 /* \ */) {
          j += 2;
          continue;
        }
        if (!triple && d === 10) {
          bodyEnd = j; // unterminated single-line string: stop at the newline
          break;
        }
        if (src[j] === q && (!triple || src.startsWith(q + q + q, j))) {
          bodyEnd = j;
          j += ql;
          break;
        }
        j++;
      }
      if (bodyEnd < 0) bodyEnd = Math.min(j, n);
      if (strings.length < MAX_STRINGS) strings.push(src.slice(bodyStart, bodyEnd));
      code.push('""');
      i = Math.min(j, n);
      start = i;
      continue;
    }
  }
  code.push(src.slice(start));
  let lines = 0;
  let longest = 0;
  for (let ls = 0; ls <= n; ) {
    const end = src.indexOf('\n', ls);
    const k = end === -1 ? n : end;
    lines++;
    if (k - ls > longest) longest = k - ls;
    ls = k + 1;
  }
  return { code: code.join(''), strings, lines, longestLine: longest, comments, tripleStrings };
}
