// Hash names and values as the simple API writes them: `sha256=<hex>` in HTML fragments and
// metadata attributes, `{"sha256": "<hex>"}` in JSON.

// hashlib.algorithms_guaranteed minus the variable-length shake_*: the names pip can verify.
// Anything else in a fragment ("#egg=foo", "#md5-1") is not a hash.
const HASH_NAMES = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha3_224', 'sha3_256', 'sha3_384', 'sha3_512', 'blake2b', 'blake2s']);
const HEX = /^[0-9a-f]+$/i;
const LOWER_HEX = /^[0-9a-f]+$/;

export function validHash(name: string, value: string): boolean {
  return HASH_NAMES.has(name.toLowerCase()) && HEX.test(value);
}

/** "sha256=abc" → {sha256: "abc"} (lowercased); undefined if the text is not one hash. */
export function parseHashPair(text: string): Record<string, string> | undefined {
  // Fast path: what every real page writes. A literal key keeps the object in V8's fast mode.
  if (text.startsWith('sha256=')) {
    const value = text.slice(7);
    if (LOWER_HEX.test(value)) return { sha256: value };
  }
  const eq = text.indexOf('=');
  if (eq <= 0) return undefined;
  const name = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  if (!validHash(name, value)) return undefined;
  const out: Record<string, string> = {};
  out[name.toLowerCase()] = value.toLowerCase();
  return out;
}

// HTML carries one hash per link: the strongest we have that pip knows. sha256 is what PEP 503
// recommends and what pip, uv and PyPI use.
const PREFERENCE = ['sha256', 'sha512', 'sha384', 'sha3_256', 'blake2b', 'sha224', 'sha1', 'md5'];

/** The single hash to write into an HTML fragment, or undefined when there is none. */
export function primaryHash(hashes: Record<string, string>): [string, string] | undefined {
  for (const name of PREFERENCE) if (hashes[name]) return [name, hashes[name]];
  const first = Object.entries(hashes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))[0];
  return first;
}
