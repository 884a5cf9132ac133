// Byte ranges (RFC 9110 §14): one range per request; anything else is served whole, as the RFC allows.
export type RangeResult = { kind: 'none' } | { kind: 'ok'; start: number; end: number } | { kind: 'unsatisfiable' };

export function parseRange(header: string | undefined | null, size: number): RangeResult {
  if (!header) return { kind: 'none' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'none' }; // multi-range or malformed: ignore (§14.2)
  if (m[1] === '') {
    // suffix range: the last N bytes
    const n = Number(m[2]);
    if (!Number.isSafeInteger(n)) return { kind: 'none' };
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'ok', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  let end = m[2] === '' ? Math.max(size - 1, start) : Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return { kind: 'none' };
  // A last-pos below first-pos makes the range-spec invalid (§14.1.1): ignore it, whatever the size.
  if (end < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  end = Math.min(end, size - 1);
  return { kind: 'ok', start, end };
}
