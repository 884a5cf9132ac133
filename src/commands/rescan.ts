// pywarden rescan [--data DIR] [--config FILE] [--refresh-status]
// Re-evaluates the cache after the scanner changed: every stored file whose latest verdict came
// from another scanner version is scanned again and its review item settled (clean → cleared,
// held → back in the queue). Human decisions stand: a released file stays released (policy still
// refuses it if its sha256 is denied) and a confirmed block stays blocked. Files of projects that
// upstream marks quarantined (PEP 792) are revoked: their items become blocked.
import { parseArgs } from 'node:util';
import { commandConfig } from './command-config.js';
import { buildDeps } from '../main.js';
import { settleAfterRescan } from '../review/index.js';
import type { AppDeps } from '../app.js';
import type { FileRow, ReviewState } from '../store/metadata.js';

const usage = `usage: pywarden rescan [--data DIR] [--config FILE] [--refresh-status] [--upstream URL|FOLDER]

  --refresh-status   fetch each cached project's page from upstream first, to learn
                     PEP 792 statuses (quarantined projects' files are revoked)`;

export interface RescanSummary {
  scannerVersion: string;
  stored: number;
  rescanned: number;
  changed: number;
  cleared: number;
  held: number;
  revoked: number;
  keptReleased: number;
  refreshed: number;
}

export async function rescanAll(d: AppDeps, opts: { refreshStatus?: boolean; actor?: string } = {}): Promise<RescanSummary> {
  const actor = opts.actor ?? 'rescan';
  const reviews = d.reviews!;
  const sum: RescanSummary = { scannerVersion: d.scanner.version, stored: 0, rescanned: 0, changed: 0, cleared: 0, held: 0, revoked: 0, keptReleased: 0, refreshed: 0 };

  if (opts.refreshStatus) {
    for (const p of await d.store.storedProjects()) {
      try {
        await d.pages.project(p);
        sum.refreshed++;
      } catch (err) {
        d.log.warn('rescan: could not refresh the project page', { project: p, reason: (err as Error).message });
      }
    }
  }

  // PEP 792: upstream quarantined the project (PyPI does this to malware). Revoke its files first, so
  // the rescan below does not count them as ordinary holds.
  for (const f of await reviews.filesOfProjectsWithStatus('quarantined')) {
    if (f.state === 'blocked' || f.state === 'confirmed') continue;
    if (f.state === 'released') {
      // A human released it; policy still refuses it while upstream quarantines the project.
      sum.keptReleased++;
      continue;
    }
    await d.store.holdForReview(f.sha256, 'blocked');
    await reviews.decide({ sha256: f.sha256, project: f.project, version: f.version, action: 'revoke', actor, reason: 'project quarantined upstream (PEP 792)', previous: f.state });
    sum.revoked++;
    d.renderer.invalidate(f.project);
  }

  const files = await d.store.storedWithLatestVerdict();
  sum.stored = files.length;
  for (const row of files) {
    if (row.version === d.scanner.version) continue;
    const file = (await d.store.getFile(row.sha256))!;
    if ((await d.blobs.size(file.sha256)) === null) continue;
    const result = await d.scanner.scan({ path: d.blobs.path(file.sha256), filename: file.filename, sha256: file.sha256, project: file.project });
    await d.store.putVerdict(file.sha256, result);
    sum.rescanned++;
    if (result.verdict !== row.verdict) sum.changed++;
    const reason = `${row.verdict ?? 'none'} (${row.version ?? '-'}) -> ${result.verdict} (${result.scannerVersion})`;
    const state = await redecide(d, file, actor, reason);
    if (state === 'cleared') sum.cleared++;
    else if (state === 'released') sum.keptReleased++;
    else if (state !== 'allowed') sum.held++;
    d.renderer.invalidate(file.project);
  }

  return sum;
}

/**
 * Applies policy again to one file whose verdict or policy inputs (an advisory) changed: its review
 * item is settled (human decisions stand), or, without one, the gate opens one if policy now refuses
 * the file. Pass stored files or files with an item: the gate fetches nothing for those.
 */
export async function redecide(d: AppDeps, file: FileRow, actor: string, reason: string, action = 'rescan'): Promise<ReviewState | 'allowed' | 'held'> {
  const review = await d.store.getReview(file.sha256);
  if (review) return settleAfterRescan({ reviews: d.reviews!, store: d.store, gate: d.gate }, review.id, actor, reason, action);
  const r = await d.gate.ensure(file.sha256);
  if (r.decision.action === 'allow') return 'allowed';
  await d.reviews!.decide({ sha256: file.sha256, project: file.project, version: file.version, action, actor, reason, previous: null });
  return 'held';
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { data: { type: 'string' }, config: { type: 'string' }, upstream: { type: 'string' }, 'refresh-status': { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
    });
  } catch (err) {
    process.stderr.write(`pywarden rescan: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const flags: Record<string, unknown> = { scanAhead: false };
  if (parsed.values.data) flags.data = parsed.values.data;
  if (parsed.values.upstream) flags.upstream = parsed.values.upstream;
  const config = commandConfig('rescan', flags, parsed.values.config);
  if (config === 2) return 2;
  const deps = await buildDeps(config);
  try {
    const sum = await rescanAll(deps, { refreshStatus: parsed.values['refresh-status'] });
    process.stdout.write(JSON.stringify(sum) + '\n');
    return 0;
  } finally {
    await deps.scanner.close?.();
    await deps.upstream.close?.();
    await deps.webhook?.idle();
    await deps.store.close();
  }
}
