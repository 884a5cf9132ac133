import { describe, it, expect } from 'vitest';
import { analyze } from '../../../src/scan/analyze/index.js';
import { distOf, hits, maxSev } from './helpers.js';

const PE = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(200, 1)]);
const ELF = Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01', 'latin1'), Buffer.alloc(200, 2)]);

describe('executable-payload', () => {
  it('flags a Windows program in an sdist (high)', () => {
    expect(maxSev(hits('executable-payload', { 'pkg/update.exe': PE }))).toBe('high');
  });
  it('flags a program base64-encoded in a string literal (high)', () => {
    const src = `DATA = '${PE.toString('base64')}'\n`;
    expect(maxSev(hits('executable-payload', { 'setup.py': src }))).toBe('high');
  });
  it('accepts extension modules in a platform wheel', () => {
    const d = distOf({ 'pkg/_speed.cpython-311-x86_64-linux-gnu.so': ELF, 'pkg-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\nTag: cp311-cp311-linux_x86_64\n' }, 'wheel', 'pkg-1.0-cp311-cp311-linux_x86_64.whl');
    expect(analyze(d).findings.filter((f) => f.rule === 'executable-payload' && f.severity !== 'info')).toEqual([]);
  });
  it('accepts programs in a platform wheel (ruff, cmake and ninja ship theirs as ELF files)', () => {
    const d = distOf({ 'ruff-0.6.0.data/scripts/ruff': ELF, 'cmake/data/bin/cmake': ELF, 'ruff-0.6.0.dist-info/WHEEL': 'Wheel-Version: 1.0\nTag: py3-none-manylinux_2_17_x86_64\n' }, 'wheel', 'ruff-0.6.0-py3-none-manylinux_2_17_x86_64.whl');
    expect(analyze(d).findings.filter((f) => f.rule === 'executable-payload' && f.severity !== 'info')).toEqual([]);
  });
  it('takes the platform from the file name (playwright tags its manylinux wheels py3-none-any inside)', () => {
    const d = distOf({ 'playwright/driver/node': ELF, 'playwright-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\nTag: py3-none-any\n' }, 'wheel', 'playwright-1.0-py3-none-manylinux1_x86_64.whl');
    expect(analyze(d).findings.filter((f) => f.rule === 'executable-payload' && f.severity !== 'info')).toEqual([]);
  });
  it('keeps a Windows DLL in a pure wheel low (pyopengl ships freeglut)', () => {
    const d = distOf({ 'OpenGL/DLLS/freeglut64.dll': PE, 'pkg-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\nTag: py3-none-any\n' }, 'wheel', 'pkg-1.0-py3-none-any.whl');
    expect(maxSev(analyze(d).findings.filter((f) => f.rule === 'executable-payload'))).toBe('low');
  });
  it('still flags a program in a pure wheel (medium)', () => {
    const d = distOf({ 'pkg/helper': ELF, 'pkg-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\nTag: py3-none-any\n' }, 'wheel', 'pkg-1.0-py3-none-any.whl');
    expect(maxSev(analyze(d).findings.filter((f) => f.rule === 'executable-payload'))).toBe('medium');
  });
  it('accepts setuptools launcher stubs', () => {
    expect(hits('executable-payload', { 'setuptools/cli-64.exe': PE })).toEqual([]);
  });
  it('keeps one tool built for several platforms in a pure wheel low (selenium-manager, pulp\'s CBC)', () => {
    const MACHO = Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]), Buffer.alloc(200, 3)]);
    const wheel = (files: Record<string, Buffer>) =>
      analyze(distOf({ ...files, 'pkg-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\nTag: py3-none-any\n' }, 'wheel', 'pkg-1.0-py3-none-any.whl')).findings.filter((f) => f.rule === 'executable-payload');
    const bundle = wheel({ 'pkg/common/linux-x86_64/tool': ELF, 'pkg/common/macos/tool': MACHO, 'pkg/common/windows/tool.exe': PE });
    expect(bundle).toHaveLength(3);
    expect(maxSev(bundle)).toBe('low');
    // One program with a decoy beside it, or builds outside their platforms' folders, stay graded as before.
    expect(maxSev(wheel({ 'pkg/update.exe': PE, 'pkg/linux/tool': ELF }))).toBe('high');
    expect(maxSev(wheel({ 'pkg/windows/update.exe': PE }))).toBe('high');
  });
});
