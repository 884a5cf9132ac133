// .pth files with code: site.py executes every line that starts with `import` at each interpreter
// start (site module docs). A plain `import pkg` hook is low; exec/decode/spawn/network is not.
import type { Rule } from '../analyze/context.js';
import { finding } from '../analyze/context.js';
import type { Finding } from '../types.js';

const DANGER = /\b(exec|eval|compile|b64decode|decodebytes|fromhex|marshal|zlib|subprocess|os\.system|popen|urllib|urlopen|requests|socket|http\.client|__import__\(\s*['"](?:base64|subprocess|socket|urllib))/;

export const pthCode: Rule = {
  id: 'pth-code',
  why: 'Lines of a .pth file that start with "import" run at every interpreter start; no public scanner has a dedicated rule, and a hook with exec/decode/spawn/network is a persistence implant.',
  severities: 'critical: decode + exec, or spawn/network, in a .pth import line; high: exec/eval; low: a plain import hook',
  check(ctx) {
    const out: Finding[] = [];
    for (const t of ctx.texts) {
      if (!t.path.endsWith('.pth')) continue;
      const lines = t.text.split(/\r?\n/);
      lines.forEach((line, i) => {
        if (!/^import[\s\t]/.test(line)) return;
        const m = DANGER.exec(line);
        let sev: Finding['severity'] = 'low';
        if (m) {
          const decode = /b64decode|decodebytes|fromhex|marshal|zlib/.test(line);
          const spawnNet = /subprocess\.|os\.system\(|popen\(|urlopen\(|requests\.(get|post)\(|socket\.socket\(|http\.client\./.test(line);
          // exec('try: import x ... except ImportError: pass') is how some tools hook start-up (coloredlogs).
          const literalExec = /\bexec\(\s*['"]/.test(line) && !decode && !spawnNet;
          sev = (decode && /exec|eval|compile/.test(line)) || spawnNet ? 'critical' : literalExec ? 'low' : 'high';
        }
        out.push(finding('pth-code', sev, t.path, i + 1, line, m ? `.pth line runs code at every interpreter start (${m[1]}).` : '.pth import hook runs at every interpreter start.'));
      });
    }
    return out;
  },
};
