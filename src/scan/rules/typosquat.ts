// Typosquatting of the top 5,000 projects (config/top-projects.txt): homoglyphs, separators,
// python-/py- affixes, swapped/repeated letters, small edit distance. A popular project's own
// name is never a squat; a name alone never blocks.
import type { Rule } from '../analyze/context.js';
import { finding } from '../analyze/context.js';
import { findSquat } from '../analyze/names.js';

export const typosquat: Rule = {
  id: 'typosquat',
  why: 'Most PyPI malware campaigns publish under names one typo away from popular projects; the name is a weak signal alone, strong next to install-time behaviour.',
  severities: 'low: the name imitates a popular project (raised only in combination by the verdict)',
  check(ctx) {
    const name = ctx.meta.name ?? nameFromFile(ctx.dist.filename);
    if (!name || !ctx.topList.length) return [];
    const s = findSquat(name, ctx.topProjects, ctx.topList);
    if (!s) return [];
    return [finding('typosquat', 'low', '', undefined, name, `Name "${name}" imitates popular project "${s.target}" (${s.how}).`)];
  },
};

function nameFromFile(filename: string): string | undefined {
  return /^(.+?)-\d/.exec(filename)?.[1];
}
