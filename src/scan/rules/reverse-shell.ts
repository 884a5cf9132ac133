// Reverse shells: a socket wired to a shell's stdin/stdout (dup2 + spawn) or the classic shell
// one-liners (/dev/tcp, nc -e, bash -i >&). No library does this.
import type { Rule } from '../analyze/context.js';
import { finding, isEager, lineOf, runsUnasked } from '../analyze/context.js';
import { REVERSE_SHELL, isProcess } from '../analyze/capabilities.js';
import type { Finding } from '../types.js';

export const reverseShell: Rule = {
  id: 'reverse-shell',
  why: 'A shell whose input and output are a network socket hands the machine to a remote operator; both the Python form (socket + dup2 + shell) and shell one-liners are covered.',
  severities: 'critical: socket + dup2 + shell spawn, or a one-liner spawned, where code runs on install/start-up/import; high: the same elsewhere; medium: a one-liner string only',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      const hotFile = runsUnasked(f) || !!f.decodedFrom;
      const dup2 = f.view.calls.filter((c) => /^os\.dup2$|\.dup2$/.test(c.name));
      const sock = f.view.calls.some((c) => /^socket\.socket|^socket\.create_connection|\.connect$/.test(c.name));
      const shell = f.view.calls.find((c) => (isProcess(c.name) || c.name === 'pty.spawn') && c.args.some((a) => /(^|\/)(ba|z|da)?sh\b|cmd(\.exe)?\b|powershell/i.test(a.str ?? '')));
      if (dup2.length >= 2 && sock && shell) {
        const sev: Finding['severity'] = hotFile ? 'critical' : 'high';
        out.push(finding('reverse-shell', sev, f, f.decodedFrom?.line ?? shell.line, lineOf(f, shell.line), 'Socket connected to a shell through os.dup2 (reverse shell).'));
        continue;
      }
      const spawned = f.view.calls.find((c) => isProcess(c.name) && c.args.some((a) => REVERSE_SHELL.test(a.str ?? '')));
      if (spawned) {
        const sev: Finding['severity'] = hotFile && isEager(f, spawned) ? 'critical' : 'high';
        out.push(finding('reverse-shell', sev, f, f.decodedFrom?.line ?? spawned.line, lineOf(f, spawned.line), 'Spawns a reverse-shell one-liner.'));
        continue;
      }
      const str = f.location !== 'test' ? f.view.strings.find((s) => REVERSE_SHELL.test(s.value) && s.value.length < 2000) : undefined;
      if (str) out.push(finding('reverse-shell', 'medium', f, f.decodedFrom?.line ?? str.line, lineOf(f, str.line), 'Contains a reverse-shell one-liner.'));
    }
    return out;
  },
};
