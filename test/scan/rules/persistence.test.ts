import { describe, it, expect } from 'vitest';
import { hits, maxSev } from './helpers.js';

describe('persistence', () => {
  it('flags a Run key written at install (high)', () => {
    const src = `import winreg\nk = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r'Software\\Microsoft\\Windows\\CurrentVersion\\Run', 0, winreg.KEY_SET_VALUE)\nwinreg.SetValueEx(k, 'upd', 0, winreg.REG_SZ, 'C:\\\\x.exe')\n`;
    expect(maxSev(hits('persistence', { 'setup.py': src }))).toBe('high');
  });
  it('flags a copy into the Startup folder from a module (medium)', () => {
    const src = `import os, shutil\ndef stay():\n    shutil.copy('x.exe', os.path.join(os.getenv('APPDATA'), r'Microsoft\\Windows\\Start Menu\\Programs\\Startup'))\n`;
    expect(maxSev(hits('persistence', { 'pkg/p.py': src }))).toBe('medium');
  });
  it('keeps a shell helper that mentions ~/.bashrc low', () => {
    const src = `import os\nRC = os.path.expanduser('~/.bashrc')\ndef show():\n    print('add completion to', RC)\n`;
    expect(['none', 'low']).toContain(maxSev(hits('persistence', { 'pkg/completion.py': src })));
  });
});

describe('persistence: browser shortcuts rewritten to load an extension', () => {
  it('holds setup.py dropping an extension and pointing the browsers\' shortcuts at it (high)', () => {
    const src = `import os\nfrom setuptools import setup\napp = os.getenv("APPDATA")\nos.makedirs(app + "\\\\Extension", exist_ok=True)\nwith open(app + "\\\\Extension\\\\background.js", "w+") as f:\n    f.write("chrome.runtime.onInstalled.addListener(() => {});")\nfor lnk in []:\n    lnk.Arguments = "--load-extension={}\\\\Extension".format(app)\n    lnk.Save()\nsetup(name="pkg")\n`;
    expect(maxSev(hits('persistence', { 'setup.py': src }))).toBe('high');
  });
});
