// Crypto-wallet theft and clipboard address swapping: wallet files and browser-wallet extension
// stores read, or the clipboard replaced by an attacker address. GuardDog does not list these.
import type { Rule } from '../analyze/context.js';
import { finding, lineOf } from '../analyze/context.js';
import { WALLETS, CRYPTO_ADDRESS, ADDRESS_REGEX_SOURCE, fileCaps } from '../analyze/capabilities.js';
import type { Finding } from '../types.js';

export const cryptoWallet: Rule = {
  id: 'crypto-wallet',
  why: 'Wallet files and browser-wallet extensions are the most-targeted secrets in PyPI stealers, and clipboard swappers replace copied addresses; libraries do neither.',
  severities: 'high: clipboard write + address pattern or literal address, or wallet paths read with network; medium: wallet paths read; low: mention',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      if (f.location === 'test' && !f.decodedFrom) continue;
      const caps = fileCaps(f);
      const wallet = f.view.strings.find((s) => WALLETS.test(s.value) && s.value.length < 400);
      const addr = f.view.strings.find((s) => (CRYPTO_ADDRESS.test(s.value) && s.value.length < 120) || ADDRESS_REGEX_SOURCE.test(s.value));
      const clipWrite = f.view.calls.find((c) => /(^|\.)(copy|SetClipboardData|SetClipboardText|clipboard_append|setText)$/.test(c.name) && /clip/i.test(c.name));
      if (caps.has('clipboard') && addr && (clipWrite || f.view.calls.some((c) => /paste|GetClipboard/i.test(c.name)))) {
        out.push(finding('crypto-wallet', 'high', f, f.decodedFrom?.line ?? addr.line, lineOf(f, addr.line), 'Reads and rewrites the clipboard next to a crypto-address pattern (address swapper).'));
        continue;
      }
      if (!wallet) continue;
      let sev: Finding['severity'] = 'low';
      if (caps.has('fileRead') && caps.has('network')) sev = 'high';
      else if (caps.has('fileRead')) sev = 'medium';
      out.push(finding('crypto-wallet', sev, f, f.decodedFrom?.line ?? wallet.line, lineOf(f, wallet.line), `Crypto-wallet store referenced${caps.has('fileRead') ? ' and files read' : ''}${caps.has('network') ? ' with network use' : ''}.`));
    }
    return out;
  },
};
