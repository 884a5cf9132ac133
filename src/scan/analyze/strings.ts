// Python string-literal decoding (PEP 3101 / Python reference §2.4.1 "String and Bytes literals").
// Bytes literals decode to a latin1 JS string (one char per byte), so later decoders see bytes.

const SIMPLE: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
};

/** Value of one literal token such as `rb'..'`, `"""..."""`, `f"..."` (interpolations kept as text). */
export function literalValue(token: string): { value: string; bytes: boolean } {
  let i = 0;
  while (i < token.length && token[i] !== '"' && token[i] !== "'") i++;
  const prefix = token.slice(0, i).toLowerCase();
  if (i >= token.length) return { value: token, bytes: false };
  const q = token[i];
  const triple = token.startsWith(q.repeat(3), i);
  const ql = triple ? 3 : 1;
  let body = token.slice(i + ql, token.length - ql >= i + ql ? token.length - ql : token.length);
  const raw = prefix.includes('r');
  const bytes = prefix.includes('b');
  if (!raw && body.includes('\\')) body = unescape(body, bytes);
  return { value: body, bytes };
}

export function unescape(s: string, bytes: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[i + 1];
    if (n in SIMPLE) {
      out += SIMPLE[n];
      i++;
    } else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
      out += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (!bytes && n === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
      i += 5;
    } else if (!bytes && n === 'U' && /^[0-9a-fA-F]{8}$/.test(s.slice(i + 2, i + 10))) {
      const cp = parseInt(s.slice(i + 2, i + 10), 16);
      out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
      i += 9;
    } else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(s.slice(i + 1))![0];
      out += String.fromCharCode(parseInt(m, 8) & (bytes ? 0xff : 0xffff));
      i += m.length;
    } else {
      out += c;
    }
  }
  return out;
}

/** Counts per UTF-16 code unit for `entropy`, all zero between calls. */
const unitCounts = new Uint32Array(65536);

/**
 * Shannon entropy in bits per character (code point). Without surrogate pairs each character is
 * one code unit, counted in a typed array rather than a Map (the facts take it of every string of
 * a distribution); the terms are summed in order of first occurrence either way, so both paths
 * give the same value to the last bit.
 */
export function entropy(s: string): number {
  if (!s.length) return 0;
  if (!/[\uD800-\uDFFF]/.test(s)) {
    for (let k = 0; k < s.length; k++) unitCounts[s.charCodeAt(k)]++;
    let h = 0;
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      const f = unitCounts[c];
      if (f === 0) continue; // counted at its first occurrence
      unitCounts[c] = 0;
      const p = f / s.length;
      h -= p * Math.log2(p);
    }
    return h;
  }
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}
