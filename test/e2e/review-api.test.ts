// The review API end to end: real server on port 0, folder upstream of real wheels, real SQLite.
// Every action with every role, the refusals (401, 403, 400, 409, 415), and the effect of each
// decision on what the proxy serves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HELD_SOURCE, NameScanner, call, download, makeWheel, startEnv, type Env, type Wheel } from '../review/fixtures.js';
import { testDb } from '../helpers/sqlite.js';

const CLUSTER_MODEL = fileURLToPath(new URL('../../models/cluster-refs.json', import.meta.url));
const CLASSIFIER = fileURLToPath(new URL('../../models/pywarden-model.onnx', import.meta.url));
let env: Env;
const w: Record<string, Wheel> = {};

beforeAll(async () => {
  env = await startEnv({
    wheels: (dir) => {
      w.good = makeWheel(dir, 'goodpkg', '1.0', { 'goodpkg/__init__.py': 'X = 1\n' });
      w.held = makeWheel(dir, 'heldpkg', '1.0', { 'heldpkg/__init__.py': HELD_SOURCE });
      w.held2 = makeWheel(dir, 'heldtwo', '1.0', { 'heldtwo/__init__.py': HELD_SOURCE });
      w.waive = makeWheel(dir, 'waivepkg', '1.0', { 'waivepkg/__init__.py': HELD_SOURCE });
      w.bad = makeWheel(dir, 'badpkg', '1.0', { 'badpkg/__init__.py': HELD_SOURCE });
    },
    // Hidden, so each one-file project's page shows whether its file is refused right now.
    config: { refusedListing: 'hide' },
  });
});
afterAll(async () => env?.close());

async function reviewIdOf(wheel: Wheel): Promise<string> {
  const res = await download(env, wheel);
  expect(res.status).toBe(403);
  const body = (await res.json()) as { reviewId: string };
  expect(res.statusText).toContain(body.reviewId);
  return body.reviewId;
}

describe('access', () => {
  it('answers 401 without a token, with a bad token and with a revoked one', async () => {
    expect((await call(env, 'GET', '/-/api/queue')).status).toBe(401);
    const badTok = await call(env, 'GET', '/-/api/queue', 'pyw_not-a-real-token');
    expect(badTok.status).toBe(401);
    expect(badTok.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const created = await call(env, 'POST', '/-/api/tokens', env.tokens.admin, { name: 'temp', role: 'reader' });
    expect(created.status).toBe(201);
    expect((await call(env, 'GET', '/-/api/whoami', created.body.token)).body).toMatchObject({ name: 'temp', role: 'reader' });
    expect((await call(env, 'DELETE', `/-/api/tokens/${created.body.id}`, env.tokens.admin)).status).toBe(200);
    expect((await call(env, 'GET', '/-/api/whoami', created.body.token)).status).toBe(401);
  });

  it('stores only token hashes', () => {
    const rows = testDb(env.server.deps).prepare('SELECT hash FROM tokens').pluck().all() as string[];
    for (const t of Object.values(env.tokens)) {
      expect(rows).not.toContain(t);
      expect(JSON.stringify(rows)).not.toContain(t.slice(4));
    }
  });

  it('answers 403 to a weaker role for each protected action', async () => {
    const id = await reviewIdOf(w.held2);
    const cases: [string, string, string, unknown][] = [
      ['reader', 'POST', `/-/api/items/${id}/release`, { reason: 'x' }],
      ['reader', 'POST', `/-/api/items/${id}/confirm`, { reason: 'x' }],
      ['reader', 'POST', `/-/api/items/${id}/rescan`, {}],
      ['reader', 'POST', '/-/api/waivers', { project: 'heldtwo', justification: 'x', days: 1 }],
      ['reviewer', 'POST', '/-/api/lists', { list: 'deny', kind: 'projects', value: 'heldtwo' }],
      ['reviewer', 'PUT', '/-/api/rules/test-exfil-url', { mode: 'monitor' }],
      ['reviewer', 'POST', '/-/api/tokens', { name: 'x', role: 'admin' }],
      ['reviewer', 'GET', '/-/api/tokens', undefined],
      ['reviewer', 'DELETE', '/-/api/lists/1', undefined],
    ];
    for (const [role, method, p, body] of cases) {
      const r = await call(env, method, p, env.tokens[role as 'reader'], body);
      expect(r.status, `${role} ${method} ${p}`).toBe(403);
      expect(r.body.code).toBe('forbidden');
    }
    // Nothing changed.
    expect((await call(env, 'GET', `/-/api/items/${id}`, env.tokens.reader)).body.state).toBe('quarantined');
  });

  it('changes no state through GET', async () => {
    const id = await reviewIdOf(w.held2);
    for (const p of [`/-/api/items/${id}/release`, `/-/api/items/${id}/confirm`, '/-/api/waivers/1/revoke']) {
      const r = await call(env, 'GET', p, env.tokens.admin);
      expect(r.status, p).toBe(404);
    }
    expect((await call(env, 'GET', `/-/api/items/${id}`, env.tokens.reader)).body.state).toBe('quarantined');
  });

  it('refuses a form-encoded body (no simple cross-site request can act)', async () => {
    const id = await reviewIdOf(w.held2);
    const res = await fetch(`${env.server.url}/-/api/items/${id}/release`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.tokens.reviewer}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'reason=x',
    });
    expect(res.status).toBe(415);
  });
});

describe('queue and item', () => {
  it('lists held files with filters and orderings', async () => {
    await reviewIdOf(w.held);
    await reviewIdOf(w.bad);
    const all = await call(env, 'GET', '/-/api/queue', env.tokens.reader);
    expect(all.status).toBe(200);
    const names = all.body.items.map((i: { filename: string }) => i.filename);
    expect(names).toEqual(expect.arrayContaining([w.held.filename, w.bad.filename]));
    expect(names).not.toContain(w.good.filename);
    // Default order: risk score, highest first.
    expect(all.body.items[0].filename).toBe(w.bad.filename);
    const blocked = await call(env, 'GET', '/-/api/queue?state=blocked', env.tokens.reader);
    expect(blocked.body.items.map((i: { filename: string }) => i.filename)).toEqual([w.bad.filename]);
    const byProject = await call(env, 'GET', '/-/api/queue?project=HeldPkg', env.tokens.reader);
    expect(byProject.body.items.map((i: { filename: string }) => i.filename)).toEqual([w.held.filename]);
    const byRule = await call(env, 'GET', '/-/api/queue?rule=test-malware', env.tokens.reader);
    expect(byRule.body.total).toBe(1);
    const future = await call(env, 'GET', `/-/api/queue?since=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`, env.tokens.reader);
    expect(future.body.total).toBe(0);
    for (const order of ['outlier', 'newest', 'requested']) {
      const r = await call(env, 'GET', `/-/api/queue?order=${order}`, env.tokens.reader);
      expect(r.status).toBe(200);
      expect(r.body.total).toBe(all.body.total);
    }
    // Outlier rank (filled by the cluster analysis when its model is present): ranked items first, highest first.
    const r = env.server.deps.reviews!;
    await r.putExtra(w.held.sha256, 1, 'fam-test', 0.1);
    await r.putExtra(w.bad.sha256, 0, null, null);
    const byOutlier = await call(env, 'GET', '/-/api/queue?order=outlier', env.tokens.reader);
    const ranks = byOutlier.body.items.map((i: { outlierRank: number | null }) => i.outlierRank ?? -1);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    expect(byOutlier.body.items.find((i: { filename: string }) => i.filename === w.held.filename)).toMatchObject({ outlierRank: 1, family: 'fam-test' });
    expect(byOutlier.body.items.at(-1).outlierRank ?? 0).toBe(0);
    expect((await call(env, 'GET', '/-/api/queue?order=random', env.tokens.reader)).status).toBe(400);
    expect((await call(env, 'GET', '/-/api/queue?state=nope', env.tokens.reader)).status).toBe(400);
  });

  it('shows an item with findings in their code context and who asked', async () => {
    const id = await reviewIdOf(w.held);
    const r = await call(env, 'GET', `/-/api/items/${id}`, env.tokens.reader);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, filename: w.held.filename, project: 'heldpkg', version: '1.0', state: 'quarantined' });
    expect(r.body.verdict).toMatchObject({ verdict: 'suspicious', scannerVersion: 'test-scanner-1' });
    const f = r.body.findings[0];
    expect(f.rule).toBe('test-exfil-url');
    expect(f.context.highlight).toBe(4);
    expect(f.context.lines[f.context.highlight - f.context.start]).toBe('URL = "https://example.invalid/collect"');
    expect(r.body.askedBy[0].count).toBeGreaterThanOrEqual(1);
    expect(r.body.upstream.projectStatus).toBe('active');
    expect(r.body.policy).toMatchObject({ action: 'quarantine', source: 'verdict' });
    // The classifier's score and top features, when its model file is there.
    if (existsSync(CLASSIFIER)) {
      expect(r.body.model.score).toBeGreaterThanOrEqual(0);
      expect(Array.isArray(r.body.model.top)).toBe(true);
    } else {
      console.warn(`!!! ${CLASSIFIER} missing: the item view has no model score`);
      expect(r.body.model).toBeNull();
    }
    if (existsSync(CLUSTER_MODEL)) {
      // The cluster analysis ranks the held file's import-time code when the item is opened (or earlier, after the hold).
      const two = await call(env, 'GET', `/-/api/items/${await reviewIdOf(w.held2)}`, env.tokens.reader);
      expect(typeof two.body.cluster?.outlierRank).toBe('number');
    } else console.warn(`!!! ${CLUSTER_MODEL} missing: outlier ranking not exercised`);
    expect((await call(env, 'GET', '/-/api/items/Q-99999', env.tokens.reader)).status).toBe(404);
    expect((await call(env, 'GET', '/-/api/items/nope', env.tokens.reader)).status).toBe(400);
  });
});

describe('actions', () => {
  it('release: the reviewer allows the sha256, the page lists it again, pip-style download succeeds', async () => {
    const id = await reviewIdOf(w.held);
    const listed = async () => (await (await fetch(`${env.server.url}/simple/heldpkg/`)).text()).includes(w.held.filename);
    expect(await listed()).toBe(false);
    expect((await call(env, 'POST', `/-/api/items/${id}/release`, env.tokens.reviewer, {})).status).toBe(400); // a reason is required
    const r = await call(env, 'POST', `/-/api/items/${id}/release`, env.tokens.reviewer, { reason: 'false positive: documented telemetry' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ previous: 'quarantined', item: { state: 'released' } });
    expect((await call(env, 'POST', `/-/api/items/${id}/release`, env.tokens.reviewer, { reason: 'again' })).status).toBe(409);
    expect(await listed()).toBe(true); // the rendered page was invalidated
    const res = await download(env, w.held);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).length).toBeGreaterThan(0);
    const item = await call(env, 'GET', `/-/api/items/${id}`, env.tokens.reader);
    expect(item.body.history.at(-1)).toMatchObject({ action: 'release', actor: 'alice', previous: 'quarantined', reason: 'false positive: documented telemetry' });
  });

  it('confirm block: the file stays refused with the reviewer as reason', async () => {
    const id = await reviewIdOf(w.bad);
    const r = await call(env, 'POST', `/-/api/items/${id}/confirm`, env.tokens.reviewer, { reason: 'credential stealer' });
    expect(r.status).toBe(200);
    expect(r.body.previous).toBe('blocked');
    const res = await download(env, w.bad);
    expect(res.status).toBe(403);
    expect(res.statusText).toMatch(/block confirmed by a reviewer/);
  });

  it('waive: allows a held project until the expiry; revoking it holds the file again', async () => {
    await reviewIdOf(w.waive);
    const noJust = await call(env, 'POST', '/-/api/waivers', env.tokens.reviewer, { project: 'waivepkg', days: 7 });
    expect(noJust.status).toBe(400);
    const past = await call(env, 'POST', '/-/api/waivers', env.tokens.reviewer, { project: 'waivepkg', justification: 'x', expiresAt: '2000-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    const r = await call(env, 'POST', '/-/api/waivers', env.tokens.reviewer, { sha256: w.waive.sha256, justification: 'vendor confirmed, ticket SEC-1', days: 7 });
    expect(r.status).toBe(201);
    expect(r.body.waiver).toMatchObject({ project: 'waivepkg', version: '1.0', sha256: w.waive.sha256, actor: 'alice' });
    expect((await download(env, w.waive)).status).toBe(200);
    const listed = await call(env, 'GET', '/-/api/waivers', env.tokens.reader);
    expect(listed.body.waivers.map((x: { id: number }) => x.id)).toContain(r.body.waiver.id);
    const rev = await call(env, 'POST', `/-/api/waivers/${r.body.waiver.id}/revoke`, env.tokens.reviewer, { reason: 'ticket closed' });
    expect(rev.status).toBe(200);
    expect((await download(env, w.waive)).status).toBe(403);
    const hist = (await env.server.deps.reviews!.history(w.waive.sha256, 'waivepkg')).map((h) => h.action);
    expect(hist).toEqual(expect.arrayContaining(['waive', 'unwaive']));
  });

  it('an expired waiver refuses again and the listing drops the file without any other change', async () => {
    await reviewIdOf(w.waive); // held again since the waiver above was revoked
    const listed = async () => (await (await fetch(`${env.server.url}/simple/waivepkg/`)).text()).includes(w.waive.filename);
    const r = await call(env, 'POST', '/-/api/waivers', env.tokens.reviewer, { sha256: w.waive.sha256, justification: 'short trial', expiresAt: new Date(Date.now() + 1200).toISOString() });
    expect(r.status).toBe(201);
    expect(await listed()).toBe(true);
    expect((await download(env, w.waive)).status).toBe(200);
    await new Promise((res) => setTimeout(res, 1400));
    expect(await listed()).toBe(false);
    expect((await download(env, w.waive)).status).toBe(403);
  });

  it('rescan: re-runs the scanner on the stored bytes and settles the item', async () => {
    const id = await reviewIdOf(w.held2);
    const scanner = env.server.deps.scanner as NameScanner;
    const before = scanner.scans;
    const r = await call(env, 'POST', `/-/api/items/${id}/rescan`, env.tokens.reviewer, {});
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ verdict: 'suspicious', state: 'quarantined' });
    expect(scanner.scans).toBe(before + 1);
  });

  it('allow and deny lists (admin): a sha256 deny beats a release', async () => {
    // heldpkg was released above.
    expect((await download(env, w.held)).status).toBe(200);
    const add = await call(env, 'POST', '/-/api/lists', env.tokens.admin, { list: 'deny', kind: 'sha256', value: w.held.sha256.toUpperCase(), reason: 'IOC from CERT' });
    expect(add.status).toBe(201);
    const res = await download(env, w.held);
    expect(res.status).toBe(403);
    expect(res.statusText).toMatch(/on the deny list/);
    expect((await call(env, 'POST', '/-/api/lists', env.tokens.admin, { list: 'deny', kind: 'sha256', value: w.held.sha256 })).status).toBe(200); // idempotent
    expect((await call(env, 'POST', '/-/api/lists', env.tokens.admin, { list: 'deny', kind: 'versions', value: 'nope' })).status).toBe(400);
    const del = await call(env, 'DELETE', `/-/api/lists/${add.body.entry.id}`, env.tokens.admin);
    expect(del.status).toBe(200);
    expect((await download(env, w.held)).status).toBe(200);
    // An allow entry by project lets a held project through.
    const allow = await call(env, 'POST', '/-/api/lists', env.tokens.admin, { list: 'allow', kind: 'projects', value: 'HeldTwo' });
    expect(allow.body.entry.value).toBe('heldtwo');
    expect((await download(env, w.held2)).status).toBe(200);
    await call(env, 'DELETE', `/-/api/lists/${allow.body.entry.id}`, env.tokens.admin);
    expect((await download(env, w.held2)).status).toBe(403);
    expect((await call(env, 'GET', '/-/api/lists', env.tokens.reader)).body.entries).toEqual([]);
  });

  it('rule mode monitor: a verdict resting only on monitored rules is logged, not refused', async () => {
    const set = await call(env, 'PUT', '/-/api/rules/test-exfil-url', env.tokens.admin, { mode: 'monitor', reason: 'new rule, dry run' });
    expect(set.status).toBe(200);
    expect(set.body.previous).toBe('enforce');
    const res = await download(env, w.held2);
    expect(res.status).toBe(200);
    const events = await call(env, 'GET', '/-/api/audit/events', env.tokens.reader);
    const would = events.body.events.filter((e: { kind: string; filename: string }) => e.kind === 'would-refuse' && e.filename === w.held2.filename);
    expect(would.length).toBeGreaterThan(0);
    // A malicious verdict on another rule is still enforced.
    expect((await download(env, w.bad)).status).toBe(403);
    await call(env, 'PUT', '/-/api/rules/test-exfil-url', env.tokens.admin, { mode: 'enforce' });
    expect((await download(env, w.held2)).status).toBe(403);
    expect((await call(env, 'PUT', '/-/api/rules/test-exfil-url', env.tokens.admin, { mode: 'off' })).status).toBe(400);
  });
});

describe('audit, overview, metrics', () => {
  it('every decision is in the append-only log and in the JSON lines export', async () => {
    const dec = await call(env, 'GET', '/-/api/audit/decisions?limit=1000', env.tokens.reader);
    const actions = dec.body.decisions.map((d: { action: string }) => d.action);
    for (const a of ['release', 'confirm', 'waive', 'unwaive', 'rescan', 'deny-add', 'deny-remove', 'allow-add', 'rule-monitor', 'token-create', 'token-revoke']) {
      expect(actions, a).toContain(a);
    }
    const res = await fetch(`${env.server.url}/-/api/audit/export`, { headers: { authorization: `Bearer ${env.tokens.reader}` } });
    expect(res.headers.get('content-type')).toMatch(/ndjson/);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { log: string; kind?: string; action?: string; client?: string; user_agent?: string });
    expect(lines.filter((l) => l.log === 'decisions').length).toBe(dec.body.decisions.length);
    const refusal = lines.find((l) => l.log === 'events' && l.kind === 'refused');
    expect(refusal).toMatchObject({ client: expect.stringMatching(/127\.0\.0\.1/) });
    expect(refusal!.user_agent).toBeTruthy();
    expect(() => testDb(env.server.deps).prepare('DELETE FROM decisions').run()).toThrow(/append-only/);
    expect((await fetch(`${env.server.url}/-/api/audit/export`)).status).toBe(401);
  });

  it('overview counts per day', async () => {
    const r = await call(env, 'GET', '/-/api/overview?days=7', env.tokens.reader);
    expect(r.body.days).toHaveLength(7);
    const today = r.body.days.at(-1);
    expect(today.scanned).toBeGreaterThanOrEqual(4); // goodpkg was never fetched
    expect(today.held).toBeGreaterThanOrEqual(4);
    expect(today.released).toBeGreaterThanOrEqual(2);
    expect(today.blocked).toBeGreaterThanOrEqual(1);
    expect(r.body.queue.confirmed).toBe(1);
  });

  it('/metrics exposes requests, cache, upstream, scans, verdicts, queue depth and bytes', async () => {
    const text = await (await fetch(`${env.server.url}/metrics`)).text();
    expect(text).toMatch(/pywarden_http_requests_total\{method="GET",route="\/files\/:sha256\/:filename",status="403"\} \d+/);
    expect(text).toMatch(/pywarden_cache_requests_total\{kind="file",result="hit"\} \d+/);
    expect(text).toMatch(/pywarden_cache_requests_total\{kind="file",result="miss"\} \d+/);
    expect(text).toMatch(/pywarden_cache_requests_total\{kind="page",result="(hit|miss)"\} \d+/);
    expect(text).toMatch(/pywarden_upstream_duration_seconds_count\{kind="file"\} [1-9]/);
    expect(text).toMatch(/pywarden_scan_duration_seconds_bucket\{verdict="suspicious",le="0.005"\} \d+/);
    expect(text).toMatch(/pywarden_verdicts_total\{verdict="malicious"\} 1/);
    expect(text).toMatch(/pywarden_review_queue_depth\{state="confirmed"\} 1/);
    expect(text).toMatch(/pywarden_bytes_served_total [1-9]\d*/);
  });

  it('answers the review page 401 without a valid token (the body is the sign-in shell, no data), 200 with one', async () => {
    for (const authorization of [undefined, 'Bearer pyw_wrong', `Basic ${Buffer.from(`x:${env.tokens.reader}`).toString('base64')}`]) {
      const res = await fetch(`${env.server.url}/-/review/`, { headers: authorization ? { authorization } : {} });
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await res.text();
      expect(html).toContain('id="signin-form"');
      expect(html).not.toMatch(/heldpkg|Q-\d/);
    }
    const signedIn = await fetch(`${env.server.url}/-/review/`, { headers: { authorization: `Bearer ${env.tokens.reader}` } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get('www-authenticate')).toBeNull();
    expect((await fetch(`${env.server.url}/-/review/app.js`)).status).toBe(200);
  });
});
