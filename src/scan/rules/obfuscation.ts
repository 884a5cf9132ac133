// Obfuscators: PyArmor/pytransform runtimes, Hyperion-style renaming, code pushed off-screen with
// whitespace, huge single lines, and homoglyph/CJK identifiers. Readable code is the norm on
// PyPI; hiding it is a threat indicator that raises everything else in the file.
import type { Rule } from '../analyze/context.js';
import { finding, lineOf } from '../analyze/context.js';
import type { Finding } from '../types.js';

const PYARMOR = /__pyarmor__|pyarmor_runtime|from\s+pytransform\s+import|__armor_enter__/;
const CONFUSABLE_NAME = /^(?=.*[IlO])[_Il1O0]{8,}$|^_{2,}[0-9a-f]{6,}$/;

export const obfuscation: Rule = {
  id: 'obfuscation',
  why: 'Obfuscated code cannot be reviewed; code hidden past column 150 by whitespace and mixed-script identifiers exist only to deceive, huge one-line code and PyArmor only to hide.',
  severities: 'critical: code hidden after a run of whitespace (only ever done to deceive a reader); high: Latin/Cyrillic mixed identifiers, or PyArmor in setup.py; medium: PyArmor, confusable renaming, huge single-line code, CJK identifiers with dynamic attribute access',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      // Decoded payloads are the decoding rules' matter; code only reassembled from chunks or read
      // from a data member is plain code that was moved out of sight, and is read like any file.
      if (f.decodedFrom && !['joined', 'data-file'].includes(f.decodedFrom.layers[0])) continue;
      const hot = f.location === 'install' || f.location === 'startup';
      if (PYARMOR.test(f.source)) {
        out.push(finding('obfuscation', hot ? 'high' : 'medium', f, undefined, undefined, 'PyArmor-protected code (cannot be reviewed).'));
        continue;
      }
      const lines = f.source.split('\n');
      let padded = -1;
      let huge = -1;
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i];
        if (l.length < 150) continue;
        if (padded < 0 && /\S[ \t]{150,}(?:;|import |exec\(|eval\(|__import__|os\.|subprocess)/.test(l) && !/^\s*#/.test(l)) padded = i;
        if (huge < 0 && l.length > 20000 && (l.match(/;/g)?.length ?? 0) + (l.match(/lambda/g)?.length ?? 0) > 20) huge = i;
      }
      if (padded >= 0) out.push(finding('obfuscation', 'critical', f, padded + 1, lines[padded].trim().slice(0, 120), 'Code hidden off-screen after a long run of whitespace.'));
      if (huge >= 0) out.push(finding('obfuscation', 'medium', f, huge + 1, lines[huge].slice(0, 120), `Single line of ${lines[huge].length} characters of code.`));
      // Builtin names spelled in escapes ("\145\166\x61\154" is eval): BlankOBF and friends.
      const hiddenNames = f.view.escaped.filter((e) => /^(eval|exec|compile|__import__|getattr|__builtins__|base64|b64decode|marshal|zlib|decompress|codecs|rot13|builtins|globals|chr|ord)$/.test(e.value.trim()));
      if (hiddenNames.length >= 2) out.push(finding('obfuscation', 'critical', f, hiddenNames[0].line, lineOf(f, hiddenNames[0].line).slice(0, 120), `Builtin names spelled in escape sequences or character codes (${[...new Set(hiddenNames.map((e) => e.value))].slice(0, 4).join(', ')}): code hidden from readers.`));
      const ids = f.view.nonAsciiIdents;
      // Mathematical alphanumerics (𝙉𝘔𝘭) are NFKC-folded to ASCII by Python: the same name, hidden from grep.
      const math = ids.filter((id) => /[\u{1D400}-\u{1D7FF}]/u.test(id));
      if (math.length) out.push(finding('obfuscation', 'critical', f, undefined, math.slice(0, 3).join(' '), 'Identifiers written in mathematical alphanumeric letters (folded to ASCII by Python) to evade scanners.'));
      const mixed = ids.filter((id) => /[a-zA-Z]/.test(id) && /[\u0400-\u04ff\u0370-\u03ff]/.test(id));
      if (mixed.length) out.push(finding('obfuscation', 'high', f, undefined, mixed.slice(0, 5).join(' '), 'Identifiers mixing Latin and Cyrillic/Greek letters (homoglyphs).'));
      else if (ids.length >= 10 && ids.filter((x) => /[\u3040-\u9fff\uac00-\ud7af]/.test(x)).length >= ids.length / 2 && /__builtins__|__import__\(/.test(f.source)) out.push(finding('obfuscation', 'medium', f, undefined, ids.slice(0, 5).join(' '), `${ids.length} non-ASCII identifiers with dynamic attribute access.`));
      const confusable = new Set(f.source.match(/\b[_Il1O0]{8,}\b|\b_{2,}[0-9a-f]{6,}\b/g) ?? []);
      if ([...confusable].filter((x) => CONFUSABLE_NAME.test(x)).length >= 5) out.push(finding('obfuscation', 'medium', f, undefined, [...confusable].slice(0, 4).join(' '), 'Identifiers renamed to look-alike strings (obfuscator output).'));
    }
    return out;
  },
};
