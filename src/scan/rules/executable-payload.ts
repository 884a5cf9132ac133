// Executables (PE/ELF/Mach-O by magic bytes) where a package would not have them: in an sdist or
// a pure (`none-any`) wheel, or decoded from a string literal. A platform wheel's binaries are
// normal: extension modules, and programs too (ruff, cmake, ninja, clang-format, nvcc ship theirs
// as ELF files in `*.data/scripts/` or a `bin/` folder; 10 of the mirror's popular wheels were
// held for it before issue 11).
import type { Rule } from '../analyze/context.js';
import { finding } from '../analyze/context.js';
import { isExecutableMagic } from '../analyze/decode.js';
import type { Finding } from '../types.js';

const EXT_MODULE = /\.(so(\.[\d.]+)?|pyd|dylib|dll)$/i;

const formatOf = (head: Uint8Array): 'Windows' | 'ELF' | 'Mach-O' => (head[0] === 0x4d && head[1] === 0x5a ? 'Windows' : head[0] === 0x7f ? 'ELF' : 'Mach-O');
/** The folder names a build for each format sits under (selenium's `windows/`, pulp's `cbc/osx/i64/`). */
const PLATFORM_DIR: Record<ReturnType<typeof formatOf>, RegExp> = {
  Windows: /(^|\/)win(dows|32|64)?([-_][^/]*)?\//i,
  ELF: /(^|\/)(linux|manylinux)([-_][^/]*)?\//i,
  'Mach-O': /(^|\/)(mac(os)?|osx|darwin)([-_][^/]*)?\//i,
};

/**
 * A pure wheel that bundles one tool built for several platforms (selenium's selenium-manager,
 * pulp's CBC solver): executables of at least two formats, each in a folder named for its
 * platform. Returns the number of formats, or 0. Such a bundle is how a pure wheel ships a helper
 * program; a dropper ships its one payload, and what starts it is judged by the other rules.
 */
function platformBundle(programs: Array<{ path: string; head: Uint8Array }>): number {
  const formats = new Set(programs.map((m) => formatOf(m.head)));
  return formats.size >= 2 && programs.every((m) => PLATFORM_DIR[formatOf(m.head)].test(m.path)) ? formats.size : 0;
}

export const executablePayload: Rule = {
  id: 'executable-payload',
  why: 'A Windows .exe in an sdist or a binary hidden in a string is how droppers ship payloads; compiled extensions in platform wheels are how packages ship speed, so tag and location decide.',
  severities: 'high: executable decoded from a literal, or a PE program (.exe/.scr...) in an sdist or pure wheel; medium: other native programs in an sdist or pure wheel; low: a native library there, or one tool built for several platforms in a pure wheel (each build in its platform\'s folder); info: any binary in a platform wheel',
  check(ctx) {
    const out: Finding[] = [];
    // pip installs by the file name's tag: playwright's manylinux wheels say `py3-none-any` inside.
    const platformName = ctx.dist.format === 'wheel' && !/-any\.whl$/i.test(ctx.dist.filename);
    const pure = !platformName && (ctx.dist.format !== 'wheel' || ctx.wheelTags.every((t) => /-none-any$/.test(t)));
    let extensions = 0;
    const bundle = pure && platformBundle(ctx.members.filter((m) => m.type === 'file' && isExecutableMagic(m.head) && !EXT_MODULE.test(m.path)));
    for (const m of ctx.members) {
      if (m.type !== 'file' || !isExecutableMagic(m.head)) continue;
      const isPe = m.head[0] === 0x4d && m.head[1] === 0x5a;
      if (!pure) {
        extensions++;
        continue;
      }
      if (bundle) {
        out.push(finding('executable-payload', 'low', m.path, undefined, undefined, `${formatOf(m.head)} executable (${m.size} bytes) in a pure wheel, one build of a tool shipped for ${bundle} platforms.`));
        continue;
      }
      // A native library (.so, .dylib, or a Windows .dll/.pyd) is low: pyopengl ships freeglut DLLs in its pure wheel.
      if (EXT_MODULE.test(m.path) && (!isPe || /\.(dll|pyd)$/i.test(m.path))) {
        out.push(finding('executable-payload', 'low', m.path, undefined, undefined, 'Native library in an sdist or pure wheel.'));
        continue;
      }
      const program = isPe && !/\.(dll|pyd)$/i.test(m.path);
      // setuptools and pip ship their launcher stubs (cli-64.exe, t64.exe): small PE files named for that job.
      const launcher = /(^|\/)(cli|gui|t|w)(-?(32|64))?(-?arm(64)?)?\.exe$/i.test(m.path) && m.size < 256 * 1024;
      const sev: Finding['severity'] = launcher ? 'info' : program ? 'high' : 'medium';
      out.push(finding('executable-payload', sev, m.path, undefined, undefined, `${formatOf(m.head)} executable (${m.size} bytes) in ${ctx.dist.format === 'wheel' ? 'a pure wheel' : 'an sdist'}.`));
    }
    if (extensions) out.push(finding('executable-payload', 'info', '', undefined, undefined, `${extensions} native binaries (extension modules or programs) in a platform wheel.`));
    for (const f of ctx.py) {
      if (f.location === 'test') continue; // test suites embed tiny object files (llvmlite)
      const d = f.view.decoded.find((x) => x.executable);
      if (d) out.push(finding('executable-payload', 'high', f, d.line, undefined, `A string literal decodes (${d.layers.join('+')}) to an executable program.`));
    }
    return out;
  },
};
