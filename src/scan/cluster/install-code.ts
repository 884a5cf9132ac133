// Which members of a distribution hold install-time code, in the two views this module embeds.
//
// View "setup": what runs during `pip install` / `pip download` of an sdist: the top-level
// `setup.py`, plus top-level helper modules that `setup.py` imports (build hooks such as
// lxml's `buildlibxml.py`), plus an in-tree PEP 517 backend named by `pyproject.toml`
// (`backend-path`). This is MPHunter's view.
// View "import": what runs at interpreter start or first import, which MPHunter left as future
// work: `.pth` lines starting with `import` (site.py executes them) and the top level of every
// `__init__.py` of a top-level package. A wheel has no setup view, only this one.
import type { ArchiveMember, Distribution } from '../archive/types.js';

export type View = 'setup' | 'import';

export interface InstallCode {
  view: View;
  /** Member paths the text came from, in the order concatenated. */
  paths: string[];
  /** Source text to extract calls from. */
  text: string;
}

/** Path without the single top folder an sdist carries (`name-1.0/setup.py` → `setup.py`). */
export function innerPath(path: string, format: Distribution['format']): string {
  const p = path.replace(/\\/g, '/').replace(/^\.\//, '');
  if (format === 'wheel') return p;
  const i = p.indexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

/**
 * Whether the scanner should keep a member's content for this module (for `wantsContent`). The
 * reader asks before it knows whether the archive is a wheel, so without a format both layouts
 * (`pkg/__init__.py` in a wheel, `name-1.0/pkg/__init__.py` in an sdist) are accepted.
 */
export function wantsInstallCode(path: string, format?: Distribution['format']): boolean {
  if (!format) return wants(path, 'wheel') || wants(path, 'sdist-tar');
  return wants(path, format);
}

function wants(path: string, format: Distribution['format']): boolean {
  const p = innerPath(path, format);
  if (p === 'pyproject.toml') return true;
  if (p.endsWith('.pth')) return !p.includes('/');
  if (!p.endsWith('.py')) return false;
  const depth = p.split('/').length - 1;
  if (depth === 0) return true; // setup.py and top-level build helpers
  if (p.endsWith('/__init__.py')) return depth <= 2; // pkg/__init__.py, src/pkg/__init__.py
  return depth <= 2; // in-tree backends live in a folder named by backend-path
}

function text(m: ArchiveMember): string {
  return m.data ? m.data.toString('utf8') : '';
}

// Beyond this a view is cut: parsing is linear but not free (about 80 ms for 124 KB on this loaded
// machine), and the rank is one signal among several; the rules still read the whole member.
const MAX_VIEW_CHARS = 512 * 1024;

/** The install-time code of a distribution per view; views without code are left out. */
export function installCode(dist: Distribution): InstallCode[] {
  const byPath = new Map<string, ArchiveMember>();
  for (const m of dist.members) {
    if (m.type !== 'file' || !m.data) continue;
    const p = innerPath(m.path, dist.format);
    if (!byPath.has(p)) byPath.set(p, m);
  }
  const out: InstallCode[] = [];

  if (dist.format !== 'wheel') {
    const paths: string[] = [];
    const parts: string[] = [];
    const setup = byPath.get('setup.py');
    if (setup) {
      const src = text(setup);
      paths.push(setup.path);
      parts.push(src);
      // Top-level helper modules imported by setup.py run at install time too.
      for (const mod of importedTopLevel(src)) {
        const helper = byPath.get(`${mod}.py`);
        if (helper && helper !== setup && !paths.includes(helper.path)) {
          paths.push(helper.path);
          parts.push(text(helper));
        }
      }
    }
    const backend = inTreeBackend(byPath.get('pyproject.toml'), byPath);
    if (backend && !paths.includes(backend.path)) {
      paths.push(backend.path);
      parts.push(text(backend));
    }
    if (parts.length) out.push({ view: 'setup', paths, text: parts.join('\n').slice(0, MAX_VIEW_CHARS) });
  }

  const ipaths: string[] = [];
  const iparts: string[] = [];
  for (const [p, m] of byPath) {
    if (p.endsWith('.pth') && !p.includes('/')) {
      const lines = text(m)
        .split(/\r?\n/)
        .filter((l) => /^import[ \t]/.test(l));
      if (lines.length) {
        ipaths.push(m.path);
        iparts.push(lines.join('\n'));
      }
    } else if (isTopPackageInit(p, dist.format)) {
      const src = text(m);
      if (src.trim()) {
        ipaths.push(m.path);
        iparts.push(src);
      }
    }
  }
  if (iparts.length) out.push({ view: 'import', paths: ipaths, text: iparts.join('\n').slice(0, MAX_VIEW_CHARS) });
  return out;
}

function isTopPackageInit(p: string, format: Distribution['format']): boolean {
  if (!p.endsWith('/__init__.py')) return false;
  const segs = p.split('/');
  if (segs.length === 2) return !(format === 'wheel' && /\.(dist|egg)-info$/.test(segs[0]));
  return segs.length === 3 && segs[0] === 'src';
}

/** Names of modules imported by a source text (top-level names only, for helper lookup). */
function importedTopLevel(src: string): string[] {
  const names = new Set<string>();
  for (const m of src.matchAll(/^[ \t]*(?:from[ \t]+([A-Za-z_][\w]*)[ \t]+import|import[ \t]+([A-Za-z_][\w, \t]*))/gm)) {
    if (m[1]) names.add(m[1]);
    if (m[2]) for (const n of m[2].split(',')) names.add(n.trim().split(/\s/)[0]);
  }
  names.delete('setup');
  return [...names].filter(Boolean);
}

/** `[build-system] backend-path = ["_custom"]` + `build-backend = "backend"` → `_custom/backend.py`. */
function inTreeBackend(pyproject: ArchiveMember | undefined, byPath: Map<string, ArchiveMember>): ArchiveMember | undefined {
  if (!pyproject) return undefined;
  const src = text(pyproject);
  const be = /^\s*build-backend\s*=\s*["']([\w.]+)(?::\w+)?["']/m.exec(src);
  const bp = /^\s*backend-path\s*=\s*\[([^\]]*)\]/m.exec(src);
  if (!be || !bp) return undefined;
  const mod = be[1].replace(/\./g, '/');
  for (const m of bp[1].matchAll(/["']([^"']*)["']/g)) {
    const dir = m[1].replace(/^\.\/?/, '').replace(/\/$/, '');
    const base = dir ? `${dir}/${mod}` : mod;
    const hit = byPath.get(`${base}.py`) ?? byPath.get(`${base}/__init__.py`);
    if (hit) return hit;
  }
  return undefined;
}
