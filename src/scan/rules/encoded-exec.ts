// Encoded payload passed to exec/eval/compile/marshal: code nobody can read, run on purpose.
// Benign libraries decode data (cookies, images) but do not exec what they decode.
import type { Rule } from '../analyze/context.js';
import { finding, isEager, lineOf } from '../analyze/context.js';
import { isDecode } from '../analyze/capabilities.js';
import type { Finding } from '../types.js';

const EXEC = /^(exec|eval|compile|execfile|builtins\.(exec|eval|compile)|__builtins__\.(exec|eval|compile)|marshal\.loads|types\.FunctionType|pickle\.loads|cPickle\.loads)$/;

export const encodedExec: Rule = {
  id: 'encoded-exec',
  why: 'exec/eval/compile/marshal of decoded (base64, hex, zlib, Fernet, chr-joined, reversed) data hides code from review; benign code decodes data, not code to run.',
  severities: 'critical: a literal payload decoded and executed where it runs on install, start-up or import; high: elsewhere, or decode of a non-literal into exec',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      const decodedLines = new Set(f.view.decoded.filter((d) => d.text || d.executable).map((d) => d.line));
      const childLines = new Set(ctx.py.filter((c) => c.decodedFrom && c.path.startsWith(`${f.path}#decoded@`)).map((c) => c.decodedFrom!.line));
      const seen = new Set<number>();
      for (const c of f.view.calls) {
        if (!EXEC.test(c.name) || seen.has(c.line)) continue;
        const decodeInside = c.inner.some((n) => isDecode(n));
        const arg = c.args[0];
        const literalPayload = decodedLines.has(c.line) || childLines.has(c.line) || (arg?.str !== undefined && arg.str.length >= 64 && f.view.decoded.some((d) => d.line <= c.line && d.text && arg.str!.includes(d.text.slice(0, 40))));
        // A name that was bound to decoded data (payload = b64decode('...'); exec(payload)).
        const viaName = arg?.ref !== undefined && arg.str !== undefined && arg.str.length >= 40 && decodedLines.size > 0;
        if (!decodeInside && !literalPayload && !viaName) continue;
        if (/pickle|marshal|FunctionType/.test(c.name) && !literalPayload && !viaName) continue; // e.g. signed cookies
        seen.add(c.line);
        const hot = f.location !== 'module' && f.location !== 'test' ? isEager(f, c) : false;
        const sev: Finding['severity'] = literalPayload || viaName ? (hot || f.location === 'install' || f.location === 'startup' ? 'critical' : 'high') : decodeInside && hot ? 'high' : 'medium';
        out.push(finding('encoded-exec', sev, f, f.decodedFrom ? f.decodedFrom.line : c.line, lineOf(f, c.line), `${c.name}() runs ${literalPayload || viaName ? 'an encoded payload that decodes to code' : 'the output of ' + c.inner.filter(isDecode).slice(0, 2).join(', ')}${f.decodedFrom ? ' (inside decoded code)' : ''}.`));
      }
    }
    return out;
  },
};
