import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { categorySequence } from '../../../src/scan/cluster/categories.js';
import { DEFAULT_EMBED, distance, dot, embed, fitIdf, fnv1a, hashedCounts } from '../../../src/scan/cluster/embed.js';

const tokens = fc.array(fc.constantFrom('os.system', 'open', '.read', 'setuptools.setup', 'requests.get', 'exec', 'base64.b64decode', '.write'), { minLength: 1, maxLength: 40 });

describe('embedding', () => {
  it('hashes stably (vectors stored in models/ must stay valid)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
  });

  it('gives unit vectors, similarity 1 to itself and symmetric distances', () => {
    const idf = new Float32Array(DEFAULT_EMBED.dims).fill(1);
    fc.assert(
      fc.property(tokens, tokens, (a, b) => {
        const va = embed(a, idf);
        const vb = embed(b, idf);
        expect(dot(va, va)).toBeCloseTo(1, 5);
        expect(distance(va, vb)).toBeCloseTo(distance(vb, va), 6);
        expect(distance(va, vb)).toBeGreaterThanOrEqual(0);
        expect(distance(va, vb)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('ignores names and order for the bag of calls but not the calls themselves', () => {
    const idf = new Float32Array(DEFAULT_EMBED.dims).fill(1);
    const a = embed(['setuptools.setup', 'os.system', 'open'], idf);
    const b = embed(['open', 'setuptools.setup', 'os.system'], idf);
    const c = embed(['setuptools.setup', 'subprocess.Popen', 'open'], idf);
    expect(dot(a, b)).toBeCloseTo(1, 5);
    expect(dot(a, c)).toBeLessThan(0.9);
    // ... yet os.system and subprocess.Popen share their category (proc), so c is not unrelated.
    expect(dot(a, c)).toBeGreaterThan(dot(a, embed(['setuptools.setup', 'json.loads', 'open'], idf)));
  });

  it('weights calls rare among references higher (IDF)', () => {
    const docs = [['setuptools.setup'], ['setuptools.setup', 'open'], ['setuptools.setup', 'os.system']].map((d) => hashedCounts(d));
    const idf = fitIdf(docs, DEFAULT_EMBED.dims);
    const v = embed(['setuptools.setup', 'os.system'], idf);
    const setupIdx = [...hashedCounts(['setuptools.setup']).keys()][0];
    const sysIdx = [...hashedCounts(['os.system']).keys()].find((k) => k !== setupIdx)!;
    const w = (i: number) => v.val[Array.from(v.idx).indexOf(i)];
    expect(w(sysIdx)).toBeGreaterThan(w(setupIdx));
  });

  it('maps calls to behaviour categories, runs collapsed', () => {
    expect(categorySequence(['requests.get', 'urllib.request.urlopen', 'open', '.write', 'subprocess.Popen', 'setuptools.setup'])).toEqual(['net', 'write', 'proc', 'setup']);
  });
});
