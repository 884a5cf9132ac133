// Undo the encodings malware hides its code behind (base64, hex, zlib/gzip, marshal), bounded in
// size and depth so a hostile blob cannot make the analysis slow. Pure; no I/O.
import { inflateSync, gunzipSync, inflateRawSync } from 'node:zlib';

export type Encoding = 'base64' | 'hex' | 'zlib' | 'gzip' | 'marshal' | 'reversed' | 'chr' | 'bytes' | 'escape' | 'embedded' | 'joined' | 'data-file';

export interface Decoded {
  text: string;
  layers: Encoding[];
  /** The decoded bytes start like a Windows/ELF/Mach-O executable. */
  executable?: boolean;
}

const MAX_OUT = 2 * 1024 * 1024;
const B64 = /^[A-Za-z0-9+/\-_\s]+={0,2}\s*$/;
const HEX = /^(?:[0-9a-fA-F]{2}|\\x[0-9a-fA-F]{2}|\s)+$/;

/** Bytes as a latin1 JS string (one char per byte) → Buffer. */
export const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
/** A string's bytes: Latin-1 when it holds bytes ('\x89PNG...'), UTF-8 when it is text past Latin-1 (Cyrillic comments in joined code). */
export const stringBytes = (s: string): Buffer => (/[^\x00-\xff]/.test(s) ? Buffer.from(s, 'utf8') : latin1(s));

export function isTexty(b: Buffer): boolean {
  if (b.length === 0) return false;
  const n = Math.min(b.length, 4096);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c < 9 || (c > 13 && c < 32) || c === 127) bad++;
  }
  return bad / n < 0.02;
}

export function isExecutableMagic(b: Buffer): boolean {
  if (b.length < 4) return false;
  if (b[0] === 0x4d && b[1] === 0x5a) return true; // MZ (PE)
  if (b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) return true; // \x7fELF
  const m = b.readUInt32BE(0);
  return m === 0xfeedface || m === 0xfeedfacf || m === 0xcefaedfe || m === 0xcffaedfe || m === 0xcafebabe;
}

/** marshal code object of CPython 3 (TYPE_CODE with or without FLAG_REF) or a .pyc header. */
function looksMarshal(b: Buffer): boolean {
  if (b.length < 16) return false;
  if (b[0] === 0xe3 || b[0] === 0x63) return true;
  return b[2] === 0x0d && b[3] === 0x0a && (b[16] === 0xe3 || b[16] === 0x63);
}

/** Printable runs from a marshal blob: names, constants and strings of the hidden code. */
function marshalStrings(b: Buffer): string {
  const out: string[] = [];
  let cur = '';
  for (const c of b.subarray(0, MAX_OUT)) {
    if (c >= 32 && c < 127) cur += String.fromCharCode(c);
    else {
      if (cur.length >= 4) out.push(cur);
      cur = '';
    }
  }
  if (cur.length >= 4) out.push(cur);
  return out.join('\n');
}

function decompress(b: Buffer): { buf: Buffer; layer: Encoding } | undefined {
  try {
    if (b[0] === 0x1f && b[1] === 0x8b) return { buf: gunzipSync(b, { maxOutputLength: MAX_OUT }), layer: 'gzip' };
    if (b[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(b[1])) return { buf: inflateSync(b, { maxOutputLength: MAX_OUT }), layer: 'zlib' };
  } catch {
    try {
      return { buf: inflateRawSync(b.subarray(2), { maxOutputLength: MAX_OUT }), layer: 'zlib' };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Turn decoded bytes into text when it is text (or readable marshal), following compression. */
export function bytesToText(b: Buffer, layers: Encoding[], depth: number): Decoded | undefined {
  if (b.length === 0) return undefined;
  if (isExecutableMagic(b)) return { text: '', layers, executable: true };
  const z = decompress(b);
  if (z) return bytesToText(z.buf, [...layers, z.layer], depth);
  if (looksMarshal(b)) {
    const t = marshalStrings(b);
    return t ? { text: t, layers: [...layers, 'marshal'] } : undefined;
  }
  if (!isTexty(b)) return undefined;
  const text = b.toString('utf8');
  if (depth < 4) {
    const inner = decodeLiteral(text.trim(), depth + 1);
    if (inner) return { ...inner, layers: [...layers, ...inner.layers] };
  }
  return { text, layers };
}

/** Decode a string literal that looks encoded; undefined when it does not look encoded. */
export function decodeLiteral(s: string, depth = 0): Decoded | undefined {
  if (s.length < 24 || s.length > MAX_OUT * 2) return undefined;
  const compact = s.replace(/\s+/g, '');
  // Fast path: base64/hex need long runs without spaces; ordinary prose fails the regex at once.
  if (compact.length >= 24 && HEX.test(s) && compact.length % 2 === 0) {
    const hex = compact.replace(/\\x/g, '');
    if (/^[0-9a-fA-F]+$/.test(hex) && hex.length >= 32) return bytesToText(Buffer.from(hex, 'hex'), ['hex'], depth);
  }
  if (B64.test(s) && compact.length >= 24 && !/^[a-z_]+$/i.test(compact)) {
    // A plain identifier or word list also matches the base64 alphabet; demand mixed classes.
    if (!/[0-9+/=]/.test(compact) && !/[A-Z].*[a-z]|[a-z].*[A-Z]/.test(compact)) return undefined;
    const b = Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length >= 12) return bytesToText(b, ['base64'], depth);
  }
  // Compressed or marshalled bytes literal given directly (b'x\x9c...').
  const raw = latin1(s);
  if ((raw[0] === 0x78 || raw[0] === 0x1f || raw[0] === 0xe3 || raw[0] === 0x63) && !isTexty(raw)) return bytesToText(raw, [], depth);
  return undefined;
}

/** Python source that decoded text looks like (worth parsing as code). */
export function looksLikePython(t: string): boolean {
  return /\b(import|exec|eval|def|lambda|print|open|os\.|subprocess|requests|socket)\b/.test(t) && /[()=]/.test(t);
}
