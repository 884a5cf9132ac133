// Where each member sits in the project, independent of the container: an sdist's
// `name-1.0/pkg/mod.py` and a wheel's `pkg/mod.py` are the same relative path, and the
// metadata of both (PKG-INFO, *.egg-info/, *.dist-info/) is set apart from the project's files.
import type { ArchiveMember, Distribution } from '../archive/types.js';

/** When the code runs: at install (setup.py, .pth, sitecustomize), on import (__init__.py), or later. */
export type Where = 'install' | 'import' | 'other';

export interface Placed {
  member: ArchiveMember;
  /** Path relative to the project root, '/'-separated, no leading './'. */
  rel: string;
  base: string;
  depth: number;
  /** A metadata file written by the packaging tool (PKG-INFO, METADATA, RECORD, egg-info/...). */
  meta: boolean;
}

const META_DIR = /(^|\/)[^/]*\.(egg-info|dist-info)\//;

export function place(dist: Distribution): Placed[] {
  const files = dist.members.filter((m) => m.type === 'file');
  const norm = files.map((m) => m.path.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, ''));
  // An sdist wraps everything in one top folder; strip it when every file shares it.
  let prefix = '';
  const first = norm[0]?.split('/')[0];
  if (first && norm.every((p) => p.includes('/') && p.split('/')[0] === first) && !/\.(dist|egg)-info$/.test(first)) {
    prefix = first + '/';
  }
  return files.map((member, k) => {
    const rel = norm[k].slice(prefix.length);
    const parts = rel.split('/');
    const base = parts[parts.length - 1];
    const meta = META_DIR.test(rel) || rel === 'PKG-INFO' || rel === 'EGG-INFO/PKG-INFO' || rel.startsWith('EGG-INFO/');
    return { member, rel, base, depth: parts.length - 1, meta };
  });
}

export function isPython(p: Placed): boolean {
  return /\.(py|pyw)$/i.test(p.base) && !p.meta;
}

export function whereRuns(p: Placed): Where {
  const b = p.base.toLowerCase();
  // setup.py runs during `pip install` / `pip download` of an sdist; odd layouts nest it once more.
  if (b === 'setup.py' && p.depth <= 1) return 'install';
  if (b.endsWith('.pth') || b === 'sitecustomize.py' || b === 'usercustomize.py') return 'install';
  if (b === '__init__.py') return 'import';
  return 'other';
}

/** The metadata file (RFC 822 style) of the distribution, if the archive carries one. */
export function metadataMember(placed: Placed[]): Placed | undefined {
  const score = (p: Placed): number => {
    if (p.rel === 'PKG-INFO') return 4;
    if (/^[^/]+\.dist-info\/METADATA$/.test(p.rel)) return 4;
    if (/\.egg-info\/PKG-INFO$/.test(p.rel) || p.rel === 'EGG-INFO/PKG-INFO') return 3;
    if (p.base === 'PKG-INFO' || (p.base === 'METADATA' && p.meta)) return 2;
    return 0;
  };
  let best: Placed | undefined;
  let bestScore = 0;
  for (const p of placed) {
    const s = score(p);
    if (s > bestScore && p.member.data) {
      best = p;
      bestScore = s;
    }
  }
  return best;
}

/** Which members' content the features need; the scanner keeps these in memory in its one pass. */
export function featureWantsContent(path: string): boolean {
  return /\.(py|pyw|pth)$/i.test(path) || /(^|\/)(PKG-INFO|METADATA|setup\.cfg|pyproject\.toml|requires\.txt)$/.test(path);
}
