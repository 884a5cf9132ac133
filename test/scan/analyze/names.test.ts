import { describe, it, expect } from 'vitest';
import { editDistance, normalizeName, deHomoglyph } from '../../../src/scan/analyze/names.js';

describe('names', () => {
  it('normalizes per PEP 503', () => expect(normalizeName('Foo__Bar.baz')).toBe('foo-bar-baz'));
  it('counts a transposition as one edit and caps the distance', () => {
    expect(editDistance('reqeusts', 'requests')).toBe(1);
    expect(editDistance('abcdef', 'uvwxyz', 2)).toBe(3);
  });
  it('maps Cyrillic look-alikes to Latin', () => expect(deHomoglyph('rеquеsts')).toBe('requests'));
});
