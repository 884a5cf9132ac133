import { describe, it, expect } from 'vitest';
import { entropy } from '../../../src/scan/analyze/strings.js';
import { entropy as featureEntropy } from '../../../src/scan/features/code.js';

/** The definition both functions implement, with a Map, terms in order of first occurrence. */
function reference(chars: string[], length: number): number {
  const counts = new Map<string, number>();
  for (const ch of chars) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) h -= (c / length) * Math.log2(c / length);
  return h;
}

// Literals of the kinds the analysis meets: prose, base64, bytes, CJK, emoji (surrogate pairs).
const SAMPLES = [
  '',
  'aabb',
  'The quick brown fox jumps over the lazy dog',
  Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 131) % 256)).toString('base64'),
  Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 7) % 256)).toString('latin1'),
  '中文变量名和注释'.repeat(20),
  'emoji 😀 and 🐍 in a string 😀',
  'a'.repeat(4096) + 'b'.repeat(4096),
];

describe('entropy (typed-array counts)', () => {
  it('gives, to the last bit, what the Map definition gives, call after call', () => {
    for (let round = 0; round < 2; round++) {
      for (const s of SAMPLES) {
        // Per code point over the whole string (the facts); per code unit over the first 4 KiB (the features).
        expect(entropy(s)).toBe(s ? reference([...s], s.length) : 0);
        const head = s.slice(0, 4096);
        expect(featureEntropy(s)).toBe(reference(head.split(''), head.length));
      }
    }
    expect(entropy('aabb')).toBe(1);
    expect(featureEntropy('a'.repeat(4096) + 'b'.repeat(4096))).toBe(0);
  });
});
