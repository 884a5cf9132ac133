// Install-time execution: setup.py (and its in-tree build hooks) that spawn processes, fetch from
// the network or exec code while pip builds the sdist. Scoped to eager install-time calls: pip
// runs exactly those; a spawn alone stays low because many build scripts probe the compiler.
import type { Rule } from '../analyze/context.js';
import { finding, isEager, lineOf } from '../analyze/context.js';
import { isNetwork, isProcess, isDecode, serialisesEnvironment, isNetProcess, isReconProcess, IDENTITY } from '../analyze/capabilities.js';
import type { Finding } from '../types.js';
import type { CallSite } from '../analyze/python.js';

/** exec(open('pkg/version.py').read()) and friends: reading our own version file is the common benign exec. */
function isLocalFileExec(c: CallSite): boolean {
  const a = c.args[0];
  if (!a) return true;
  if (a.str !== undefined) return a.str.length < 200 && !/import|__import__|exec|system|popen/.test(a.str);
  if (c.inner.some((n) => isDecode(n) || isNetwork(n))) return false;
  return /open|read|get_data|read_text|compile|version|about|__file__|path|split|strip|line|literal_eval/i.test(a.text) || a.ref !== undefined;
}

export const installTimeExec: Rule = {
  id: 'install-time-exec',
  why: 'setup.py runs on pip install and pip download; malware in 3 of 4 files lives there. Spawn alone is low: compilers and pkg-config are probed by many benign builds.',
  severities: 'low: spawn or network alone (builds probe compilers and fetch sources); medium: exec of computed code, recon commands (whoami, systeminfo); high: network + spawn/exec in one install-time function, critical: network + user/host identity (getuser, gethostname, platform.node, whoami...) or the whole environment at install',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      if (f.location !== 'install') continue;
      if (f.decodedFrom?.layers[0] === 'embedded') continue; // code in a string is judged by the threat rules
      const eager = f.view.calls.filter((c) => isEager(f, c));
      const spawn = eager.filter((c) => isProcess(c.name));
      const net = eager.filter((c) => isNetwork(c.name) || isNetProcess(c));
      const exec = eager.filter((c) => /^(exec|eval|compile|execfile|builtins\.exec|builtins\.eval)$/.test(c.name) && !isLocalFileExec(c));
      if (!spawn.length && !net.length && !exec.length) continue;
      // A single function doing network + spawn/exec is a dropper's shape; spread over a file, a build script's.
      const fns = new Map<string, Set<string>>();
      for (const [kind, list] of [['net', net], ['spawn', spawn], ['exec', exec]] as const) for (const c of list) (fns.get(c.fn ?? '<module>') ?? fns.set(c.fn ?? '<module>', new Set()).get(c.fn ?? '<module>')!).add(kind);
      const together = [...fns.values()].some((s) => s.has('net') && (s.has('spawn') || s.has('exec')));
      // Network at install next to who/where-am-I calls: the dependency-confusion beacon shape.
      const identity = net.length > 0 && (eager.some((c) => IDENTITY.test(c.name) || isReconProcess(c)) || serialisesEnvironment(eager));
      const first = (exec[0] ?? net[0] ?? spawn[0])!;
      let sev: Finding['severity'] = 'low';
      // whoami/hostname/systeminfo at install: reconnaissance, not a build step.
      const recon = spawn.some(isReconProcess);
      if (together) sev = 'high';
      else if (exec.length || recon) sev = 'medium';
      // Who-am-I sent over the network while pip installs: the dependency-confusion beacon, never a build step.
      if (identity) sev = 'critical';
      if (f.decodedFrom) sev = sev === 'low' ? 'medium' : 'high';
      const parts = [spawn.length && `spawns processes (${uniq(spawn)})`, net.length && `uses the network (${uniq(net)})`, exec.length && `executes computed code (${uniq(exec)})`].filter(Boolean);
      out.push(finding('install-time-exec', sev, f, first.line, lineOf(f, first.line), `At install time this build script ${parts.join(', ')}${together ? ' in the same function' : ''}${identity ? ' and reads the user/host identity or the whole environment' : ''}.`));
    }
    return out;
  },
};

function uniq(cs: CallSite[]): string {
  return [...new Set(cs.map((c) => c.name))].slice(0, 3).join(', ');
}
