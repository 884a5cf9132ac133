// The review API under /-/api/: routes translate HTTP to and from the review store and nothing
// more (STYLE.md habit 5). Reads need the reader role, decisions on files the reviewer role,
// lists / rule modes / tokens the admin role. No state changes through GET.
import type { Context, Hono } from 'hono';
import { stream } from 'hono/streaming';
import type { MetadataStore, ReviewState } from '../store/metadata.js';
import type { BlobStore } from '../store/blobs.js';
import type { Scanner } from '../scan/types.js';
import type { PageRenderer } from '../pages/render.js';
import type { Gate } from '../gate/gate.js';
import type { Logger } from '../log.js';
import type { AdvisoryStore } from '../store/advisories.js';
import { ALL_STATES, type ListKind, type ListName, type QueueOrder, type ReviewStore, type RuleMode } from '../store/review.js';
import { requireRole, principal } from '../auth/middleware.js';
import { createToken, EXPIRY_HELP, isRole, parseExpiry, ROLES } from '../auth/tokens.js';
import { HttpError } from '../server/problem.js';
import { itemDetail, policyNow } from './item.js';

export interface ReviewApiDeps {
  reviews: ReviewStore;
  store: MetadataStore;
  blobs: BlobStore;
  scanner: Scanner;
  renderer: PageRenderer;
  gate: Gate;
  log: Logger;
  advisories?: AdvisoryStore;
}

const SHA_RE = /^[0-9a-f]{64}$/;
const ORDERS: QueueOrder[] = ['score', 'outlier', 'newest', 'requested'];
const normName = (s: string) => s.replace(/[-_.]+/g, '-').toLowerCase();

export function mountReviewApi(app: Hono, d: ReviewApiDeps): void {
  const reader = requireRole(d.reviews.tokens, 'reader');
  const reviewer = requireRole(d.reviews.tokens, 'reviewer');
  const admin = requireRole(d.reviews.tokens, 'admin');
  const api = '/-/api';

  // Nothing under /-/api/ may be cached by a browser or a shared proxy.
  app.use(`${api}/*`, async function noStore(c, next) {
    await next();
    c.res.headers.set('cache-control', 'no-store');
  });

  app.get(`${api}/whoami`, reader, (c) => c.json(principal(c)));

  app.get(`${api}/queue`, reader, async (c) => {
    const q = c.req.query();
    const states = q.state ? q.state.split(',') : undefined;
    if (states?.some((s) => !(ALL_STATES as string[]).includes(s) && s !== 'cleared')) bad(`state must be among ${ALL_STATES.join(', ')}, cleared`);
    if (q.order && !ORDERS.includes(q.order as QueueOrder)) bad(`order must be one of ${ORDERS.join(', ')}`);
    const result = await d.reviews.queue({
      states: states as ReviewState[] | undefined,
      project: q.project ? normName(q.project) : undefined,
      rule: q.rule || undefined,
      since: q.since ? time(q.since, 'since') : undefined,
      until: q.until ? time(q.until, 'until') : undefined,
      order: (q.order as QueueOrder | undefined) ?? 'score',
      limit: q.limit ? int(q.limit, 'limit') : undefined,
      offset: q.offset ? int(q.offset, 'offset') : undefined,
    });
    // Policy per row, so a file held by a list or an advisory (no rule fired) still says why.
    const items = await Promise.all(
      result.items.map(async (it) => {
        const file = await d.store.getFile(it.sha256);
        return file ? { ...it, policy: (await policyNow(d, file)).policy } : it;
      }),
    );
    return c.json({ ...result, items });
  });

  app.get(`${api}/items/:id`, reader, async (c) => {
    const id = reviewId(c.req.param('id'));
    const detail = await itemDetail(d, id);
    if (!detail) throw new HttpError(404, 'no-such-item', 'Not Found', `no review item Q-${id}`);
    return c.json(detail);
  });

  // ---- decisions on one held file ----

  app.post(`${api}/items/:id/release`, reviewer, async (c) => transition(c, 'released', 'release'));
  app.post(`${api}/items/:id/confirm`, reviewer, async (c) => transition(c, 'confirmed', 'confirm'));

  async function transition(c: Context, to: ReviewState, action: string): Promise<Response> {
    const id = reviewId(c.req.param('id'));
    const body = await jsonBody(c);
    const reason = text(body.reason, 'reason', true)!;
    const item = await d.reviews.item(id);
    if (!item) throw new HttpError(404, 'no-such-item', 'Not Found', `no review item Q-${id}`);
    if (item.state === to) throw new HttpError(409, 'already-' + to, 'Conflict', `Q-${id} is already ${to}`);
    const who = principal(c);
    const { previous } = await d.reviews.setState(id, to, { sha256: item.sha256, project: item.project, version: item.version, action, actor: who.name, reason });
    d.renderer.invalidate(item.project);
    d.log.info('review decision', { reviewId: item.id, action, actor: who.name, previous, filename: item.filename });
    return c.json({ item: await d.reviews.item(id), previous });
  }

  app.post(`${api}/items/:id/rescan`, reviewer, async (c) => {
    const id = reviewId(c.req.param('id'));
    const item = await d.reviews.item(id);
    if (!item) throw new HttpError(404, 'no-such-item', 'Not Found', `no review item Q-${id}`);
    const file = (await d.store.getFile(item.sha256))!;
    if (!file.stored || (await d.blobs.size(file.sha256)) === null) {
      throw new HttpError(409, 'not-stored', 'Conflict', `${file.filename} is not in the blob store; it is fetched again when a client asks for it`);
    }
    const result = await d.scanner.scan({ path: d.blobs.path(file.sha256), filename: file.filename, sha256: file.sha256, project: file.project });
    await d.store.putVerdict(file.sha256, result);
    const who = principal(c);
    const outcome = await settleAfterRescan(d, id, who.name, `${item.verdict ?? 'none'} (${item.scannerVersion ?? '-'}) -> ${result.verdict} (${result.scannerVersion})`);
    d.renderer.invalidate(file.project);
    return c.json({ item: await d.reviews.item(id), verdict: result.verdict, score: result.score, findings: result.findings.length, state: outcome });
  });

  // ---- waivers ----

  app.get(`${api}/waivers`, reader, async (c) => c.json({ waivers: (await d.reviews.waivers(c.req.query('all') === '1')).map(times) }));

  app.post(`${api}/waivers`, reviewer, async (c) => {
    const body = await jsonBody(c);
    let project = text(body.project, 'project', false);
    let version = text(body.version, 'version', false) ?? null;
    const sha256 = text(body.sha256, 'sha256', false)?.toLowerCase() ?? null;
    if (sha256 && !SHA_RE.test(sha256)) bad('sha256 must be 64 hex digits');
    if (sha256) {
      // A waiver by sha256 needs no project: take it from the file (and refuse a mismatch).
      const f = await d.store.getFile(sha256);
      if (!f) throw new HttpError(404, 'not-listed', 'Not Found', `no listed file has sha256 ${sha256}`);
      if (project && normName(project) !== f.project) bad(`sha256 ${sha256} belongs to ${f.project}, not ${project}`);
      project = f.project;
      version ??= f.version;
    }
    if (!project) bad('a waiver needs a project (and optionally a version or a sha256)');
    const justification = text(body.justification, 'justification', true)!;
    const expiresAt = expiry(body);
    const w = await d.reviews.addWaiver({ project: normName(project!), version, sha256, expiresAt, justification, actor: principal(c).name });
    d.renderer.invalidate(w.project);
    // Downloads check the expiry on every request; the rendered listing is re-rendered when it passes.
    invalidateAt(d.renderer, w.project, expiresAt);
    return c.json({ waiver: times(w) }, 201);
  });

  const revokeWaiver = async (c: Context) => {
    const body = c.req.method === 'DELETE' ? {} : await jsonBody(c);
    const w = await d.reviews.revokeWaiver(int(c.req.param('id')!, 'id'), principal(c).name, text(body.reason, 'reason', false) ?? null);
    if (!w) throw new HttpError(404, 'no-such-waiver', 'Not Found', 'no live waiver with that id');
    d.renderer.invalidate(w.project);
    return c.json({ waiver: times(w) });
  };
  app.post(`${api}/waivers/:id/revoke`, reviewer, revokeWaiver);
  app.delete(`${api}/waivers/:id`, reviewer, revokeWaiver);

  // ---- allow and deny lists (the config file's entries are shown read-only) ----

  app.get(`${api}/lists`, reader, async (c) => c.json({ entries: (await d.reviews.listEntries()).map(times) }));

  app.post(`${api}/lists`, admin, async (c) => {
    const body = await jsonBody(c);
    const list = body.list as ListName;
    const kind = body.kind as ListKind;
    if (list !== 'allow' && list !== 'deny') bad('list must be "allow" or "deny"');
    if (kind !== 'projects' && kind !== 'versions' && kind !== 'sha256') bad('kind must be "projects", "versions" or "sha256"');
    const value = listValue(kind, text(body.value, 'value', true)!);
    const { entry, created } = await d.reviews.addListEntry(list, kind, value, text(body.reason, 'reason', false) ?? null, principal(c).name);
    await invalidateFor(kind, value);
    return c.json({ entry: times(entry) }, created ? 201 : 200);
  });

  app.delete(`${api}/lists/:id`, admin, async (c) => {
    const e = await d.reviews.removeListEntry(int(c.req.param('id'), 'id'), principal(c).name, c.req.query('reason') ?? null);
    if (!e) throw new HttpError(404, 'no-such-entry', 'Not Found', 'no list entry with that id');
    await invalidateFor(e.kind, e.value);
    return c.json({ removed: times(e) });
  });

  async function invalidateFor(kind: ListKind, value: string): Promise<void> {
    if (kind === 'projects') d.renderer.invalidate(value);
    else if (kind === 'versions') d.renderer.invalidate(value.split('==')[0]);
    else {
      const f = await d.store.getFile(value);
      if (f) d.renderer.invalidate(f.project);
    }
  }

  // ---- per-rule policy mode ----

  app.get(`${api}/rules`, reader, async (c) => c.json({ rules: (await d.reviews.ruleModes()).map(times) }));

  app.put(`${api}/rules/:rule`, admin, async (c) => {
    const rule = c.req.param('rule');
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(rule)) bad('rule ids are letters, digits, ".", "_" and "-"');
    const body = await jsonBody(c);
    const mode = body.mode as RuleMode;
    if (mode !== 'enforce' && mode !== 'monitor') bad('mode must be "enforce" or "monitor"');
    const { previous } = await d.reviews.setRuleMode(rule, mode, principal(c).name, text(body.reason, 'reason', false) ?? null);
    // Which projects a rule touches is not indexed: re-render every page.
    d.renderer.invalidateAll();
    return c.json({ rule, mode, previous });
  });

  // ---- audit ----

  app.get(`${api}/audit/decisions`, reader, async (c) => {
    const { after, since, limit } = pageArgs(c);
    return c.json({ decisions: (await d.reviews.decisionsPage(after, since, limit)).map(times) });
  });

  app.get(`${api}/audit/events`, reader, async (c) => {
    const { after, since, limit } = pageArgs(c);
    return c.json({ events: (await d.reviews.eventsPage(after, since, limit)).map((e) => times({ ...e, detail: e.detail ? JSON.parse(e.detail) : null })) });
  });

  // JSON lines, one record a line, decisions then events, read in pages so memory stays flat.
  app.get(`${api}/audit/export`, reader, (c) => {
    const since = c.req.query('since') ? time(c.req.query('since')!, 'since') : 0;
    c.header('content-type', 'application/x-ndjson');
    c.header('content-disposition', 'attachment; filename="pywarden-audit.jsonl"');
    return stream(c, async (s) => {
      for (const log of ['decisions', 'events'] as const) {
        let after = 0;
        for (;;) {
          const rows = log === 'decisions' ? await d.reviews.decisionsPage(after, since, 1000) : await d.reviews.eventsPage(after, since, 1000);
          if (!rows.length) break;
          let chunk = '';
          for (const r of rows) {
            const at = 'decided_at' in r ? r.decided_at : r.at;
            const rec = 'detail' in r ? { ...r, detail: r.detail ? JSON.parse(r.detail) : null } : r;
            chunk += JSON.stringify({ log, ...times(rec), time: new Date(at).toISOString() }) + '\n';
          }
          await s.write(chunk);
          after = rows[rows.length - 1].id;
        }
      }
    });
  });

  app.get(`${api}/overview`, reader, async (c) => {
    const days = c.req.query('days') ? int(c.req.query('days')!, 'days') : 14;
    if (days < 1 || days > 366) bad('days must be between 1 and 366');
    return c.json({ days: await d.reviews.overview(days), queue: await d.reviews.queueDepth() });
  });

  // ---- tokens ----

  app.get(`${api}/tokens`, admin, async (c) => c.json({ tokens: (await d.reviews.tokens.list()).map(times) }));

  app.post(`${api}/tokens`, admin, async (c) => {
    const body = await jsonBody(c);
    const name = text(body.name, 'name', true)!;
    if (!isRole(body.role)) bad(`role must be one of ${ROLES.join(', ')}`);
    let expiresAt: number | null = null;
    if (body.expires !== undefined && body.expires !== null) {
      expiresAt = typeof body.expires === 'string' ? parseExpiry(body.expires) : null;
      if (expiresAt === null) bad(`expires must be ${EXPIRY_HELP}`);
    }
    const { id, token } = await createToken(d.reviews.tokens, name, body.role, principal(c).name, expiresAt);
    const expires_at = expiresAt === null ? null : new Date(expiresAt).toISOString();
    return c.json({ id, name, role: body.role, expires_at, token, note: 'shown once; only its hash is stored' }, 201);
  });

  app.delete(`${api}/tokens/:id`, admin, async (c) => {
    if (!(await d.reviews.tokens.revoke(int(c.req.param('id'), 'id'), principal(c).name))) {
      throw new HttpError(404, 'no-such-token', 'Not Found', 'no live token with that id');
    }
    return c.json({ revoked: true });
  });
}

/** Invalidates a project's rendered page at `at` (re-armed past setTimeout's 24.8-day limit; unref'd). */
function invalidateAt(renderer: PageRenderer, project: string, at: number): void {
  const wait = at - Date.now();
  if (wait <= 0) return renderer.invalidate(project);
  setTimeout(() => invalidateAt(renderer, project, at), Math.min(wait + 10, 2 ** 31 - 1)).unref();
}

/** After a new verdict: clean → the item is cleared; held → back to the held state; human decisions stay. */
export async function settleAfterRescan(d: Pick<ReviewApiDeps, 'reviews' | 'store' | 'gate'>, reviewId: number, actor: string, reason: string, action = 'rescan'): Promise<ReviewState> {
  const row = (await d.reviews.reviewRow(reviewId))!;
  const file = (await d.store.getFile(row.sha256))!;
  if (row.state === 'released' || row.state === 'confirmed') {
    await d.reviews.decide({ sha256: file.sha256, project: file.project, version: file.version, action, actor, reason, previous: row.state });
    return row.state;
  }
  const { decision } = await d.gate.peek(file);
  const verdict = (await d.store.latestVerdict(file.sha256))?.verdict;
  const next: ReviewState =
    decision.action === 'allow' ? 'cleared' : verdict === 'error' && decision.source === 'verdict' ? 'error' : decision.action === 'block' ? 'blocked' : 'quarantined';
  await d.reviews.setState(reviewId, next, { sha256: file.sha256, project: file.project, version: file.version, action, actor, reason });
  return next;
}

/** Epoch-millisecond columns (`at`, `*_at`, `last_used`) as ISO 8601 strings in every JSON answer. */
function times(row: object): Record<string, unknown> {
  const out = { ...row } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) {
    if (typeof v === 'number' && (k === 'at' || k === 'last_used' || k.endsWith('_at'))) out[k] = new Date(v).toISOString();
  }
  return out;
}

function bad(detail: string): never {
  throw new HttpError(400, 'bad-request', 'Bad Request', detail);
}

function reviewId(raw: string | undefined): number {
  const m = /^(?:Q-)?(\d{1,12})$/i.exec(raw ?? '');
  if (!m) bad('a review id looks like Q-12');
  return Number(m![1]);
}

function int(raw: string | undefined, name: string): number {
  if (!raw || !/^\d{1,12}$/.test(raw)) bad(`${name} must be a non-negative integer`);
  return Number(raw);
}

/** An ISO date/time or epoch milliseconds. */
function time(raw: string, name: string): number {
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(t)) bad(`${name} must be an ISO date or epoch milliseconds`);
  return t;
}

function text(v: unknown, name: string, required: boolean): string | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) bad(`"${name}" is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.length > 2000) bad(`"${name}" must be a string of at most 2000 characters`);
  return (v as string).trim();
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    // Also closes the "simple request" door: a cross-site form cannot send application/json without a preflight.
    throw new HttpError(415, 'unsupported-media-type', 'Unsupported Media Type', 'send a JSON body with Content-Type: application/json');
  }
  try {
    const body = (await c.req.json()) as unknown;
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  bad('the body must be a JSON object');
}

function expiry(body: Record<string, unknown>): number {
  const now = Date.now();
  let t: number;
  if (typeof body.expiresAt === 'string') t = Date.parse(body.expiresAt);
  else if (typeof body.days === 'number') t = now + body.days * 86_400_000;
  else bad('a waiver needs "expiresAt" (ISO time) or "days"');
  if (!Number.isFinite(t!) || t! <= now) bad('the expiry must be in the future');
  if (t! > now + 366 * 86_400_000) bad('a waiver lasts at most a year');
  return t!;
}

function listValue(kind: ListKind, raw: string): string {
  if (kind === 'sha256') {
    if (!SHA_RE.test(raw.toLowerCase())) bad('a sha256 entry is 64 hex digits');
    return raw.toLowerCase();
  }
  if (kind === 'versions') {
    const m = /^\s*([A-Za-z0-9._-]+)\s*==\s*(\S+)\s*$/.exec(raw);
    if (!m) bad('a versions entry looks like "project==1.2.3"');
    return `${normName(m![1])}==${m![2]}`;
  }
  if (!/^[A-Za-z0-9._-]+$/.test(raw)) bad('a project name is letters, digits, ".", "_" and "-"');
  return normName(raw);
}

function pageArgs(c: Context): { after: number; since: number; limit: number } {
  const q = c.req.query();
  return {
    after: q.after ? int(q.after, 'after') : 0,
    since: q.since ? time(q.since, 'since') : 0,
    limit: Math.min(q.limit ? int(q.limit, 'limit') : 100, 1000),
  };
}
