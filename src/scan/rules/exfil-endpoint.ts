// Exfiltration endpoints (Discord/Telegram webhooks and bot APIs, OAST/DNS-log domains, tunnels,
// paste sites, raw IPs, throw-away hosts) paired with collected data or a send. A URL alone in a
// string stays low: documentation and tests mention such hosts.
import type { Rule } from '../analyze/context.js';
import { finding, isEager, lineOf } from '../analyze/context.js';
import { endpointIn, fileCaps, isNetwork } from '../analyze/capabilities.js';
import type { Finding } from '../types.js';

export const exfilEndpoint: Rule = {
  id: 'exfil-endpoint',
  why: 'Stolen data leaves through webhooks, bot APIs, OAST/DNS-log services, tunnels and raw IPs; the endpoint matters only when the code also collects or sends data.',
  severities: 'critical: strong endpoint (webhook, bot API, OAST) with network + collected data where code runs on install/start-up/import, or any endpoint sent host data at install time; high: endpoint + network + collection elsewhere; medium: endpoint + network; low: endpoint only',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      if (f.location === 'test' && !f.decodedFrom) continue;
      let best: { kind: string; weight: string; match: string; line: number } | undefined;
      const rank = { strong: 3, medium: 2, weak: 1 } as Record<string, number>;
      for (const s of f.view.strings) {
        const e = endpointIn(s.value);
        if (e && (!best || rank[e.weight] > rank[best.weight])) best = { ...e, line: s.line };
      }
      if (!best) continue;
      const caps = fileCaps(f);
      const net = caps.has('network');
      const collect = caps.has('collect') || caps.has('fileRead');
      const hotFile = f.location === 'install' || f.location === 'startup' || f.location === 'import' || !!f.decodedFrom;
      const eagerNet = f.view.calls.some((c) => isNetwork(c.name) && isEager(f, c));
      let sev: Finding['severity'] = 'low';
      if (net && collect) {
        if (best.weight === 'strong') sev = hotFile ? 'critical' : 'high';
        else if (best.weight === 'medium') sev = hotFile && eagerNet ? 'critical' : 'high';
        else sev = hotFile && eagerNet ? 'high' : 'medium';
      } else if (net) sev = best.weight === 'weak' ? 'low' : hotFile ? 'high' : 'medium';
      else if (best.weight === 'strong') sev = 'medium';
      out.push(finding('exfil-endpoint', sev, f, f.decodedFrom?.line ?? best.line, lineOf(f, best.line), `${best.kind} (${best.match.slice(0, 80)})${net ? ' with network calls' : ''}${collect ? ' and host/user data collection' : ''}.`));
    }
    return out;
  },
};
