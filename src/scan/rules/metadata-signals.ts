// Metadata signals: empty or placeholder descriptions, versions 0.0.0 / 99+.x (dependency
// confusion), no author and no home page, disposable e-mail domains. Weak on their own by
// design: many small benign projects look like this, so these findings are low and never block.
import type { Rule } from '../analyze/context.js';
import { finding } from '../analyze/context.js';
import type { Finding } from '../types.js';

const DISPOSABLE = /@(?:[\w-]+\.)*(?:mailinator\.com|guerrillamail\.\w+|10minutemail\.\w+|temp-?mail\.\w+|yopmail\.\w+|sharklasers\.com|trashmail\.\w+|dispostable\.com|getnada\.com|maildrop\.cc|mohmal\.com|emailondeck\.com|fakeinbox\.com|throwawaymail\.com|mailnesia\.com|tempmail\.\w+|moakt\.\w+|mintemail\.com|spamgourmet\.com|mail\.tm|tmpmail\.\w+|burnermail\.io|example\.com)\b/i;

export const metadataSignals: Rule = {
  id: 'metadata-signals',
  why: 'Dependency-confusion and throw-away uploads carry tell-tale metadata (999.x versions, no description, disposable e-mail); popular projects rarely do, but small honest ones may, so this only adds weight.',
  severities: 'low: each signal; never more (metadata alone never blocks)',
  check(ctx) {
    const m = ctx.meta;
    if (!m.sources.length) return [finding('metadata-signals', 'low', '', undefined, undefined, 'No package metadata (PKG-INFO/METADATA/setup() fields) found.')];
    const out: Finding[] = [];
    const sig: string[] = [];
    const v = m.version ?? '';
    if (/^0+(\.0+)*$/.test(v)) sig.push(`version ${v}`);
    const major = Number(v.split('.')[0]);
    if (major >= 99 && major < 1900) sig.push(`dependency-confusion style version ${v}`);
    const desc = (m.description ?? '').trim();
    if (m.descriptionLength < 20 && !(m.summary ?? '').trim()) sig.push('no description');
    if (!m.author && !m.authorEmail && !m.homePage) sig.push('no author and no home page');
    if (m.authorEmail && DISPOSABLE.test(m.authorEmail)) sig.push(`disposable e-mail ${m.authorEmail}`);
    if (desc && /^[A-Za-z ]{40,}$/.test(desc) && !/\b(the|and|a|of|to|is|for)\b/i.test(desc)) sig.push('random-letter description');
    for (const s of sig) out.push(finding('metadata-signals', 'low', '', undefined, undefined, `Metadata: ${s}.`));
    return out;
  },
};
