// What every rule receives: the distribution read once, each Python file parsed once.
import type { Distribution, ArchiveMember } from '../archive/types.js';
import type { Finding, Severity } from '../types.js';
import type { PyView, CallSite } from './python.js';
import type { Location } from './location.js';
import type { PackageMeta } from './metadata.js';

export interface PyFile {
  /** Member path in the archive; decoded payloads get `<path>#decoded@<line>`. */
  path: string;
  /** Path without the sdist's top folder. */
  inner: string;
  location: Location;
  view: PyView;
  source: string;
  /** Set when this "file" is code decoded from a literal of another file. */
  decodedFrom?: { path: string; line: number; layers: string[] };
  /** Names of functions that run when the file's trigger fires (module level, cmdclass, callees). */
  eager: Set<string>;
  /** Runs with no caller: install or start-up code, the top package's __init__, and what they import, transitively. */
  reached?: boolean;
}

/** Code that runs only when a caller calls it (or imports its subpackage): nothing that runs unasked imports it. */
export function calledOnly(f: PyFile): boolean {
  return !f.reached;
}

export interface TextFile {
  path: string;
  inner: string;
  text: string;
}

export interface RuleContext {
  dist: Distribution;
  py: PyFile[];
  /** Non-Python members kept as text (.pth, setup.cfg, pyproject.toml, METADATA, scripts...). */
  texts: TextFile[];
  meta: PackageMeta;
  /** Wheel tag(s) (`py3-none-any`, `cp311-cp311-linux_x86_64`), empty for sdists. */
  wheelTags: string[];
  /** Normalized names of popular projects (PEP 503 normalization), for typosquatting. */
  topProjects: ReadonlySet<string>;
  /** Popular project names in rank order (for the nearest-name search). */
  topList: readonly string[];
  members: ArchiveMember[];
  /** Code put where a scanner would not look (src/scan/rules/hidden-code.ts). */
  hiding: HidingFacts;
}

export interface HidingFacts {
  /** A data member (`.dat`, `.txt`, ...) that `file` hands to exec/eval/compile. */
  dataExec: { file: PyFile; line: number; member: string }[];
  /** Python files that run unasked and are far larger than code usually is (parsed anyway). */
  oversized: { path: string; location: Location; size: number }[];
  /** Python files too large to keep for analysis (never read). */
  omitted: { path: string; inner: string; size: number; location: Location }[];
}

export interface Rule {
  id: string;
  /** One line: why the rule exists and why it is scoped as it is. */
  why: string;
  /** How it grades: what makes it critical/high/medium/low. */
  severities: string;
  check(ctx: RuleContext): Finding[];
}

/** The file's code runs by itself: on install (setup.py, build hooks), at start-up (.pth, sitecustomize) or on import. */
export function runsUnasked(f: PyFile): boolean {
  return f.location === 'install' || f.location === 'startup' || f.location === 'import';
}

/** A call runs when its file's trigger fires (module level, or a function reachable from there). */
export function isEager(f: PyFile, c: CallSite): boolean {
  return c.fn === undefined || f.eager.has(c.fn);
}

export function finding(rule: string, severity: Severity, f: { path: string } | string, line: number | undefined, snippet: string | undefined, message: string): Finding {
  const path = typeof f === 'string' ? f : f.path;
  const out: Finding = { rule, severity, path, message };
  if (line !== undefined) out.line = line;
  if (snippet) out.snippet = snippet.replace(/\s+/g, ' ').slice(0, 200);
  return out;
}

/** The source line (trimmed, shortened) for a finding's snippet. */
export function lineOf(f: PyFile, line: number): string {
  if (f.decodedFrom) return `[decoded ${f.decodedFrom.layers.join('+')}] ` + (f.source.split('\n')[line - 1] ?? '').trim().slice(0, 160);
  let start = 0;
  for (let i = 1; i < line && start >= 0; i++) start = f.source.indexOf('\n', start) + 1;
  if (start < 0) return '';
  const end = f.source.indexOf('\n', start);
  return f.source.slice(start, end < 0 ? undefined : end).trim().slice(0, 200);
}

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

export function bump(s: Severity, by: number): Severity {
  const order: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
  return order[Math.max(0, Math.min(4, SEVERITY_RANK[s] + by))];
}
