// OSV records (https://ossf.github.io/osv-schema/) of malicious PyPI packages: parsed into what
// policy needs, and the schema's `IsVulnerable` evaluation for one name and version. Pure.
//
// Only malicious-package records are kept. osv.dev's PyPI export (all.zip) also holds every
// PYSEC and GHSA *vulnerability* record; refusing those would refuse most versions of django or
// requests. A record counts as malicious when its id or one of its aliases is an OpenSSF
// malicious-packages id (MAL-...), or it carries that project's `malicious-packages-origins`.
import { normalizeName, validProjectName } from '../index/index.js';
import { compareVersions, parseVersion } from './pep440.js';

export type RangeEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

export interface AffectedPackage {
  /** PEP 503 normalized. */
  project: string;
  versions: string[];
  /** ECOSYSTEM (and SEMVER) ranges, each its events in the record's order. */
  ranges: RangeEvent[][];
}

export interface Advisory {
  id: string;
  /** RFC 3339 as in the record, and as epoch ms for "newer than". */
  modified: string;
  modifiedMs: number;
  /** Set when the record is withdrawn: it no longer refuses anything. */
  withdrawn: string | null;
  summary: string;
  details: string;
  aliases: string[];
  references: { type: string; url: string }[];
  packages: AffectedPackage[];
}

export type Parsed =
  | { kind: 'advisory'; advisory: Advisory }
  | { kind: 'non-pypi'; id: string }
  | { kind: 'not-malicious'; id: string }
  | { kind: 'invalid'; id?: string; reason: string };

// Bounds on what one record may store (a hostile feed must not fill the database).
const MAX_SUMMARY = 500;
const MAX_DETAILS = 8_000;
const MAX_LIST = 50;
const MAX_VERSIONS = 20_000;
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');

export function parseOsv(doc: unknown): Parsed {
  if (!isObj(doc)) return { kind: 'invalid', reason: 'not a JSON object' };
  const id = doc.id;
  if (typeof id !== 'string' || !ID_RE.test(id)) return { kind: 'invalid', reason: 'missing or malformed "id"' };
  const modifiedMs = typeof doc.modified === 'string' ? Date.parse(doc.modified) : NaN;
  if (!Number.isFinite(modifiedMs)) return { kind: 'invalid', id, reason: 'missing or malformed "modified"' };
  const withdrawnMs = typeof doc.withdrawn === 'string' ? Date.parse(doc.withdrawn) : NaN;
  if (doc.withdrawn !== undefined && doc.withdrawn !== null && !Number.isFinite(withdrawnMs)) return { kind: 'invalid', id, reason: 'malformed "withdrawn"' };
  if (doc.affected !== undefined && !Array.isArray(doc.affected)) return { kind: 'invalid', id, reason: '"affected" is not a list' };
  const aliases = Array.isArray(doc.aliases) ? doc.aliases.filter((a): a is string => typeof a === 'string' && ID_RE.test(a)).slice(0, MAX_LIST) : [];

  const affected = (doc.affected ?? []) as unknown[];
  const pypi = affected.filter((a) => isObj(a) && isObj(a.package) && a.package.ecosystem === 'PyPI');
  if (affected.length > 0 && pypi.length === 0) return { kind: 'non-pypi', id };
  const malicious =
    id.startsWith('MAL-') || aliases.some((a) => a.startsWith('MAL-')) || (isObj(doc.database_specific) && 'malicious-packages-origins' in doc.database_specific);
  if (!malicious) return { kind: 'not-malicious', id };

  const packages: AffectedPackage[] = [];
  for (const a of pypi as Record<string, unknown>[]) {
    const name = (a.package as Record<string, unknown>).name;
    if (typeof name !== 'string' || !validProjectName(name)) return { kind: 'invalid', id, reason: `not a PyPI project name: ${JSON.stringify(name)?.slice(0, 80)}` };
    if (a.versions !== undefined && (!Array.isArray(a.versions) || a.versions.some((v) => typeof v !== 'string'))) return { kind: 'invalid', id, reason: '"versions" is not a list of strings' };
    const versions = ((a.versions ?? []) as string[]).slice(0, MAX_VERSIONS);
    const ranges: RangeEvent[][] = [];
    if (a.ranges !== undefined && !Array.isArray(a.ranges)) return { kind: 'invalid', id, reason: '"ranges" is not a list' };
    for (const r of (a.ranges ?? []) as unknown[]) {
      if (!isObj(r) || !Array.isArray(r.events)) return { kind: 'invalid', id, reason: 'a range without "events"' };
      // GIT ranges need the repository's history; PyPI versions are ECOSYSTEM (PEP 440) ones.
      if (r.type !== 'ECOSYSTEM' && r.type !== 'SEMVER') continue;
      const events: RangeEvent[] = [];
      for (const e of r.events as unknown[]) {
        const keys = isObj(e) ? Object.keys(e).filter((k) => k === 'introduced' || k === 'fixed' || k === 'last_affected' || k === 'limit') : [];
        if (keys.length !== 1 || typeof (e as Record<string, unknown>)[keys[0]] !== 'string') return { kind: 'invalid', id, reason: 'a range event must hold exactly one of introduced, fixed, last_affected, limit' };
        events.push({ [keys[0]]: (e as Record<string, string>)[keys[0]] } as RangeEvent);
      }
      if (!events.some((e) => 'introduced' in e)) return { kind: 'invalid', id, reason: 'a range without an "introduced" event' };
      ranges.push(events);
    }
    packages.push({ project: normalizeName(name), versions, ranges });
  }
  const withdrawn = Number.isFinite(withdrawnMs) ? (doc.withdrawn as string) : null;
  if (!withdrawn && !packages.some((p) => p.versions.length || p.ranges.length)) return { kind: 'invalid', id, reason: 'no PyPI versions or ranges' };
  const references = Array.isArray(doc.references)
    ? doc.references
        .filter((r): r is { type: unknown; url: string } => isObj(r) && typeof r.url === 'string' && /^https?:\/\//i.test(r.url))
        .slice(0, MAX_LIST)
        .map((r) => ({ type: str(r.type, 20), url: r.url.slice(0, 500) }))
    : [];
  return {
    kind: 'advisory',
    advisory: {
      id,
      modified: doc.modified as string,
      modifiedMs,
      withdrawn,
      summary: str(doc.summary, MAX_SUMMARY),
      details: str(doc.details, MAX_DETAILS),
      aliases,
      references,
      packages: withdrawn ? [] : packages,
    },
  };
}

/**
 * The schema's IsVulnerable for one package entry. A version that is not PEP 440 (or a file whose
 * version is unknown) cannot be placed in a range: it is affected by any range that has one
 * (fail closed; PyPI has refused non-PEP 440 versions since 2023), and by exact list entries as text.
 */
export function affects(pkg: AffectedPackage, version: string | null): boolean {
  const v = version === null ? null : parseVersion(version);
  for (const listed of pkg.versions) {
    if (listed === version) return true;
    if (v) {
      const p = parseVersion(listed);
      if (p && compareVersions(p, v) === 0) return true;
    }
  }
  for (const events of pkg.ranges) {
    if (!v) return true;
    if (inRange(events, v)) return true;
  }
  return false;
}

function inRange(events: RangeEvent[], v: NonNullable<ReturnType<typeof parseVersion>>): boolean {
  const at = (s: string) => (s === '0' ? -1 : compareAt(s, v));
  const limits = events.filter((e): e is { limit: string } => 'limit' in e);
  // BeforeLimits: no limit means an implicit "*"; an unparseable limit is treated as "*".
  if (limits.length && !limits.some((e) => e.limit.includes('*') || at(e.limit) > 0)) return false;
  const sorted = events
    .filter((e) => !('limit' in e))
    .map((e) => ({ e, key: eventVersion(e) }))
    .sort((a, b) => orderOf(a.key, b.key));
  let vulnerable = false;
  for (const { e } of sorted) {
    if ('introduced' in e) {
      if (at(e.introduced) <= 0) vulnerable = true;
    } else if ('fixed' in e) {
      if (at(e.fixed) <= 0) vulnerable = false;
    } else if ('last_affected' in e) {
      if (at(e.last_affected) < 0) vulnerable = false;
    }
  }
  return vulnerable;
}

const eventVersion = (e: RangeEvent): string => Object.values(e)[0] as string;

/** Event version `s` compared with v: negative when s < v. An unparseable bound never matches. */
function compareAt(s: string, v: NonNullable<ReturnType<typeof parseVersion>>): number {
  const p = parseVersion(s);
  return p ? compareVersions(p, v) : Infinity;
}

function orderOf(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '0') return -1;
  if (b === '0') return 1;
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (pa && pb) return compareVersions(pa, pb);
  return pa ? -1 : pb ? 1 : 0;
}
