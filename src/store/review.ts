// The review store: the queue of held files, reviewers' decisions, waivers, allow/deny lists held in
// SQLite, per-rule modes, tokens and the audit log. Statements prepared once (STYLE.md habit 7).
// Every state change writes an append-only `decisions` row in the same transaction.
import type { DB } from './db.js';
import type { Lists } from '../config.js';
import type { Finding, Verdict } from '../scan/types.js';
import type { ReviewState } from './metadata.js';

export type Role = 'download' | 'upload' | 'reader' | 'reviewer' | 'admin';
export type ListName = 'allow' | 'deny';
export type ListKind = keyof Lists;
export type RuleMode = 'enforce' | 'monitor';
export type QueueOrder = 'score' | 'outlier' | 'newest' | 'requested';

/** Review states that mean "held": what the queue shows unless asked otherwise. */
export const HELD_STATES: ReviewState[] = ['quarantined', 'blocked', 'error'];
export const ALL_STATES: ReviewState[] = ['quarantined', 'blocked', 'error', 'released', 'confirmed'];

export interface QueueFilter {
  states?: ReviewState[];
  project?: string;
  rule?: string;
  /** Epoch ms bounds on the review item's creation time. */
  since?: number;
  until?: number;
  order?: QueueOrder;
  limit?: number;
  offset?: number;
}

export interface QueueItem {
  id: string;
  reviewId: number;
  sha256: string;
  state: ReviewState;
  filename: string;
  project: string;
  version: string | null;
  uploadTime: string | null;
  createdAt: string;
  updatedAt: string;
  requests: number;
  verdict: Verdict | null;
  score: number | null;
  scannerVersion: string | null;
  rules: string[];
  outlierRank: number | null;
  family: string | null;
}

export interface DecisionRow {
  id: number;
  sha256: string | null;
  project: string | null;
  version: string | null;
  action: string;
  actor: string;
  reason: string | null;
  previous: string | null;
  expires_at: number | null;
  decided_at: number;
}

export interface EventRow {
  id: number;
  at: number;
  kind: string;
  sha256: string | null;
  filename: string | null;
  client: string | null;
  user_agent: string | null;
  request_id: string | null;
  detail: string | null;
  /** How many refusals this row stands for (coalesced within auditCoalesceSeconds), and the last one's time and request id. */
  count: number;
  last_at: number | null;
  last_request_id: string | null;
  client_request_id: string | null;
}

export interface WaiverRow {
  id: number;
  project: string;
  version: string | null;
  sha256: string | null;
  expires_at: number;
  justification: string;
  actor: string;
  created_at: number;
  revoked_at: number | null;
}

export interface ListEntryRow {
  id: number;
  list: ListName;
  kind: ListKind;
  value: string;
  reason: string | null;
  actor: string;
  created_at: number;
}

export interface TokenRow {
  id: number;
  name: string;
  role: Role;
  hash: string;
  created_at: number;
  last_used: number | null;
  revoked_at: number | null;
  expires_at: number | null;
}

export interface DecisionInput {
  sha256?: string | null;
  project?: string | null;
  version?: string | null;
  action: string;
  actor: string;
  reason?: string | null;
  previous?: string | null;
  expiresAt?: number | null;
}

/** What policy needs from the database, cached until something changes (policy runs per request). */
export interface PolicyExtras {
  allow: Lists;
  deny: Lists;
  waivers: { project: string; version: string | null; sha256: string | null; expiresAt: number }[];
  monitoredRules: string[];
}

export interface DayCount {
  day: string;
  scanned: number;
  held: number;
  released: number;
  blocked: number;
}

const ORDER_SQL: Record<QueueOrder, string> = {
  score: 'v.score DESC, r.updated_at DESC',
  // Files the cluster analysis has not ranked go last, then by score.
  outlier: 'x.outlier_rank IS NULL, x.outlier_rank DESC, v.score DESC',
  newest: 'r.created_at DESC, r.id DESC',
  requested: 'f.requests DESC, r.updated_at DESC',
};

const LATEST_VERDICT = `(SELECT rowid FROM verdicts WHERE sha256 = r.sha256 ORDER BY decided_at DESC, rowid DESC LIMIT 1)`;

export class ReviewStore {
  private readonly s;
  private extras: PolicyExtras | null = null;

  constructor(readonly db: DB) {
    this.s = {
      reviewById: db.prepare(`SELECT * FROM reviews WHERE id = ?`),
      setState: db.prepare(`UPDATE reviews SET state = ?, updated_at = ? WHERE id = ?`),
      decision: db.prepare(
        `INSERT INTO decisions (sha256, project, version, action, actor, reason, previous, expires_at, decided_at)
         VALUES (@sha256, @project, @version, @action, @actor, @reason, @previous, @expiresAt, @now)`,
      ),
      decisionsFor: db.prepare(`SELECT * FROM decisions WHERE sha256 = ? OR (sha256 IS NULL AND project = ?) ORDER BY id`),
      eventsFor: db.prepare(`SELECT * FROM events WHERE sha256 = ? ORDER BY id DESC LIMIT 200`),
      askers: db.prepare(
        `SELECT client, user_agent, sum(count) AS n, max(coalesce(last_at, at)) AS last FROM events
         WHERE sha256 = ? AND kind IN ('refused','would-refuse') GROUP BY client, user_agent ORDER BY n DESC LIMIT 20`,
      ),
      extra: db.prepare(`SELECT outlier_rank, family, family_distance FROM review_extra WHERE sha256 = ?`),
      putExtra: db.prepare(
        `INSERT OR REPLACE INTO review_extra (sha256, outlier_rank, family, family_distance) VALUES (?, ?, ?, ?)`,
      ),
      waivers: db.prepare(`SELECT * FROM waivers WHERE revoked_at IS NULL ORDER BY id`),
      waiver: db.prepare(`SELECT * FROM waivers WHERE id = ?`),
      addWaiver: db.prepare(
        `INSERT INTO waivers (project, version, sha256, expires_at, justification, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      revokeWaiver: db.prepare(`UPDATE waivers SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`),
      listEntries: db.prepare(`SELECT * FROM list_entries ORDER BY list, kind, value`),
      listEntry: db.prepare(`SELECT * FROM list_entries WHERE id = ?`),
      addListEntry: db.prepare(
        `INSERT INTO list_entries (list, kind, value, reason, actor, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(list, kind, value) DO NOTHING`,
      ),
      findListEntry: db.prepare(`SELECT * FROM list_entries WHERE list = ? AND kind = ? AND value = ?`),
      removeListEntry: db.prepare(`DELETE FROM list_entries WHERE id = ?`),
      ruleModes: db.prepare(`SELECT * FROM rule_modes ORDER BY rule`),
      ruleMode: db.prepare(`SELECT mode FROM rule_modes WHERE rule = ?`).pluck(),
      setRuleMode: db.prepare(
        `INSERT INTO rule_modes (rule, mode, actor, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(rule) DO UPDATE SET mode = excluded.mode, actor = excluded.actor, updated_at = excluded.updated_at`,
      ),
      tokenByHash: db.prepare(`SELECT * FROM tokens WHERE hash = ? AND revoked_at IS NULL`),
      addToken: db.prepare(`INSERT INTO tokens (name, role, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
      tokens: db.prepare(`SELECT id, name, role, created_at, last_used, revoked_at, expires_at FROM tokens ORDER BY id`),
      revokeToken: db.prepare(`UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`),
      touchToken: db.prepare(`UPDATE tokens SET last_used = ? WHERE id = ?`),
      queueDepth: db.prepare(`SELECT state, count(*) AS n FROM reviews GROUP BY state`),
      decisionsPage: db.prepare(`SELECT * FROM decisions WHERE id > ? AND decided_at >= ? ORDER BY id LIMIT ?`),
      eventsPage: db.prepare(`SELECT * FROM events WHERE id > ? AND at >= ? ORDER BY id LIMIT ?`),
      scannedPerDay: db.prepare(
        `SELECT date(decided_at / 1000, 'unixepoch') AS day, count(DISTINCT sha256) AS n FROM verdicts WHERE decided_at >= ? GROUP BY day`,
      ),
      heldPerDay: db.prepare(
        `SELECT date(created_at / 1000, 'unixepoch') AS day, count(*) AS n FROM reviews WHERE created_at >= ? GROUP BY day`,
      ),
      actionsPerDay: db.prepare(
        `SELECT date(decided_at / 1000, 'unixepoch') AS day, action, count(*) AS n FROM decisions
         WHERE decided_at >= ? AND action IN ('release','confirm','waive','revoke') GROUP BY day, action`,
      ),
      filesOfProjectStatus: db.prepare(
        `SELECT f.sha256, f.project, f.version, r.state FROM files f JOIN projects p ON p.name = f.project
         LEFT JOIN reviews r ON r.sha256 = f.sha256 WHERE p.status = ?`,
      ),
    };
  }

  // ---- queue and items ----

  queue(q: QueueFilter = {}): { items: QueueItem[]; total: number } {
    const where: string[] = [];
    const args: unknown[] = [];
    const states = q.states?.length ? q.states : HELD_STATES;
    where.push(`r.state IN (${states.map(() => '?').join(',')})`);
    args.push(...states);
    if (q.project) {
      where.push('f.project = ?');
      args.push(q.project);
    }
    if (q.rule) {
      where.push(`EXISTS (SELECT 1 FROM json_each(v.findings) j WHERE json_extract(j.value, '$.rule') = ?)`);
      args.push(q.rule);
    }
    if (q.since !== undefined) {
      where.push('r.created_at >= ?');
      args.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('r.created_at < ?');
      args.push(q.until);
    }
    const from = `FROM reviews r JOIN files f ON f.sha256 = r.sha256
      LEFT JOIN verdicts v ON v.rowid = ${LATEST_VERDICT}
      LEFT JOIN review_extra x ON x.sha256 = r.sha256
      WHERE ${where.join(' AND ')}`;
    // Filters vary per request; these two statements are cached by SQLite's own statement cache
    // only per text, so the number of distinct texts stays small (a few optional clauses).
    const total = this.db.prepare(`SELECT count(*) ${from}`).pluck().get(...args) as number;
    const rows = this.db
      .prepare(
        `SELECT r.id, r.sha256, r.state, r.created_at, r.updated_at, f.filename, f.project, f.version, f.upload_time, f.requests,
                v.verdict, v.score, v.scanner_version, v.findings, x.outlier_rank, x.family
         ${from} ORDER BY ${ORDER_SQL[q.order ?? 'score']} LIMIT ? OFFSET ?`,
      )
      .all(...args, Math.min(Math.max(q.limit ?? 50, 1), 500), Math.max(q.offset ?? 0, 0)) as Record<string, unknown>[];
    return { items: rows.map(toQueueItem), total };
  }

  item(reviewId: number): QueueItem | undefined {
    const row = this.db
      .prepare(
        `SELECT r.id, r.sha256, r.state, r.created_at, r.updated_at, f.filename, f.project, f.version, f.upload_time, f.requests,
                v.verdict, v.score, v.scanner_version, v.findings, x.outlier_rank, x.family
         FROM reviews r JOIN files f ON f.sha256 = r.sha256
         LEFT JOIN verdicts v ON v.rowid = ${LATEST_VERDICT}
         LEFT JOIN review_extra x ON x.sha256 = r.sha256 WHERE r.id = ?`,
      )
      .get(reviewId) as Record<string, unknown> | undefined;
    return row ? toQueueItem(row) : undefined;
  }

  reviewRow(reviewId: number): { id: number; sha256: string; state: ReviewState } | undefined {
    return this.s.reviewById.get(reviewId) as { id: number; sha256: string; state: ReviewState } | undefined;
  }

  history(sha256: string, project: string): DecisionRow[] {
    return this.s.decisionsFor.all(sha256, project) as DecisionRow[];
  }

  events(sha256: string): EventRow[] {
    return this.s.eventsFor.all(sha256) as EventRow[];
  }

  askers(sha256: string): { client: string | null; userAgent: string | null; count: number; last: string }[] {
    return (this.s.askers.all(sha256) as { client: string | null; user_agent: string | null; n: number; last: number }[]).map((r) => ({
      client: r.client,
      userAgent: r.user_agent,
      count: r.n,
      last: new Date(r.last).toISOString(),
    }));
  }

  extra(sha256: string): { outlier_rank: number | null; family: string | null; family_distance: number | null } | undefined {
    return this.s.extra.get(sha256) as { outlier_rank: number | null; family: string | null; family_distance: number | null } | undefined;
  }

  putExtra(sha256: string, outlierRank: number | null, family: string | null, familyDistance: number | null): void {
    this.s.putExtra.run(sha256, outlierRank, family, familyDistance);
  }

  /** Moves a review item to a new state and records who did it and why, in one transaction. */
  setState(reviewId: number, state: ReviewState | 'cleared', d: Omit<DecisionInput, 'previous'>): { previous: string } {
    return this.db.transaction(() => {
      const row = this.reviewRow(reviewId);
      if (!row) throw new Error(`no review item ${reviewId}`);
      this.s.setState.run(state, Date.now(), reviewId);
      this.decide({ ...d, previous: row.state });
      return { previous: row.state };
    })();
  }

  decide(d: DecisionInput): void {
    this.s.decision.run({
      sha256: d.sha256 ?? null,
      project: d.project ?? null,
      version: d.version ?? null,
      action: d.action,
      actor: d.actor,
      reason: d.reason ?? null,
      previous: d.previous ?? null,
      expiresAt: d.expiresAt ?? null,
      now: Date.now(),
    });
  }

  // ---- waivers ----

  waivers(includeExpired = false, now = Date.now()): WaiverRow[] {
    const all = this.s.waivers.all() as WaiverRow[];
    return includeExpired ? all : all.filter((w) => w.expires_at > now);
  }

  waiver(id: number): WaiverRow | undefined {
    return this.s.waiver.get(id) as WaiverRow | undefined;
  }

  addWaiver(w: { project: string; version: string | null; sha256: string | null; expiresAt: number; justification: string; actor: string }): WaiverRow {
    return this.db.transaction(() => {
      const id = Number(this.s.addWaiver.run(w.project, w.version, w.sha256, w.expiresAt, w.justification, w.actor, Date.now()).lastInsertRowid);
      this.decide({ sha256: w.sha256, project: w.project, version: w.version, action: 'waive', actor: w.actor, reason: w.justification, expiresAt: w.expiresAt, previous: null });
      this.extras = null;
      return this.waiver(id)!;
    })();
  }

  revokeWaiver(id: number, actor: string, reason: string | null): WaiverRow | undefined {
    return this.db.transaction(() => {
      const w = this.waiver(id);
      if (!w || w.revoked_at !== null) return undefined;
      this.s.revokeWaiver.run(Date.now(), id);
      this.decide({ sha256: w.sha256, project: w.project, version: w.version, action: 'unwaive', actor, reason, previous: `waiver ${id}` });
      this.extras = null;
      return this.waiver(id);
    })();
  }

  // ---- allow and deny lists ----

  listEntries(): ListEntryRow[] {
    return this.s.listEntries.all() as ListEntryRow[];
  }

  addListEntry(list: ListName, kind: ListKind, value: string, reason: string | null, actor: string): { entry: ListEntryRow; created: boolean } {
    return this.db.transaction(() => {
      const created = this.s.addListEntry.run(list, kind, value, reason, actor, Date.now()).changes === 1;
      const entry = this.s.findListEntry.get(list, kind, value) as ListEntryRow;
      if (created) {
        this.decide({ ...listSubject(kind, value), action: `${list}-add`, actor, reason, previous: null });
        this.extras = null;
      }
      return { entry, created };
    })();
  }

  removeListEntry(id: number, actor: string, reason: string | null): ListEntryRow | undefined {
    return this.db.transaction(() => {
      const e = this.s.listEntry.get(id) as ListEntryRow | undefined;
      if (!e) return undefined;
      this.s.removeListEntry.run(id);
      this.decide({ ...listSubject(e.kind, e.value), action: `${e.list}-remove`, actor, reason, previous: `${e.list} ${e.kind} ${e.value}` });
      this.extras = null;
      return e;
    })();
  }

  // ---- rule modes ----

  ruleModes(): { rule: string; mode: RuleMode; actor: string; updated_at: number }[] {
    return this.s.ruleModes.all() as { rule: string; mode: RuleMode; actor: string; updated_at: number }[];
  }

  setRuleMode(rule: string, mode: RuleMode, actor: string, reason: string | null): { previous: RuleMode } {
    return this.db.transaction(() => {
      const previous = ((this.s.ruleMode.get(rule) as RuleMode | undefined) ?? 'enforce') as RuleMode;
      this.s.setRuleMode.run(rule, mode, actor, Date.now());
      this.decide({ action: `rule-${mode}`, actor, reason: reason ?? `rule ${rule}`, previous: `rule ${rule}: ${previous}` });
      this.extras = null;
      return { previous };
    })();
  }

  /** DB-held lists, live waivers and monitored rules; cached until one of them changes. */
  policyExtras(): PolicyExtras {
    if (this.extras) return this.extras;
    const allow: Lists = { projects: [], versions: [], sha256: [] };
    const deny: Lists = { projects: [], versions: [], sha256: [] };
    for (const e of this.listEntries()) (e.list === 'allow' ? allow : deny)[e.kind].push(e.value);
    this.extras = {
      allow,
      deny,
      // Expiry is checked by policy at decision time, so the cache may hold expired waivers.
      waivers: this.waivers(true).map((w) => ({ project: w.project, version: w.version, sha256: w.sha256, expiresAt: w.expires_at })),
      monitoredRules: this.ruleModes().filter((r) => r.mode === 'monitor').map((r) => r.rule),
    };
    return this.extras;
  }

  // ---- tokens ----

  tokenByHash(hash: string): TokenRow | undefined {
    return this.s.tokenByHash.get(hash) as TokenRow | undefined;
  }

  touchToken(id: number): void {
    this.s.touchToken.run(Date.now(), id);
  }

  addToken(name: string, role: Role, hash: string, actor: string, expiresAt: number | null = null): number {
    return this.db.transaction(() => {
      const id = Number(this.s.addToken.run(name, role, hash, Date.now(), expiresAt).lastInsertRowid);
      const until = expiresAt === null ? '' : `, expires ${new Date(expiresAt).toISOString()}`;
      this.decide({ action: 'token-create', actor, reason: `token ${id} "${name}" (${role}${until})`, previous: null });
      return id;
    })();
  }

  tokens(): Omit<TokenRow, 'hash'>[] {
    return this.s.tokens.all() as Omit<TokenRow, 'hash'>[];
  }

  revokeToken(id: number, actor: string): boolean {
    return this.db.transaction(() => {
      const ok = this.s.revokeToken.run(Date.now(), id).changes === 1;
      if (ok) this.decide({ action: 'token-revoke', actor, reason: `token ${id}`, previous: null });
      return ok;
    })();
  }

  // ---- audit, overview, metrics ----

  decisionsPage(afterId: number, since: number, limit: number): DecisionRow[] {
    return this.s.decisionsPage.all(afterId, since, limit) as DecisionRow[];
  }

  eventsPage(afterId: number, since: number, limit: number): EventRow[] {
    return this.s.eventsPage.all(afterId, since, limit) as EventRow[];
  }

  queueDepth(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.s.queueDepth.all() as { state: string; n: number }[]) out[r.state] = r.n;
    return out;
  }

  /** Files scanned, held, released and blocked per UTC day over the last `days` days. */
  overview(days: number, now = Date.now()): DayCount[] {
    const start = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate()) - (days - 1) * 86_400_000;
    const out = new Map<string, DayCount>();
    for (let t = start; t <= now; t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10);
      out.set(day, { day, scanned: 0, held: 0, released: 0, blocked: 0 });
    }
    for (const r of this.s.scannedPerDay.all(start) as { day: string; n: number }[]) if (out.has(r.day)) out.get(r.day)!.scanned = r.n;
    for (const r of this.s.heldPerDay.all(start) as { day: string; n: number }[]) if (out.has(r.day)) out.get(r.day)!.held = r.n;
    for (const r of this.s.actionsPerDay.all(start) as { day: string; action: string; n: number }[]) {
      const d = out.get(r.day);
      if (!d) continue;
      if (r.action === 'release' || r.action === 'waive') d.released += r.n;
      else d.blocked += r.n;
    }
    return [...out.values()];
  }

  filesOfProjectsWithStatus(status: string): { sha256: string; project: string; version: string | null; state: ReviewState | null }[] {
    return this.s.filesOfProjectStatus.all(status) as { sha256: string; project: string; version: string | null; state: ReviewState | null }[];
  }
}

function listSubject(kind: ListKind, value: string): { sha256?: string; project?: string; version?: string } {
  if (kind === 'sha256') return { sha256: value };
  if (kind === 'projects') return { project: value };
  const [project, version] = value.split('==');
  return { project, version };
}

function toQueueItem(r: Record<string, unknown>): QueueItem {
  const findings = r.findings ? (JSON.parse(r.findings as string) as Finding[]) : [];
  return {
    id: `Q-${r.id}`,
    reviewId: r.id as number,
    sha256: r.sha256 as string,
    state: r.state as ReviewState,
    filename: r.filename as string,
    project: r.project as string,
    version: (r.version as string | null) ?? null,
    uploadTime: (r.upload_time as string | null) ?? null,
    createdAt: new Date(r.created_at as number).toISOString(),
    updatedAt: new Date(r.updated_at as number).toISOString(),
    requests: r.requests as number,
    verdict: (r.verdict as Verdict | null) ?? null,
    score: (r.score as number | null) ?? null,
    scannerVersion: (r.scanner_version as string | null) ?? null,
    rules: [...new Set(findings.map((f) => f.rule))],
    outlierRank: (r.outlier_rank as number | null) ?? null,
    family: (r.family as string | null) ?? null,
  };
}
