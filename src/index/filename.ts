// What a distribution's file name says about itself, without opening it. Used to derive PEP 700
// `versions` for HTML upstreams, and by policy (deny by version, "newest release" scan-ahead).
import { normalizeName } from './names.js';

// No path separators, no control characters, not "." or "..", at most 255 characters (a file
// name on every file system). Distribution names are far tamer than this; the check exists so
// that a hostile upstream cannot hand a path to the layers that name blobs and URLs by it.
const UNSAFE_FILENAME = /[/\\\u0000-\u001f\u007f]/;

/** Whether an upstream-listed file name may be offered at all (files failing this are dropped). */
export function safeFilename(filename: string): boolean {
  return filename.length > 0 && filename.length <= 255 && filename !== '.' && filename !== '..' && !UNSAFE_FILENAME.test(filename);
}

export function isWheel(filename: string): boolean {
  return filename.length > 4 && filename.slice(-4).toLowerCase() === '.whl';
}

// Longest first, so ".tar.gz" wins over ".gz".
const SDIST_EXTENSIONS = ['.tar.bz2', '.tar.gz', '.tar.xz', '.tar.zst', '.tar.z', '.tgz', '.tbz', '.txz', '.tar', '.zip'];

/** The sdist extension of `filename` (lowercased), or undefined. */
export function sdistExtension(filename: string): string | undefined {
  const lower = filename.toLowerCase();
  return SDIST_EXTENSIONS.find((ext) => lower.endsWith(ext) && lower.length > ext.length);
}

/**
 * The version a file name declares for `project`, as written (not PEP 440-normalized), or null
 * when the name does not follow a known convention.
 * - wheel (PEP 427 / binary distribution format): `{name}-{version}(-{build})?-{py}-{abi}-{plat}.whl`
 * - egg: `{name}-{version}(-{py}(-{plat})?)?.egg`
 * - sdist: `{name}-{version}.{ext}`; the name part may contain dashes ("python-dateutil-2.9.0.tar.gz"),
 *   so the version starts after the dash at which the prefix normalizes to the project's name.
 */
export function versionFromFilename(filename: string, project: string): string | null {
  const lower = filename.toLowerCase();
  if (isWheel(filename)) {
    const parts = filename.slice(0, -4).split('-');
    if (parts.length !== 5 && parts.length !== 6) return null;
    return parts[1] || null;
  }
  if (lower.endsWith('.egg')) {
    const parts = filename.slice(0, -4).split('-');
    return parts.length >= 2 && parts[1] ? parts[1] : null;
  }
  const ext = sdistExtension(filename);
  if (!ext) return null;
  const stem = filename.slice(0, filename.length - ext.length);
  const want = normalizeName(project);
  for (let dash = stem.indexOf('-'); dash > 0; dash = stem.indexOf('-', dash + 1)) {
    if (normalizeName(stem.slice(0, dash)) === want) {
      const version = stem.slice(dash + 1);
      return version.length > 0 ? version : null;
    }
  }
  // Old sdists sometimes spell the name differently from the project ("Foo.Bar" vs "foo_bar"
  // normalizes equal, handled above); anything else is not trusted.
  return null;
}
