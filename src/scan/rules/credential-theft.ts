// Credential and secret theft: browser password/cookie stores, Discord token stores, SSH keys,
// cloud and package-index credentials, Windows DPAPI, environment dumps sent out. Browser and
// token stores are never read by a library; ~/.pypirc or ~/.netrc are (twine, requests), so
// those weigh less.
import type { Rule } from '../analyze/context.js';
import { finding, isEager, lineOf, runsUnasked } from '../analyze/context.js';
import { credentialIn, fileCaps, isNetwork, endpointIn } from '../analyze/capabilities.js';
import type { Finding } from '../types.js';

/** Keystroke hooks: pynput's listener, the keyboard module's hooks, Windows' key-state polling and hook API. */
const KEY_HOOK = /^(?:pynput\.keyboard\.Listener|keyboard\.(?:on_press|on_release|hook|read_key|record))$|(?:^|\.)(?:GetAsyncKeyState|SetWindowsHookExA?W?)$/;
/** The cloud providers' own APIs, where their SDKs' credentials legitimately go. */
const CLOUD_API = /^https?:\/\/[^/]*(?:amazonaws\.com|\.aws|googleapis\.com|azure\.(?:com|net)|microsoftonline\.com)(?:[:/]|$)/i;
const WEAK = new Set(['SSH key', 'cloud credentials', 'package-index / git credentials']);

export const credentialTheft: Rule = {
  id: 'credential-theft',
  why: 'Info-stealers read browser, Discord, messenger, SSH and cloud secret stores and send them out; only the pairing of a secret store with reading and sending is graded up.',
  severities: 'critical: a cloud SDK\'s credentials sent to an exfil endpoint or where code runs unasked, several kinds of secret stores read and sent where code runs on install/import, or a secret store with an exfil endpoint; high: a keylogger (a keystroke hook in a file that sends data; critical where it runs unasked), a cloud SDK\'s credentials sent to an outside URL by the function that read them, a strong store (browser, Discord, DPAPI) read with network, or any store read and sent where an exfil endpoint (not a mere suspicious TLD or throw-away host) is named; medium: a store read; low: a mention',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      if (f.location === 'test' && !f.decodedFrom) continue;
      // A cloud SDK's live credentials (boto3's get_credentials()) sent to a hard-coded outside URL by
      // the same function: SDKs sign requests with them, they never post them to a third host.
      const sdk = f.view.calls.find((c) => /(?:^|\.)get_(?:frozen_)?credentials$/.test(c.name));
      const sent = sdk && f.view.calls.find((c) => isNetwork(c.name) && c.fn === sdk.fn && /^https?:\/\//.test(c.args[0]?.str ?? '') && !CLOUD_API.test(c.args[0].str!));
      if (sdk && sent) {
        const sev = endpointIn(sent.args[0].str!) || (runsUnasked(f) && isEager(f, sent)) ? 'critical' : 'high';
        out.push(finding('credential-theft', sev, f, f.decodedFrom?.line ?? sdk.line, lineOf(f, sdk.line), `${sdk.fn ? `${sdk.fn}()` : 'Module-level code'} reads the cloud SDK's credentials (${sdk.name}, line ${sdk.line}) and sends them to ${sent.args[0].str!.split(/[?#]/)[0].slice(0, 80)} (${sent.name}, line ${sent.line}).`));
        continue;
      }
      // A keylogger: keystrokes captured by a hook in a file that also sends (mail, HTTP, a socket).
      const hook = f.view.calls.find((c) => KEY_HOOK.test(c.name));
      const send = hook && f.view.calls.find((c) => isNetwork(c.name));
      if (hook && send) {
        const sev = runsUnasked(f) && isEager(f, hook) ? 'critical' : 'high';
        out.push(finding('credential-theft', sev, f, f.decodedFrom?.line ?? hook.line, lineOf(f, hook.line), `Records keystrokes (${hook.name}, line ${hook.line}) in code that also sends data out (${send.name}, line ${send.line}): a keylogger.`));
        continue;
      }
      const kinds = new Map<string, number>();
      for (const s of f.view.strings) {
        const k = credentialIn(s.value);
        if (k && !kinds.has(k)) kinds.set(k, s.line);
      }
      // Environment dump: the whole os.environ serialised or posted.
      const envDump = f.view.calls.find((c) => (isNetwork(c.name) || /json\.dumps|str|dict/.test(c.name)) && [...c.args, ...Object.values(c.kw)].some((a) => a.ref === 'os.environ' || /os\.environ(?!\s*[.[(]\s*(get|\[))/.test(a.text) && !/os\.environ\.(get|\[)/.test(a.text)));
      if (envDump && isNetwork(envDump.name)) kinds.set('environment dump', envDump.line);
      if (!kinds.size) continue;
      const caps = fileCaps(f);
      const strong = [...kinds.keys()].filter((k) => !WEAK.has(k) && k !== 'environment dump');
      const endpoints = f.view.strings.map((s) => endpointIn(s.value)).filter((e) => e !== undefined);
      const endpoint = endpoints.length > 0;
      const hotFile = runsUnasked(f) || !!f.decodedFrom;
      const eagerNet = f.view.calls.some((c) => isNetwork(c.name) && isEager(f, c));
      let sev: Finding['severity'] = 'low';
      const reads = caps.has('fileRead') || caps.has('decode');
      if (caps.has('network') && (reads || kinds.has('environment dump'))) {
        if (endpoint && (strong.length || kinds.size >= 2)) sev = 'critical';
        // Even a weak store (~/.ssh, ~/.pypirc) read and sent where an exfil-class endpoint is named:
        // twine and paramiko talk to the hosts their users configure, not to raw IPs or webhooks. A
        // weak endpoint (a .ru or .tk address) is not enough: yt-dlp reads ~/.netrc and names rkn.gov.ru.
        else if (endpoints.some((e) => e.weight !== 'weak')) sev = 'high';
        else if (kinds.size >= 3 && hotFile) sev = 'critical';
        else if (strong.length) sev = hotFile && eagerNet ? 'critical' : 'high';
        else sev = hotFile && eagerNet ? 'medium' : 'low'; // twine, setuptools, requests read ~/.pypirc / ~/.netrc
      } else if (reads && strong.length) sev = kinds.size >= 2 ? 'high' : 'medium';
      const [first, line] = [...kinds.entries()][0];
      out.push(finding('credential-theft', sev, f, f.decodedFrom?.line ?? line, lineOf(f, line), `Touches ${[...kinds.keys()].join(', ')}${caps.has('network') ? ' in code that also uses the network' : ''}${endpoint ? ' and names an exfiltration endpoint' : ''} (first: ${first}).`));
    }
    return out;
  },
};
