// The review store: the queue of held files, reviewers' decisions, waivers, allow/deny lists held in
// the database, per-rule modes and the audit log (tokens: src/store/tokens.ts).
// Every state change writes an append-only `decisions` row in the same transaction.
import type { Sql, SqlDb } from './sql.js';
import type { Lists } from '../config.js';
import type { Finding, Verdict } from '../scan/types.js';
import type { ReviewState } from './metadata.js';

import { TokenStore } from './tokens.js';
export type { Role, TokenRow } from './tokens.js';
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

/** The item's latest verdict: verdicts are keyed by (sha256, scanner_version). */
const LATEST_VERDICT = `v.sha256 = r.sha256 AND v.scanner_version = (SELECT scanner_version FROM verdicts WHERE sha256 = r.sha256 ORDER BY decided_at DESC, seq DESC LIMIT 1)`;

const ITEM_COLUMNS = `SELECT r.id, r.sha256, r.state, r.created_at, r.updated_at, f.filename, f.project, f.version, f.upload_time, f.requests,
    v.verdict, v.score, v.scanner_version, v.findings, x.outlier_rank, x.family`;

const SQL = {
  reviewById: `SELECT * FROM reviews WHERE id = ?`,
  setState: `UPDATE reviews SET state = ?, updated_at = ? WHERE id = ?`,
  decision: `INSERT INTO decisions (sha256, project, version, action, actor, reason, previous, expires_at, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  decisionsFor: `SELECT * FROM decisions WHERE sha256 = ? OR (sha256 IS NULL AND project = ?) ORDER BY id`,
  eventsFor: `SELECT * FROM events WHERE sha256 = ? ORDER BY id DESC LIMIT 200`,
  askers: `SELECT client, user_agent, sum(count) AS n, max(coalesce(last_at, at)) AS last FROM events
    WHERE sha256 = ? AND kind IN ('refused','would-refuse') GROUP BY client, user_agent ORDER BY n DESC LIMIT 20`,
  extra: `SELECT outlier_rank, family, family_distance FROM review_extra WHERE sha256 = ?`,
  putExtra: `INSERT INTO review_extra (sha256, outlier_rank, family, family_distance) VALUES (?, ?, ?, ?)
    ON CONFLICT(sha256) DO UPDATE SET outlier_rank = excluded.outlier_rank, family = excluded.family, family_distance = excluded.family_distance`,
  waivers: `SELECT * FROM waivers WHERE revoked_at IS NULL ORDER BY id`,
  waiver: `SELECT * FROM waivers WHERE id = ?`,
  addWaiver: `INSERT INTO waivers (project, version, sha256, expires_at, justification, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  revokeWaiver: `UPDATE waivers SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`,
  listEntries: `SELECT * FROM list_entries ORDER BY list, kind, value`,
  listEntry: `SELECT * FROM list_entries WHERE id = ?`,
  addListEntry: `INSERT INTO list_entries (list, kind, value, reason, actor, created_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT(list, kind, value) DO NOTHING`,
  findListEntry: `SELECT * FROM list_entries WHERE list = ? AND kind = ? AND value = ?`,
  removeListEntry: `DELETE FROM list_entries WHERE id = ?`,
  ruleModes: `SELECT * FROM rule_modes ORDER BY rule`,
  ruleMode: `SELECT mode FROM rule_modes WHERE rule = ?`,
  setRuleMode: `INSERT INTO rule_modes (rule, mode, actor, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT(rule) DO UPDATE SET mode = excluded.mode, actor = excluded.actor, updated_at = excluded.updated_at`,
  queueDepth: `SELECT state, count(*) AS n FROM reviews GROUP BY state`,
  decisionsPage: `SELECT * FROM decisions WHERE id > ? AND decided_at >= ? ORDER BY id LIMIT ?`,
  eventsPage: `SELECT * FROM events WHERE id > ? AND at >= ? ORDER BY id LIMIT ?`,
  filesOfProjectStatus: `SELECT f.sha256, f.project, f.version, r.state FROM files f JOIN projects p ON p.name = f.project
    LEFT JOIN reviews r ON r.sha256 = f.sha256 WHERE p.status = ?`,
};

export class ReviewStore {
  private extras: PolicyExtras | null = null;
  readonly tokens: TokenStore;

  constructor(private readonly db: SqlDb) {
    this.tokens = new TokenStore(db, this);
  }

  // ---- queue and items ----

  async queue(q: QueueFilter = {}): Promise<{ items: QueueItem[]; total: number }> {
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
      where.push(this.db.dialect.findingHasRule('v.findings'));
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
      LEFT JOIN verdicts v ON ${LATEST_VERDICT}
      LEFT JOIN review_extra x ON x.sha256 = r.sha256
      WHERE ${where.join(' AND ')}`;
    // Filters vary per request; the number of distinct statement texts stays small (a few optional clauses).
    const total = (await this.db.get<{ n: number }>(`SELECT count(*) AS n ${from}`, args))!.n;
    const rows = await this.db.all<Record<string, unknown>>(`${ITEM_COLUMNS} ${from} ORDER BY ${ORDER_SQL[q.order ?? 'score']} LIMIT ? OFFSET ?`, [
      ...args,
      Math.min(Math.max(q.limit ?? 50, 1), 500),
      Math.max(q.offset ?? 0, 0),
    ]);
    return { items: rows.map(toQueueItem), total };
  }

  async item(reviewId: number): Promise<QueueItem | undefined> {
    const row = await this.db.get<Record<string, unknown>>(
      `${ITEM_COLUMNS} FROM reviews r JOIN files f ON f.sha256 = r.sha256
       LEFT JOIN verdicts v ON ${LATEST_VERDICT}
       LEFT JOIN review_extra x ON x.sha256 = r.sha256 WHERE r.id = ?`,
      [reviewId],
    );
    return row ? toQueueItem(row) : undefined;
  }

  reviewRow(reviewId: number, q: Sql = this.db): Promise<{ id: number; sha256: string; state: ReviewState } | undefined> {
    return q.get(SQL.reviewById, [reviewId]);
  }

  history(sha256: string, project: string): Promise<DecisionRow[]> {
    return this.db.all(SQL.decisionsFor, [sha256, project]);
  }

  events(sha256: string): Promise<EventRow[]> {
    return this.db.all(SQL.eventsFor, [sha256]);
  }

  async askers(sha256: string): Promise<{ client: string | null; userAgent: string | null; count: number; last: string }[]> {
    return (await this.db.all<{ client: string | null; user_agent: string | null; n: number; last: number }>(SQL.askers, [sha256])).map((r) => ({
      client: r.client,
      userAgent: r.user_agent,
      count: r.n,
      last: new Date(r.last).toISOString(),
    }));
  }

  extra(sha256: string): Promise<{ outlier_rank: number | null; family: string | null; family_distance: number | null } | undefined> {
    return this.db.get(SQL.extra, [sha256]);
  }

  async putExtra(sha256: string, outlierRank: number | null, family: string | null, familyDistance: number | null): Promise<void> {
    await this.db.run(SQL.putExtra, [sha256, outlierRank, family, familyDistance]);
  }

  /** Moves a review item to a new state and records who did it and why, in one transaction. */
  setState(reviewId: number, state: ReviewState | 'cleared', d: Omit<DecisionInput, 'previous'>): Promise<{ previous: string }> {
    return this.db.tx(async (q) => {
      const row = await this.reviewRow(reviewId, q);
      if (!row) throw new Error(`no review item ${reviewId}`);
      await q.run(SQL.setState, [state, Date.now(), reviewId]);
      await this.decide({ ...d, previous: row.state }, q);
      return { previous: row.state };
    });
  }

  async decide(d: DecisionInput, q: Sql = this.db): Promise<void> {
    await q.run(SQL.decision, [d.sha256 ?? null, d.project ?? null, d.version ?? null, d.action, d.actor, d.reason ?? null, d.previous ?? null, d.expiresAt ?? null, Date.now()]);
  }

  // ---- waivers ----

  async waivers(includeExpired = false, now = Date.now()): Promise<WaiverRow[]> {
    const all = await this.db.all<WaiverRow>(SQL.waivers);
    return includeExpired ? all : all.filter((w) => w.expires_at > now);
  }

  waiver(id: number, q: Sql = this.db): Promise<WaiverRow | undefined> {
    return q.get(SQL.waiver, [id]);
  }

  addWaiver(w: { project: string; version: string | null; sha256: string | null; expiresAt: number; justification: string; actor: string }): Promise<WaiverRow> {
    return this.db.tx(async (q) => {
      const { id } = (await q.get<{ id: number }>(SQL.addWaiver, [w.project, w.version, w.sha256, w.expiresAt, w.justification, w.actor, Date.now()]))!;
      await this.decide({ sha256: w.sha256, project: w.project, version: w.version, action: 'waive', actor: w.actor, reason: w.justification, expiresAt: w.expiresAt, previous: null }, q);
      this.extras = null;
      return (await this.waiver(id, q))!;
    });
  }

  revokeWaiver(id: number, actor: string, reason: string | null): Promise<WaiverRow | undefined> {
    return this.db.tx(async (q) => {
      const w = await this.waiver(id, q);
      if (!w || w.revoked_at !== null) return undefined;
      await q.run(SQL.revokeWaiver, [Date.now(), id]);
      await this.decide({ sha256: w.sha256, project: w.project, version: w.version, action: 'unwaive', actor, reason, previous: `waiver ${id}` }, q);
      this.extras = null;
      return this.waiver(id, q);
    });
  }

  // ---- allow and deny lists ----

  listEntries(): Promise<ListEntryRow[]> {
    return this.db.all(SQL.listEntries);
  }

  addListEntry(list: ListName, kind: ListKind, value: string, reason: string | null, actor: string): Promise<{ entry: ListEntryRow; created: boolean }> {
    return this.db.tx(async (q) => {
      const created = (await q.run(SQL.addListEntry, [list, kind, value, reason, actor, Date.now()])).changes === 1;
      const entry = (await q.get<ListEntryRow>(SQL.findListEntry, [list, kind, value]))!;
      if (created) {
        await this.decide({ ...listSubject(kind, value), action: `${list}-add`, actor, reason, previous: null }, q);
        this.extras = null;
      }
      return { entry, created };
    });
  }

  removeListEntry(id: number, actor: string, reason: string | null): Promise<ListEntryRow | undefined> {
    return this.db.tx(async (q) => {
      const e = await q.get<ListEntryRow>(SQL.listEntry, [id]);
      if (!e) return undefined;
      await q.run(SQL.removeListEntry, [id]);
      await this.decide({ ...listSubject(e.kind, e.value), action: `${e.list}-remove`, actor, reason, previous: `${e.list} ${e.kind} ${e.value}` }, q);
      this.extras = null;
      return e;
    });
  }

  // ---- rule modes ----

  ruleModes(): Promise<{ rule: string; mode: RuleMode; actor: string; updated_at: number }[]> {
    return this.db.all(SQL.ruleModes);
  }

  setRuleMode(rule: string, mode: RuleMode, actor: string, reason: string | null): Promise<{ previous: RuleMode }> {
    return this.db.tx(async (q) => {
      const previous = (await q.get<{ mode: RuleMode }>(SQL.ruleMode, [rule]))?.mode ?? 'enforce';
      await q.run(SQL.setRuleMode, [rule, mode, actor, Date.now()]);
      await this.decide({ action: `rule-${mode}`, actor, reason: reason ?? `rule ${rule}`, previous: `rule ${rule}: ${previous}` }, q);
      this.extras = null;
      return { previous };
    });
  }

  /**
   * DB-held lists, live waivers and monitored rules; cached until one of them changes here. Another
   * process's change is seen by `refreshPolicyExtras`, which the server runs on a short interval.
   */
  async policyExtras(): Promise<PolicyExtras> {
    return this.extras ?? this.refreshPolicyExtras();
  }

  /** The last loaded extras, for callers that cannot wait (page rendering); loads them if never loaded. */
  cachedPolicyExtras(): PolicyExtras | null {
    return this.extras;
  }

  async refreshPolicyExtras(): Promise<PolicyExtras> {
    const allow: Lists = { projects: [], versions: [], sha256: [] };
    const deny: Lists = { projects: [], versions: [], sha256: [] };
    for (const e of await this.listEntries()) (e.list === 'allow' ? allow : deny)[e.kind].push(e.value);
    this.extras = {
      allow,
      deny,
      // Expiry is checked by policy at decision time, so the cache may hold expired waivers.
      waivers: (await this.waivers(true)).map((w) => ({ project: w.project, version: w.version, sha256: w.sha256, expiresAt: w.expires_at })),
      monitoredRules: (await this.ruleModes()).filter((r) => r.mode === 'monitor').map((r) => r.rule),
    };
    return this.extras;
  }

  // ---- audit, overview, metrics ----

  decisionsPage(afterId: number, since: number, limit: number): Promise<DecisionRow[]> {
    return this.db.all(SQL.decisionsPage, [afterId, since, limit]);
  }

  eventsPage(afterId: number, since: number, limit: number): Promise<EventRow[]> {
    return this.db.all(SQL.eventsPage, [afterId, since, limit]);
  }

  async queueDepth(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of await this.db.all<{ state: string; n: number }>(SQL.queueDepth)) out[r.state] = r.n;
    return out;
  }

  /** Files scanned, held, released and blocked per UTC day over the last `days` days. */
  async overview(days: number, now = Date.now()): Promise<DayCount[]> {
    const start = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate()) - (days - 1) * 86_400_000;
    const out = new Map<string, DayCount>();
    for (let t = start; t <= now; t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10);
      out.set(day, { day, scanned: 0, held: 0, released: 0, blocked: 0 });
    }
    const day = this.db.dialect.day;
    const scanned = await this.db.all<{ day: string; n: number }>(
      `SELECT ${day('decided_at')} AS day, count(DISTINCT sha256) AS n FROM verdicts WHERE decided_at >= ? GROUP BY 1`, [start]);
    const held = await this.db.all<{ day: string; n: number }>(`SELECT ${day('created_at')} AS day, count(*) AS n FROM reviews WHERE created_at >= ? GROUP BY 1`, [start]);
    const actions = await this.db.all<{ day: string; action: string; n: number }>(
      `SELECT ${day('decided_at')} AS day, action, count(*) AS n FROM decisions
       WHERE decided_at >= ? AND action IN ('release','confirm','waive','revoke') GROUP BY 1, 2`,
      [start],
    );
    for (const r of scanned) if (out.has(r.day)) out.get(r.day)!.scanned = r.n;
    for (const r of held) if (out.has(r.day)) out.get(r.day)!.held = r.n;
    for (const r of actions) {
      const d = out.get(r.day);
      if (!d) continue;
      if (r.action === 'release' || r.action === 'waive') d.released += r.n;
      else d.blocked += r.n;
    }
    return [...out.values()];
  }

  filesOfProjectsWithStatus(status: string): Promise<{ sha256: string; project: string; version: string | null; state: ReviewState | null }[]> {
    return this.db.all(SQL.filesOfProjectStatus, [status]);
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
