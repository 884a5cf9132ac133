// Endpoint patterns run over every string literal a distribution holds, including base64 blobs of
// megabytes: they must find hosts inside longer text and stay linear on long runs of word
// characters (a `\b[\w-]+\.` pattern took seconds on one malicious sdist of the dev corpus).
import { describe, expect, test } from 'vitest';
import { endpointIn } from '../../../src/scan/analyze/capabilities.js';

describe('endpointIn', () => {
  test.each([
    ['http://w0xm0b7q0nuax7c67g51kmqwxn3mrdf2.oastify.com/x', 'OAST / DNS-log domain'],
    ['{}.{}.w0xm0b7q.oastify.com', 'OAST / DNS-log domain'],
    ['https://abc-12.ngrok-free.app/upload', 'tunnel'],
    ['see 6543.mockapi.io/api/v1/users', 'mock/collector API'],
    ['https://my-stealer.herokuapp.com/log', 'throw-away host'],
  ])('finds the host in %s', (s, kind) => {
    expect(endpointIn(s)?.kind).toBe(kind);
  });

  test.each(['https://pypi.org/simple/', 'docs at readthedocs.io', 'ngrok is a tunnel service'])('finds none in %s', (s) => {
    expect(endpointIn(s)).toBeUndefined();
  });

  test('returns on a 192 KiB run of base64url text (letters, - and _) with dots at the end, well within a second', () => {
    // Every '-' is a word boundary: `\b[\w-]+\.` restarted there and scanned to the end of the run.
    const blob = 'QUJDRE-Vx_'.repeat(20 * 1024) + '.x.y';
    const started = performance.now();
    expect(endpointIn(blob)).toBeUndefined();
    // A hang guard, not a benchmark: the quadratic patterns needed minutes on this input.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
