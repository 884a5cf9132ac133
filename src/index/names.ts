// Project names: PEP 503 normalization and the PEP 508 name shape.

const SEPARATORS = /[-_.]+/g;

/** PEP 503: `re.sub(r"[-_.]+", "-", name).lower()`. Idempotent. */
export function normalizeName(name: string): string {
  return name.replace(SEPARATORS, '-').toLowerCase();
}

// PEP 508 (and the core-metadata "Name" field): ASCII letters and digits, with `.`, `_`, `-`
// allowed only inside. It already excludes `/`, `\`, `%`, whitespace and control characters,
// so an accepted name can never walk a path or smuggle an encoded slash upstream.
const PEP508_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** Longest name we accept; PyPI's longest real names are well under 100 characters. */
export const MAX_NAME_LENGTH = 200;

/**
 * Whether `raw` (already percent-decoded by the router) may be a project name. Checked before
 * anything is forwarded upstream, so hostile paths get a local 400/404.
 */
export function validProjectName(raw: string): boolean {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_NAME_LENGTH) return false;
  // `..` is legal in the PEP 508 grammar ("a..b") but is never a real name and looks like
  // traversal to every layer below us; refuse it outright.
  if (raw.includes('..')) return false;
  return PEP508_NAME.test(raw);
}
