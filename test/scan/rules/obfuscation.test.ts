import { describe, it, expect } from 'vitest';
import { hits, maxSev } from './helpers.js';

describe('obfuscation', () => {
  it('flags code hidden after a run of whitespace (critical)', () => {
    const src = `from setuptools import setup${' '.repeat(300)};import os;os.system('id')\nsetup(name='x')\n`;
    expect(maxSev(hits('obfuscation', { 'setup.py': src }))).toBe('critical');
  });
  it('flags PyArmor runtimes', () => {
    expect(hits('obfuscation', { 'pkg/__init__.py': 'from pytransform import pyarmor_runtime\npyarmor_runtime()\n__pyarmor__(__name__, __file__, b"x")\n' }).length).toBe(1);
  });
  it('flags identifiers mixing Latin and Cyrillic (high)', () => {
    expect(maxSev(hits('obfuscation', { 'pkg/m.py': 'def rеquest(x):\n    return x\n' }))).toBe('high');
  });
  it('does not flag aligned tables, long strings or non-ASCII in strings', () => {
    const src = `TABLE = {\n    'a': 1,${' '.repeat(10)}# aligned\n}\nMSG = '${'x'.repeat(30000)}'\nHELLO = 'привет мир'\n`;
    expect(hits('obfuscation', { 'pkg/m.py': src })).toEqual([]);
  });
});

describe('obfuscation: escaped builtin names and math letters', () => {
  it('flags builtin names spelled in escapes (BlankOBF) as critical', () => {
    const src = '_____=eval("\\145\\166\\x61\\154");_______=_____("\\x63\\157\\x6d\\160\\x69\\154\\x65")\n';
    expect(maxSev(hits('obfuscation', { 'pkg/__init__.py': src }))).toBe('critical');
  });
  it('flags identifiers in mathematical alphanumeric letters as critical', () => {
    expect(maxSev(hits('obfuscation', { 'pkg/__init__.py': '𝙉𝘔𝘭 = 1\nprint(𝙉𝘔𝘭)\n' }))).toBe('critical');
  });
  it('does not flag an ordinary escaped newline or unicode text', () => {
    expect(hits('obfuscation', { 'pkg/m.py': 'A = "line\\n"\nB = "caf\\u00e9"\n' })).toEqual([]);
  });
});

describe('obfuscation: builtin names spelled in character codes', () => {
  it('flags globals()["__builtins__"].get("getattr") spelled through `_ = "".join` over chr lists (critical)', () => {
    const src = `_ = "".join\n__ = globals()[_([chr(c) for c in [95, 95, 98, 117, 105, 108, 116, 105, 110, 115, 95, 95]])].get(_([chr(c) for c in [103, 101, 116, 97, 116, 116, 114]]))\n___ = globals()[_([chr(c) for c in [95, 95, 98, 117, 105, 108, 116, 105, 110, 115, 95, 95]])].get(_([chr(c) for c in [95, 95, 105, 109, 112, 111, 114, 116, 95, 95]]))\n`;
    const f = hits('obfuscation', { 'pkg/__init__.py': 'from .inset import *\n', 'pkg/inset.py': src });
    expect(maxSev(f)).toBe('critical');
    expect(f[0].message).toMatch(/__builtins__/);
  });
  it('does not flag a table of ordinary words built from character codes', () => {
    const src = `_ = "".join\nLABELS = [_([chr(c) for c in [104, 101, 108, 108, 111]]), _([chr(c) for c in [119, 111, 114, 108, 100]])]\n`;
    expect(hits('obfuscation', { 'pkg/labels.py': src })).toEqual([]);
  });
});
