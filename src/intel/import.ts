// Imports OSV documents into the advisory store, then re-decides the files already recorded in the
// projects that changed, so a file cached as clean yesterday is refused (and its review item opened)
// now, and a withdrawn advisory's files are settled again. Used by `pywarden intel import` and by
// the serving process's scheduled feed.
import type { AppDeps } from '../app.js';
import { redecide } from '../commands/rescan.js';
import type { AdvisoryStore } from '../store/advisories.js';
import type { Loaded } from './load.js';
import { parseOsv, type Advisory } from './osv.js';

export interface ImportCounts {
  added: number;
  updated: number;
  withdrawn: number;
  /** Not newer than the stored copy. */
  unchanged: number;
  skippedNonPypi: number;
  skippedNotMalicious: number;
  invalid: number;
  /** Recorded files of the changed projects whose decision was applied again, and how many of them are refused now. */
  redecided: number;
  refused: number;
}

export interface ImportResult {
  counts: ImportCounts;
  /** The first invalid documents, with why (for the operator). */
  problems: { where: string; reason: string }[];
  projects: Set<string>;
}

const BATCH = 500;
const MAX_PROBLEMS = 20;

/** Parses and stores every document; nothing else. */
export async function importDocuments(docs: AsyncIterable<Loaded>, advisories: AdvisoryStore, source: string): Promise<ImportResult> {
  const counts: ImportCounts = { added: 0, updated: 0, withdrawn: 0, unchanged: 0, skippedNonPypi: 0, skippedNotMalicious: 0, invalid: 0, redecided: 0, refused: 0 };
  const problems: ImportResult['problems'] = [];
  const projects = new Set<string>();
  let batch: Advisory[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const r = await advisories.applyBatch(batch, source);
    for (const o of r.outcomes) counts[o]++;
    for (const p of r.projects) projects.add(p);
    batch = [];
  };
  const invalid = (where: string, reason: string) => {
    counts.invalid++;
    if (problems.length < MAX_PROBLEMS) problems.push({ where, reason });
  };
  for await (const d of docs) {
    if ('error' in d) {
      invalid(d.where, d.error);
      continue;
    }
    const p = parseOsv(d.doc);
    if (p.kind === 'invalid') invalid(d.where, p.id ? `${p.id}: ${p.reason}` : p.reason);
    else if (p.kind === 'non-pypi') counts.skippedNonPypi++;
    else if (p.kind === 'not-malicious') counts.skippedNotMalicious++;
    else {
      batch.push(p.advisory);
      if (batch.length >= BATCH) await flush();
    }
  }
  await flush();
  return { counts, problems, projects };
}

/**
 * Re-decides the recorded files of the given projects that an advisory lists now, or that are held
 * as blocked (an advisory may have been withdrawn). Files never fetched are decided when asked for.
 */
export async function redecideProjects(d: AppDeps, projects: Iterable<string>, actor: string): Promise<{ redecided: number; refused: number }> {
  let redecided = 0;
  let refused = 0;
  for (const project of projects) {
    for (const [sha256, state] of await d.store.projectStates(project)) {
      const file = (await d.store.getFile(sha256))!;
      if (!file.stored && !state.review) continue;
      const { advisories } = await d.gate.peek(file);
      if (!advisories.length && state.review !== 'blocked') continue;
      const reason = advisories.length ? `listed by ${advisories.join(', ')}` : 'no advisory lists it now';
      await redecide(d, file, actor, reason, 'intel');
      redecided++;
      if ((await d.gate.peek(file)).decision.action !== 'allow') refused++;
    }
    d.renderer.invalidate(project);
  }
  return { redecided, refused };
}

/** Import, re-decide, and leave one audit row saying what was imported from where. */
export async function importAndRedecide(d: AppDeps & { advisories: AdvisoryStore }, docs: AsyncIterable<Loaded>, source: string, actor: string): Promise<ImportResult> {
  const result = await importDocuments(docs, d.advisories, source);
  const r = await redecideProjects(d, result.projects, actor);
  result.counts.redecided = r.redecided;
  result.counts.refused = r.refused;
  const c = result.counts;
  await d.reviews?.decide({ action: 'intel-import', actor, reason: `${source}: ${summarize(c)}`, previous: null });
  return result;
}

export function summarize(c: ImportCounts): string {
  return (
    `added ${c.added}, updated ${c.updated}, withdrawn ${c.withdrawn}, unchanged ${c.unchanged}, ` +
    `skipped non-PyPI ${c.skippedNonPypi}, skipped not malicious ${c.skippedNotMalicious}, invalid ${c.invalid}; ` +
    `${c.redecided} recorded files re-decided, ${c.refused} of them refused`
  );
}
