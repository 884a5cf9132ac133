// Exfiltration endpoints (Discord/Telegram webhooks and bot APIs, OAST/DNS-log domains, tunnels,
// paste sites, raw IPs, throw-away hosts) paired with collected data or a send. A URL alone in a
// string stays low: documentation and tests mention such hosts.
import type { Rule } from '../analyze/context.js';
import { finding, isEager, lineOf, runsUnasked } from '../analyze/context.js';
import { endpointIn, fileCaps, isNetProcess, isNetwork, isProcess, isReconProcess, serialisesEnvironment, IDENTITY } from '../analyze/capabilities.js';
import type { Finding } from '../types.js';
import type { PyFile } from '../analyze/context.js';

/**
 * Import/start-up time phone-home to any host: one function that runs when the package is
 * imported reads who/where (getuser, gethostname, `whoami`...) or serialises the whole
 * environment, and calls the network (or runs dig/curl). Install time is install-time-exec's.
 * With both it is the dependency-confusion beacon; no library reports its users' host names or
 * environment variables when imported.
 */
function identityBeacon(f: PyFile) {
  const eager = f.view.calls.filter((c) => isEager(f, c));
  for (const net of eager.filter((c) => isNetwork(c.name) || isNetProcess(c))) {
    const same = eager.filter((c) => c.fn === net.fn);
    const id = same.find((c) => IDENTITY.test(c.name) || isReconProcess(c));
    const dump = serialisesEnvironment(same);
    const env = dump || same.some((c) => /^os\.environ\.(items|copy|keys|values)$|^dict$|^json\.dumps$/.test(c.name) && (c.name.startsWith('os.environ') || c.args.some((a) => a.ref === 'os.environ')));
    if (id || dump) return { net, id, env };
  }
  return undefined;
}

/** A URL on another machine (not loopback, a private network or a reserved example domain). */
const OUTSIDE_URL = /^(?:https?|ftp):\/\/(?!(?:[^/@]*@)?(?:localhost|127\.|0\.0\.0\.0|10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|\[::1\]|[^/:]*\.(?:local|internal|example|test|invalid)(?:[:/]|$)|(?:[^/:]*\.)?example\.(?:com|org|net)(?:[:/]|$)))[^/\s]/i;

/** A Discord webhook with its id and token, or a Telegram bot token, written out. */
const OWNED_CHANNEL = /discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks\/\d{17,20}\/[\w-]{30,}|^\d{8,10}:AA[\w-]{33}$/i;

/** Where version checks ask for the latest release. */
const PACKAGE_INDEX = /^https?:\/\/(?:pypi\.org|pypi\.python\.org|api\.github\.com)\//i;

/** A who-am-I command substituted into a download or lookup command: `curl "http://…?u=$(whoami)"`. */
const SHELL_BEACON = /\b(?:curl|wget|nslookup|dig|ping)\b[^\n]{0,400}(?:\$\(|`)\s*(?:whoami|hostname|uname|id|pwd|cat\s+\/etc\/passwd)\b/;

export const exfilEndpoint: Rule = {
  id: 'exfil-endpoint',
  why: 'Stolen data leaves through webhooks, bot APIs, OAST/DNS-log services, tunnels and raw IPs; the endpoint matters only when the code also collects or sends data.',
  severities: 'critical: strong endpoint (webhook, bot API, OAST) with network and collected data, or used eagerly on install/start-up/import, or a tunnel/paste/raw IP sent host data on install/import; high: endpoint + network elsewhere, or a channel whose credentials are written in the code (webhook id/token, bot token) with network and collected data in a module; medium: weaker pairings, or that channel with network only, DNS beacon at install/import; low: endpoint only. Without a known endpoint: critical when a function run on import/start-up reads the host identity, enumerates the environment and calls the network (or runs dig/curl); high with only one of them. A hard-coded URL called on import/start-up, or a URL kept encoded in a file that uses the network: low. Anywhere, tests included: a download/lookup command carrying $(whoami)-style output, critical where it runs unasked, else high',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      // A URL kept encoded (base64, hex, character codes) in a file that talks to the network: hidden
      // from a reader on purpose. Low, a lead the classifier may corroborate (mangasee123, hashdecrypt).
      const hiddenUrl = f.location !== 'test' ? f.view.decoded.find((d) => !d.layers.includes('joined') && /^(?:https?|ftp):\/\/[^\s/]+\S*$/.test(d.text.trim())) : undefined;
      if (hiddenUrl && fileCaps(f).has('network')) out.push(finding('exfil-endpoint', 'low', f, f.decodedFrom?.line ?? hiddenUrl.line, lineOf(f, hiddenUrl.line), `A URL kept encoded (${hiddenUrl.layers.join(', ')}: ${hiddenUrl.text.trim().slice(0, 80)}) in a file that uses the network.`));
      // Checked in tests too: no test sends the tester's user name to an outside host.
      const shell = f.view.calls.find((c) => isProcess(c.name) && c.args.some((a) => SHELL_BEACON.test(a.str ?? a.text)));
      if (shell) {
        const sev = runsUnasked(f) && isEager(f, shell) ? 'critical' : 'high';
        out.push(finding('exfil-endpoint', sev, f, f.decodedFrom?.line ?? shell.line, lineOf(f, shell.line), `${shell.name}() runs a download or lookup command that sends the output of who-am-I commands (whoami, uname, hostname) to an outside host.`));
        continue;
      }
      if (f.location === 'test' && !f.decodedFrom) continue;
      const hot = runsUnasked(f) || !!f.decodedFrom;
      // DNS beacon: resolving a hard-coded outside host name when the package installs or imports.
      const beacon = hot ? f.view.calls.find((c) => /^socket\.(gethostbyname|gethostbyname_ex|getaddrinfo)$|^dns\.resolver\.(query|resolve)$/.test(c.name) && isEager(f, c) && /^[\w.-]+\.[a-z]{2,}$/i.test((c.args[0]?.str ?? '').trim()) && !/localhost|\.local$|\.internal$|example\.(com|org)/.test(c.args[0]?.str ?? '')) : undefined;
      let best: { kind: string; weight: string; match: string; line: number } | undefined;
      const rank = { strong: 3, medium: 2, weak: 1 } as Record<string, number>;
      for (const s of f.view.strings) {
        const e = endpointIn(s.value);
        if (e && (!best || rank[e.weight] > rank[best.weight])) best = { ...e, line: s.line };
      }
      if (!best) {
        const phoneHome = f.location === 'import' || f.location === 'startup' ? identityBeacon(f) : undefined;
        if (phoneHome) {
          const { net, id, env } = phoneHome;
          out.push(finding('exfil-endpoint', id && env ? 'critical' : 'high', f, f.decodedFrom?.line ?? net.line, lineOf(f, net.line), `On ${f.location}, ${net.fn ? `${net.fn}()` : 'module-level code'} ${id ? `reads the user/host identity (${id.name})` : 'serialises the whole environment'}${id && env ? ' and enumerates every environment variable' : ''} and sends it out (${net.name}).`));
        } else if (beacon) out.push(finding('exfil-endpoint', 'medium', f, f.decodedFrom?.line ?? beacon.line, lineOf(f, beacon.line), `Resolves the outside host ${beacon.args[0].str} when the package is ${f.location === 'install' ? 'installed' : 'imported'} (DNS beacon).`));
        else {
          // A hard-coded URL called when the package is merely imported: a library waits to be asked.
          // Low (a lead the classifier may corroborate); a version check against the package index is not one.
          const call = (f.location === 'import' || f.location === 'startup') && f.reached ? f.view.calls.find((c) => isNetwork(c.name) && isEager(f, c) && OUTSIDE_URL.test(c.args[0]?.str ?? '') && !PACKAGE_INDEX.test(c.args[0].str!)) : undefined;
          if (call) out.push(finding('exfil-endpoint', 'low', f, f.decodedFrom?.line ?? call.line, lineOf(f, call.line), `On ${f.location}, ${call.fn ? `${call.fn}()` : 'module-level code'} calls ${call.args[0].str!.split(/[?#]/)[0].slice(0, 80)} (${call.name}) before anything is asked of the package.`));
        }
        continue;
      }
      const caps = fileCaps(f);
      const identity = f.view.calls.some((c) => IDENTITY.test(c.name));
      // Opening the URL in the user's browser sends the request just as well (an OAST ping on install).
      const net = caps.has('network') || f.view.calls.some((c) => /^webbrowser\.open(?:_new|_new_tab)?$/.test(c.name));
      const collect = caps.has('collect') || caps.has('fileRead');
      const eagerNet = f.view.calls.some((c) => (isNetwork(c.name) || /^webbrowser\.open/.test(c.name)) && isEager(f, c));
      let sev: Finding['severity'] = 'low';
      // Services a library may integrate with (Telegram/Discord bots, paste sites) versus endpoints no
      // published library hard-codes (tunnels, raw IPs, OAST collectors, mock APIs).
      const hard = /tunnel|raw IP|OAST|mock/.test(best.kind);
      // The channel's own credentials written into the code (a webhook URL with its id and token, a
      // bot token): whatever is sent goes to the author, not to a bot the user configures.
      const owned = f.view.strings.some((s) => OWNED_CHANNEL.test(s.value.trim()));
      if (net && !hot && !identity && hard) {
        sev = 'medium';
      } else if (net && !hot && owned) {
        sev = collect ? 'high' : 'medium';
      } else if (net && collect && !hot && !identity) {
        // A library module talking to such a service (tqdm's Telegram/Discord bells, IPython's dpaste) is a feature.
        sev = 'low';
      } else if (net && collect) {
        if (best.weight === 'strong') sev = 'critical';
        else if (best.weight === 'medium') sev = (hot && eagerNet) || identity ? 'critical' : 'high';
        else sev = hot && eagerNet ? 'high' : 'medium';
      } else if (net) {
        if (best.weight === 'strong') sev = hot && eagerNet ? 'critical' : hot ? 'high' : 'low';
        else if (best.weight === 'medium') sev = hot ? 'high' : 'low';
        else sev = 'low';
      }
      out.push(finding('exfil-endpoint', sev, f, f.decodedFrom?.line ?? best.line, lineOf(f, best.line), `${best.kind} (${best.match.slice(0, 80)})${net ? ' with network calls' : ''}${collect ? ' and host/user data collection' : ''}.`));
    }
    return out;
  },
};
