// Hidden or silent process spawn: PowerShell -w hidden / -enc, CREATE_NO_WINDOW, DETACHED_PROCESS,
// pythonw, start /b, mshta/certutil. Hiding the window is what droppers do; builds show output.
import type { Rule } from '../analyze/context.js';
import { finding, isEager, lineOf, runsUnasked } from '../analyze/context.js';
import { HIDDEN_SPAWN, isProcess, fileCaps } from '../analyze/capabilities.js';
import type { Finding } from '../types.js';

const FLAGS = /CREATE_NO_WINDOW|DETACHED_PROCESS|0x0*8000000\b|134217728|0x0*8\b|SW_HIDE|STARTF_USESHOWWINDOW/;

export const hiddenSpawn: Rule = {
  id: 'hidden-spawn',
  why: 'Droppers start their payload with no window (PowerShell -w hidden/-enc, CREATE_NO_WINDOW, pythonw, start /b); build scripts and CLIs have no reason to hide.',
  severities: 'high: hidden spawn where code runs on install/start-up/import; medium: elsewhere',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      if (f.location === 'test' && !f.decodedFrom) continue;
      const hotFile = runsUnasked(f) || !!f.decodedFrom;
      for (const c of f.view.calls) {
        if (!isProcess(c.name)) continue;
        const argText = c.args.map((a) => a.str ?? a.text).join(' ');
        const kwText = Object.entries(c.kw).map(([k, v]) => `${k}=${v.text}`).join(' ');
        const how = HIDDEN_SPAWN.find((h) => h.re.test(argText))?.kind ?? (/creationflags|startupinfo/.test(kwText) && FLAGS.test(kwText) ? 'no-window creation flags' : undefined);
        if (!how) continue;
        // Daemon launchers (pymongo's mongocryptd) pass CREATE_NO_WINDOW legitimately; PowerShell -w hidden has no such excuse.
        const flagsOnly = how === 'no-window creation flags';
        const sev: Finding['severity'] = hotFile && isEager(f, c) ? 'high' : flagsOnly ? 'low' : 'medium';
        out.push(finding('hidden-spawn', sev, f, f.decodedFrom?.line ?? c.line, lineOf(f, c.line), `${c.name}() starts a process hidden from the user (${how}).`));
        break;
      }
      if (out.some((x) => x.path === f.path) || !fileCaps(f).has('process')) continue;
      // The command kept in a string and passed through a helper (def run(cmd): Popen(cmd, ...)).
      const s = f.view.strings.find((x) => x.value.length < 8192 && HIDDEN_SPAWN.some((h) => h.kind !== 'pythonw' && h.re.test(x.value)));
      if (s) out.push(finding('hidden-spawn', hotFile ? 'high' : 'medium', f, f.decodedFrom?.line ?? s.line, lineOf(f, s.line), `A hidden-window command (${HIDDEN_SPAWN.find((h) => h.re.test(s.value))!.kind}) next to process-spawning code.`));
    }
    return out;
  },
};
