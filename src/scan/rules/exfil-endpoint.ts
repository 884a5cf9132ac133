// Exfiltration endpoints (Discord/Telegram webhooks and bot APIs, OAST/DNS-log domains, tunnels,
// paste sites, raw IPs, throw-away hosts) paired with collected data or a send. A URL alone in a
// string stays low: documentation and tests mention such hosts.
import type { Rule } from '../analyze/context.js';
import { finding, isEager, lineOf, runsUnasked } from '../analyze/context.js';
import { endpointIn, fileCaps, isNetwork, IDENTITY } from '../analyze/capabilities.js';
import type { Finding } from '../types.js';
import type { PyFile } from '../analyze/context.js';

/**
 * Import/start-up time phone-home to any host: one function that runs when the package is
 * imported reads who/where (getuser, gethostname...) and calls the network. Install time is
 * install-time-exec's. With the whole environment enumerated as well it is the dependency-
 * confusion beacon; no library reports its users' host names when imported.
 */
function identityBeacon(f: PyFile) {
  const eager = f.view.calls.filter((c) => isEager(f, c));
  for (const net of eager.filter((c) => isNetwork(c.name))) {
    const same = eager.filter((c) => c.fn === net.fn);
    const id = same.find((c) => IDENTITY.test(c.name));
    if (!id) continue;
    const env = same.some((c) => /^os\.environ\.(items|copy|keys|values)$|^dict$|^json\.dumps$/.test(c.name) && (c.name.startsWith('os.environ') || c.args.some((a) => a.ref === 'os.environ')));
    return { net, id, env };
  }
  return undefined;
}

export const exfilEndpoint: Rule = {
  id: 'exfil-endpoint',
  why: 'Stolen data leaves through webhooks, bot APIs, OAST/DNS-log services, tunnels and raw IPs; the endpoint matters only when the code also collects or sends data.',
  severities: 'critical: strong endpoint (webhook, bot API, OAST) with network and collected data, or used eagerly on install/start-up/import, or a tunnel/paste/raw IP sent host data on install/import; high: endpoint + network elsewhere; medium: weaker pairings, DNS beacon at install/import; low: endpoint only. Without a known endpoint: critical when a function run on import/start-up reads the host identity, enumerates the environment and calls the network; high without the environment',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
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
          out.push(finding('exfil-endpoint', env ? 'critical' : 'high', f, f.decodedFrom?.line ?? net.line, lineOf(f, net.line), `On ${f.location}, ${net.fn ? `${net.fn}()` : 'module-level code'} reads the user/host identity (${id.name})${env ? ' and enumerates every environment variable' : ''} and sends over the network (${net.name}).`));
        } else if (beacon) out.push(finding('exfil-endpoint', 'medium', f, f.decodedFrom?.line ?? beacon.line, lineOf(f, beacon.line), `Resolves the outside host ${beacon.args[0].str} when the package is ${f.location === 'install' ? 'installed' : 'imported'} (DNS beacon).`));
        continue;
      }
      const caps = fileCaps(f);
      const identity = f.view.calls.some((c) => IDENTITY.test(c.name));
      const net = caps.has('network');
      const collect = caps.has('collect') || caps.has('fileRead');
      const eagerNet = f.view.calls.some((c) => isNetwork(c.name) && isEager(f, c));
      let sev: Finding['severity'] = 'low';
      // Services a library may integrate with (Telegram/Discord bots, paste sites) versus endpoints no
      // published library hard-codes (tunnels, raw IPs, OAST collectors, mock APIs).
      const hard = /tunnel|raw IP|OAST|mock/.test(best.kind);
      if (net && !hot && !identity && hard) {
        sev = 'medium';
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
