// Persistence: autostart folders, registry Run keys, scheduled tasks, cron, LaunchAgents, systemd
// units and shell rc files, written or registered. Mentions alone stay low (shell helpers and
// docs name ~/.bashrc).
import type { Rule } from '../analyze/context.js';
import { finding, lineOf, runsUnasked } from '../analyze/context.js';
import { PERSISTENCE, fileCaps } from '../analyze/capabilities.js';
import type { Finding } from '../types.js';

export const persistence: Rule = {
  id: 'persistence',
  why: 'Malware survives reboots through autostart locations; a library has no reason to write them, but shell tools legitimately mention rc files, so a write or registration is required.',
  severities: 'high: a Windows autostart/Run key/scheduled task written where code runs on install/import; medium: any autostart written or registered; low: mention',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      if (f.location === 'test' && !f.decodedFrom) continue;
      let hit: { kind: string; line: number } | undefined;
      for (const s of f.view.strings) {
        if (s.value.length > 2000) continue;
        const p = PERSISTENCE.find((x) => x.re.test(s.value));
        if (p) {
          hit = { kind: p.kind, line: s.line };
          if (p.kind !== 'shell rc file') break;
        }
      }
      if (!hit) continue;
      const caps = fileCaps(f);
      const writes = caps.has('fileWrite') || caps.has('process') || f.view.calls.some((c) => /^winreg\.(SetValue\w*|CreateKey\w*)$|^_winreg\./.test(c.name));
      const hotFile = runsUnasked(f) || !!f.decodedFrom;
      let sev: Finding['severity'] = 'low';
      if (writes) sev = hit.kind === 'shell rc file' || hit.kind === 'cron' ? (hotFile ? 'medium' : 'low') : hotFile ? 'high' : 'medium';
      out.push(finding('persistence', sev, f, f.decodedFrom?.line ?? hit.line, lineOf(f, hit.line), `${hit.kind}${writes ? ' written or registered' : ' referenced'}.`));
    }
    return out;
  },
};
