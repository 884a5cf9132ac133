// One review item in full: the file, who asked for it, every finding with the code around it
// (read from the stored blob with the scanner's archive reader when the reviewer opens the item;
// bytes are only read, never run), the history of decisions and the upstream status.
import { readDistribution } from '../scan/archive/index.js';
import { resolveLimits } from '../scan/limits.js';
import type { Finding } from '../scan/types.js';
import type { FileRow } from '../store/metadata.js';
import type { ReviewApiDeps } from './api.js';
import { rankHeldFile } from './rank.js';
import { explainModel } from './explain.js';

const CONTEXT_LINES = 6;
const MAX_LINE_CHARS = 400;

export interface CodeContext {
  /** 1-based number of the first line in `lines`. */
  start: number;
  lines: string[];
  /** The finding's own line (1-based), highlighted by the page. */
  highlight: number;
}

export interface FindingDetail extends Finding {
  context?: CodeContext;
  /** Why no context could be shown (member not found, binary, too large). */
  contextNote?: string;
}

/**
 * What policy says about a held file now, with the reviewer's own words when a deny-list entry
 * refuses it (issue 14: deny-listed rows showed no reason at all).
 */
export async function policyNow(d: Pick<ReviewApiDeps, 'gate' | 'reviews'>, file: FileRow) {
  const peek = await d.gate.peek(file);
  const decision = peek.decision;
  let note: string | undefined;
  if (decision.source === 'denylist') {
    const entry = (await d.reviews.listEntries()).find(
      (e) => e.list === 'deny' && ((e.kind === 'sha256' && e.value === file.sha256) || (e.kind === 'projects' && e.value === file.project) || (e.kind === 'versions' && e.value === `${file.project}==${file.version}`)),
    );
    note = entry?.reason ?? undefined;
  }
  return { peek, policy: { ...decision, note } };
}

export async function itemDetail(d: ReviewApiDeps, reviewId: number) {
  let item = await d.reviews.item(reviewId);
  if (!item) return undefined;
  const file = (await d.store.getFile(item.sha256))!;
  const verdict = await d.store.latestVerdict(item.sha256);
  const findings = verdict ? await withContext(d, file, verdict.findings) : [];
  if (!(await d.reviews.extra(item.sha256)) && (await rankHeldFile(d.blobs, d.reviews, file, d.scanner))) item = (await d.reviews.item(reviewId))!;
  const extra = await d.reviews.extra(item.sha256);
  const { peek, policy } = await policyNow(d, file);
  return {
    ...item,
    file: {
      filename: file.filename,
      sha256: file.sha256,
      size: file.size,
      project: file.project,
      version: file.version,
      uploadTime: file.upload_time,
      upstreamUrl: file.upstream_url,
      // The named upstream whose page listed it (issue 12): private, public, or the hosted index.
      origin: file.upstream ?? 'default',
      firstSeen: new Date(file.first_seen).toISOString(),
      lastRequested: file.last_requested ? new Date(file.last_requested).toISOString() : null,
      requests: file.requests,
      stored: file.stored === 1,
    },
    verdict: verdict
      ? { verdict: verdict.verdict, score: verdict.score, scannerVersion: verdict.scanner_version, reason: verdict.reason, ms: verdict.ms, decidedAt: new Date(verdict.decided_at).toISOString() }
      : null,
    // The classifier's findings (rule "model-score") and, when the model file is present, its score
    // and top features for this file, computed now (occlusion, one batch).
    modelFindings: findings.filter((f) => f.rule.startsWith('model')),
    model: await explainModel(d.blobs, file, d.scanner),
    findings,
    cluster: extra ? { outlierRank: extra.outlier_rank, family: extra.family, familyDistance: extra.family_distance } : null,
    upstream: { projectStatus: (await d.store.projectStatus(file.project)) ?? 'active' },
    policy,
    // Known-malicious advisories that list this name and version, as imported (id, summary, references).
    advisories: (await Promise.all(peek.advisories.map((id) => d.advisories?.get(id)))).filter((a) => a !== undefined),
    askedBy: await d.reviews.askers(item.sha256),
    history: (await d.reviews.history(item.sha256, file.project)).map((h) => ({
      ...h,
      decided_at: new Date(h.decided_at).toISOString(),
      expires_at: h.expires_at ? new Date(h.expires_at).toISOString() : null,
    })),
    events: (await d.reviews.events(item.sha256)).map((e) => ({ ...e, at: new Date(e.at).toISOString(), detail: e.detail ? JSON.parse(e.detail) : null })),
  };
}

async function withContext(d: ReviewApiDeps, file: { sha256: string; filename: string; stored: number }, findings: Finding[]): Promise<FindingDetail[]> {
  const wanted = new Set(findings.filter((f) => f.path && f.line).map((f) => f.path));
  if (!wanted.size) return findings;
  if (!file.stored || (await d.blobs.size(file.sha256)) === null) {
    return findings.map((f) => ({ ...f, contextNote: 'the file is not in the blob store' }));
  }
  let members: Map<string, Buffer | undefined>;
  try {
    const dist = await readDistribution(d.blobs.path(file.sha256), {
      filename: file.filename,
      sha256: file.sha256,
      limits: resolveLimits(),
      wantsContent: (p) => wanted.has(p),
    });
    members = new Map(dist.members.filter((m) => wanted.has(m.path)).map((m) => [m.path, m.data]));
  } catch (err) {
    return findings.map((f) => ({ ...f, contextNote: `archive unreadable: ${(err as Error).message}` }));
  }
  const texts = new Map<string, string[] | null>();
  return findings.map((f) => {
    if (!f.path || !f.line) return f;
    if (!texts.has(f.path)) {
      const data = members.get(f.path);
      texts.set(f.path, data && !data.subarray(0, 8000).includes(0) ? data.toString('utf8').split(/\r?\n/) : null);
    }
    const lines = texts.get(f.path);
    if (!lines) return { ...f, contextNote: members.has(f.path) ? 'binary or too large to show' : 'member not found in the archive' };
    if (f.line > lines.length) return { ...f, contextNote: `line ${f.line} is past the end of ${f.path} (decoded content?)` };
    const start = Math.max(1, f.line - CONTEXT_LINES);
    const end = Math.min(lines.length, f.line + CONTEXT_LINES);
    return {
      ...f,
      context: { start, highlight: f.line, lines: lines.slice(start - 1, end).map((l) => (l.length > MAX_LINE_CHARS ? l.slice(0, MAX_LINE_CHARS) + ' …' : l)) },
    };
  });
}
