// Encoded payload passed to exec/eval/compile/marshal: code nobody can read, run on purpose.
// Benign libraries decode data (cookies, images) but do not exec what they decode.
import type { Rule } from '../analyze/context.js';
import { finding, isEager, lineOf, runsUnasked } from '../analyze/context.js';
import { isDecode, isProcess } from '../analyze/capabilities.js';
import { looksLikePython } from '../analyze/decode.js';
import type { Finding } from '../types.js';
import type { PyFile } from '../analyze/context.js';

// pickle.loads is left out: libraries unpickle their own data constantly, malware rarely uses it.
const EXEC = /^(exec|eval|compile|execfile|builtins\.(exec|eval|compile)|__builtins__\.(exec|eval|compile)|marshal\.loads|types\.FunctionType)$/;

/**
 * Functions (or '<module>') that XOR characters or bytes (`chr(ord(c) ^ k)`, `bytes([b ^ k for b in data])`),
 * and the functions that call one of them by name (`plain = atomic_scheme(blob, key)`: the XOR sits in a helper).
 */
function xorScopes(f: PyFile, builders: RegExp): Set<string> {
  const xor = new Set(f.view.calls.filter((c) => builders.test(c.name) && /\^/.test(c.args[0]?.text ?? '')).map((c) => c.fn ?? '<module>'));
  for (const c of f.view.calls) if (xor.has(c.name)) xor.add(c.fn ?? '<module>');
  return xor;
}

export const encodedExec: Rule = {
  id: 'encoded-exec',
  why: 'exec/eval/compile/marshal of decoded (base64, hex, zlib, Fernet, chr-joined, reversed) data hides code from review; benign code decodes data, not code to run.',
  severities: 'critical: a literal payload (decodes to code, or an opaque ciphertext) executed where code runs on install/start-up/import (high in an ordinary module), or an XOR-decoded string or code spelled in character codes executed where code runs on install/start-up/import; high: decode of a non-literal into exec where code runs on install/start-up/import, or XOR-decoded string executed elsewhere, or a shell command run in a function that XOR-decodes bytes; medium: elsewhere, or exec of a computed value in a scope that decodes, where code runs unasked or on a module top level; low: that pairing in a function nothing calls unasked',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      if (f.location === 'test' && !f.decodedFrom) continue;
      // Readable strings joined (a code generator's lines) are not an encoding; what they say is analysed as code anyway.
      const code = f.view.decoded.filter((d) => !(d.layers.length === 1 && d.layers[0] === 'joined') && (d.layers.includes('marshal') || looksLikePython(d.text)));
      const decodedLines = new Set(code.map((d) => d.line));
      const childLines = new Set(ctx.py.filter((c) => c.decodedFrom && c.decodedFrom.layers[0] !== 'embedded' && c.decodedFrom.layers[0] !== 'joined' && c.path.startsWith(`${f.path}#decoded@`)).map((c) => c.decodedFrom!.line));
      const seen = new Set<number>();
      for (const c of f.view.calls) {
        if (!EXEC.test(c.name) || seen.has(c.line)) continue;
        const decodeInside = c.inner.some((n) => isDecode(n));
        // exec(Fernet(k).decrypt(b'gAAAA...')): a long literal ciphertext we cannot open is still a literal payload.
        const opaque = decodeInside && /['"][A-Za-z0-9+/=_\-\\x]{64,}['"]/.test(c.args[0]?.text ?? '');
        const arg = c.args[0];
        const literalPayload = opaque || decodedLines.has(c.line) || childLines.has(c.line) || (arg?.str !== undefined && arg.str.length >= 64 && code.some((d) => d.line <= c.line && arg.str!.includes(d.text.slice(0, 40))));
        // A name that was bound to decoded data (payload = b64decode('...'); exec(payload)).
        const viaName = arg?.ref !== undefined && arg.str !== undefined && arg.str.length >= 40 && code.some((d) => arg.str!.includes(d.text.slice(0, 40)));
        if (!decodeInside && !literalPayload && !viaName) continue;
        if (/marshal|FunctionType/.test(c.name) && !literalPayload && !viaName) continue;
        seen.add(c.line);
        const hot = runsUnasked(f) && isEager(f, c);
        // Hidden code that is run where code runs unasked: no honest package ships that. In an
        // ordinary module it is high: versioneer.py carries its own source base64'd and execs it.
        const sev: Finding['severity'] = literalPayload || viaName ? (runsUnasked(f) ? 'critical' : 'high') : decodeInside && hot ? 'high' : 'medium';
        out.push(finding('encoded-exec', sev, f, f.decodedFrom ? f.decodedFrom.line : c.line, lineOf(f, c.line), `${c.name}() runs ${literalPayload || viaName ? 'an encoded payload that decodes to code' : 'the output of ' + c.inner.filter(isDecode).slice(0, 2).join(', ')}${f.decodedFrom ? ' (inside decoded code)' : ''}.`));
      }
    }
    // A string or bytes decoded by XOR at run time (chr(ord(c) ^ ord(k)) in a loop,
    // bytearray([b ^ key[i % n] ...])) and executed in the same function: the XOR hides the code
    // from every static decoder. Benign code XORs bytes (hashes,
    // ciphers) but does not exec the result; none of the dev corpus's 1,334 benign files does both.
    for (const f of ctx.py) {
      if ((f.location === 'test' && !f.decodedFrom) || out.some((o) => o.path === f.path)) continue;
      const xorFns = xorScopes(f, /^(chr|bytes|bytearray)$/);
      if (!xorFns.size) continue;
      const c = f.view.calls.find((x) => /^(exec|eval|compile|builtins\.(exec|eval|compile))$/.test(x.name) && xorFns.has(x.fn ?? '<module>') && x.args[0] !== undefined && x.args[0].str === undefined);
      if (!c) continue;
      const hot = runsUnasked(f) && isEager(f, c);
      out.push(finding('encoded-exec', hot ? 'critical' : 'high', f, f.decodedFrom?.line ?? c.line, lineOf(f, c.line), `${c.name}() runs a string or bytes decoded by XOR in the same ${c.fn ? `function ${c.fn}` : 'module top level'}${hot ? `, where code runs on ${f.location}` : ''}.`));
    }
    // exec/eval of a computed value in a scope that also decodes (`exec(__vare__(___))` after a chain
    // of b64decode/decrypt on module level, `exec((_)(b'...'))` with a decoding lambda): the flow
    // goes through names and helpers the checks above do not follow, but the pairing is plain.
    for (const f of ctx.py) {
      if ((f.location === 'test' && !f.decodedFrom) || out.some((o) => o.path === f.path)) continue;
      const decodeFns = new Set(f.view.calls.filter((c) => isDecode(c.name)).map((c) => c.fn ?? '<module>'));
      if (!decodeFns.size) continue;
      const c = f.view.calls.find((x) => /^(exec|eval|builtins\.(exec|eval))$/.test(x.name) && decodeFns.has(x.fn ?? '<module>') && x.args[0] !== undefined && x.args[0].str === undefined);
      if (!c) continue;
      // On a module's top level the pairing runs whenever that module is imported, which is what
      // a module of the package is for; in a function nothing calls on import it is a lead.
      const sev = (runsUnasked(f) && isEager(f, c)) || (f.location === 'module' && c.fn === undefined) ? 'medium' : 'low';
      out.push(finding('encoded-exec', sev, f, f.decodedFrom?.line ?? c.line, lineOf(f, c.line), `${c.name}() runs a computed value in the same ${c.fn ? `function ${c.fn}` : 'module top level'} that decodes data (${[...new Set(f.view.calls.filter((x) => isDecode(x.name) && (x.fn ?? '<module>') === (c.fn ?? '<module>')).map((x) => x.name))].slice(0, 2).join(', ')}).`));
    }
    // Code spelled out as character codes that no static evaluation resolves
    // (`exec("".join(map(chr, [int(float(str('...').split('..')[2]))...])))`): nobody writes code that way to run it.
    for (const f of ctx.py) {
      if ((f.location === 'test' && !f.decodedFrom) || out.some((o) => o.path === f.path)) continue;
      const c = f.view.calls.find((x) => EXEC.test(x.name) && /^\(?\s*(?:['"]{2}|str\(\))\.join\(\s*(?:map\(\s*chr\b|\[?\s*chr\()/.test(x.args[0]?.text ?? ''));
      if (!c) continue;
      const hot = runsUnasked(f) && isEager(f, c);
      out.push(finding('encoded-exec', hot ? 'critical' : 'high', f, f.decodedFrom?.line ?? c.line, lineOf(f, c.line), `${c.name}() runs code spelled out as character codes (chr joined)${hot ? `, where code runs on ${f.location}` : ''}.`));
    }
    // A command line decoded by XOR (`bytes([b ^ key for b in command])`) and run through a shell in
    // the same function (quasarlib: rundll32 on a file it XOR-decoded).
    for (const f of ctx.py) {
      if ((f.location === 'test' && !f.decodedFrom) || out.some((o) => o.path === f.path)) continue;
      const xorFns = xorScopes(f, /^(chr|bytes|bytearray)$/);
      if (!xorFns.size) continue;
      const c = f.view.calls.find((x) => isProcess(x.name) && xorFns.has(x.fn ?? '<module>') && x.args[0] !== undefined && !/^[rbuRBU]*['"]/.test(x.args[0].text) && (x.kw.shell?.text === 'True' || /^os\.(system|popen)$/.test(x.name)));
      if (!c) continue;
      const hot = runsUnasked(f) && isEager(f, c);
      out.push(finding('encoded-exec', hot ? 'critical' : 'high', f, f.decodedFrom?.line ?? c.line, lineOf(f, c.line), `${c.name}() runs a shell command in the same ${c.fn ? `function ${c.fn}` : 'module top level'} that decodes bytes by XOR.`));
    }
    // A process started with a decoded command line: os.system(b64decode('...')).
    for (const f of ctx.py) {
      if (f.location === 'test' && !f.decodedFrom) continue;
      const c = f.view.calls.find((x) => isProcess(x.name) && x.inner.some(isDecode));
      if (!c || out.some((o) => o.path === f.path)) continue;
      const hot = runsUnasked(f);
      out.push(finding('encoded-exec', hot && isEager(f, c) ? 'high' : 'medium', f, f.decodedFrom?.line ?? c.line, lineOf(f, c.line), `${c.name}() runs a command line decoded at run time (${c.inner.filter(isDecode).slice(0, 2).join(', ')}).`));
    }
    return out;
  },
};
