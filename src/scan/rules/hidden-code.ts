// Code put where a scanner would not look (issue 11's evasions): a data member (`.dat`, `.txt`)
// that install- or import-time code reads and executes, a file that runs at install padded far
// past any honest size, or one too large to read at all. The hidden code itself is analysed where
// it can be (src/scan/analyze/index.ts parses an exec'd data member as the loader's code); this
// rule names the hiding, which is a readable reason on its own.
import type { Rule } from '../analyze/context.js';
import { finding, lineOf, runsUnasked } from '../analyze/context.js';
import type { Finding } from '../types.js';

/** The largest honest setup.py files are tens of KiB; 256 KiB of install code is padding or a payload. */
const OVERSIZED = 256 * 1024;
const kib = (n: number): string => `${Math.round(n / 1024)} KiB`;

export const hiddenCode: Rule = {
  id: 'hidden-code',
  why: 'Packages do not exec their data files, and install-time code is small; hiding a payload in a .dat member or behind padding is what evasion looks like, so the hiding itself is evidence.',
  severities: 'medium: install/start-up/import code execs a data member, or an install/start-up file is too large to read; low: the same from an ordinary module, or an install/start-up file over 256 KiB',
  check(ctx) {
    const out: Finding[] = [];
    for (const d of ctx.hiding.dataExec) {
      const sev = runsUnasked(d.file) ? 'medium' : 'low';
      out.push(finding('hidden-code', sev, d.file, d.line, lineOf(d.file, d.line), `Executes the contents of the data file ${d.member} (code kept outside a .py file).`));
    }
    for (const o of ctx.hiding.oversized) {
      if ((o.location === 'install' || o.location === 'startup') && o.size > OVERSIZED) {
        out.push(finding('hidden-code', 'low', o.path, undefined, undefined, `This ${o.location === 'install' ? 'install-time' : 'start-up'} file is ${kib(o.size)} (honest ones are a few KiB): padded?`));
      }
    }
    for (const o of ctx.hiding.omitted) {
      if (o.location === 'install' || o.location === 'startup') {
        out.push(finding('hidden-code', 'medium', o.path, undefined, undefined, `This ${o.location === 'install' ? 'install-time' : 'start-up'} file is ${kib(o.size)}, too large to read: what it runs cannot be checked.`));
      }
    }
    return out;
  },
};
