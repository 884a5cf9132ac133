// Archive hazards: traversal names, absolute paths, links and device members. The reader never
// writes members, but pip and other unpackers do; such members in a distribution are hostile.
import type { Rule } from '../analyze/context.js';
import { finding } from '../analyze/context.js';
import type { Finding } from '../types.js';

export const archiveHazard: Rule = {
  id: 'archive-hazard',
  why: 'Path traversal, absolute paths, devices and links escaping the tree attack the unpacker (GuardDog had four CVEs here); build tools never produce them.',
  severities: 'high: traversal, absolute path, device, link escaping the tree; low: link inside the tree',
  check(ctx) {
    const out: Finding[] = [];
    for (const m of ctx.members) {
      const p = m.path;
      if (/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p)) out.push(finding('archive-hazard', 'high', p, undefined, undefined, 'Member with an absolute path.'));
      else if (p.split(/[\\/]/).includes('..')) out.push(finding('archive-hazard', 'high', p, undefined, undefined, 'Member path climbs out of the archive (..).'));
      if (m.type === 'device') out.push(finding('archive-hazard', 'high', p, undefined, undefined, 'Device or FIFO member.'));
      if (m.type === 'symlink' || m.type === 'hardlink') {
        const t = m.linkTarget ?? '';
        const escapes = t.startsWith('/') || /^[A-Za-z]:/.test(t) || t.split('/').filter((s) => s === '..').length >= p.split('/').length - 1;
        const sev: Finding['severity'] = escapes ? 'high' : 'low';
        out.push(finding('archive-hazard', sev, p, undefined, `-> ${t}`, `${m.type === 'symlink' ? 'Symbolic' : 'Hard'} link${escapes ? ' pointing outside the archive' : ''}.`));
      }
    }
    return out;
  },
};
