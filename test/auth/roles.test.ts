// Issue 10 part 7 on a real server (port 0, real SQLite): the token in every developer's pip.conf
// is a `download` token that reads pages and files and nothing of the review API (queue,
// findings, the audit log with client addresses); tokens expire; /metrics can require a token;
// /-/health says nothing but "ok"; migration 4 keeps the tokens of a version-2 database.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createToken, hashToken, parseExpiry, verifyToken } from '../../src/auth/tokens.js';
import { run as tokenCli } from '../../src/commands/token.js';
import { openSqlite } from '../../src/store/db.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { ReviewStore } from '../../src/store/review.js';
import { call, download, makeWheel, startEnv, type Env, type Wheel } from '../review/fixtures.js';

describe('roles on a server with requireTokenForDownloads and metricsRequireToken', () => {
  let env: Env;
  let good: Wheel;
  let dl: string;
  beforeAll(async () => {
    env = await startEnv({
      wheels: (dir) => void (good = makeWheel(dir, 'goodpkg', '1.0', { 'goodpkg/__init__.py': 'X = 1\n' })),
      config: { requireTokenForDownloads: true, metricsRequireToken: true },
    });
    dl = (await createToken(env.server.deps.reviews!.tokens, 'pip.conf', 'download', 'test')).token;
  });
  afterAll(async () => env?.close());

  it('a download token gets pages and files (Bearer or Basic, as pip sends it)', async () => {
    const basic = 'Basic ' + Buffer.from(`dev:${dl}`).toString('base64');
    expect((await fetch(`${env.server.url}/simple/goodpkg/`, { headers: { authorization: basic } })).status).toBe(200);
    expect((await download(env, good, { authorization: basic })).status).toBe(200);
    expect((await download(env, good, { authorization: `Bearer ${dl}` })).status).toBe(200);
  });

  it('a download token reads nothing of the review API: queue, items, audit log, export, overview', async () => {
    for (const p of ['/-/api/whoami', '/-/api/queue', '/-/api/items/Q-1', '/-/api/audit/events', '/-/api/audit/decisions', '/-/api/audit/export', '/-/api/overview', '/-/api/waivers', '/-/api/lists']) {
      const r = await call(env, 'GET', p, dl);
      expect(r.status, p).toBe(403);
      expect(r.body.detail).toContain('needs the reader role');
    }
    // The control: a reader token still reads them.
    expect((await call(env, 'GET', '/-/api/queue', env.tokens.reader)).status).toBe(200);
    expect((await call(env, 'GET', '/-/api/audit/events', env.tokens.reader)).status).toBe(200);
  });

  it('an expired token is refused everywhere, like a revoked one', async () => {
    const r = env.server.deps.reviews!;
    const soon = (await createToken(r.tokens, 'short', 'reader', 'test', Date.now() + 300)).token;
    expect((await download(env, good, { authorization: `Bearer ${soon}` })).status).toBe(200);
    await new Promise((res) => setTimeout(res, 400));
    const res = await download(env, good, { authorization: `Bearer ${soon}` });
    expect(res.status).toBe(401);
    expect(JSON.parse(await res.text()).detail).toContain('expired');
    expect((await call(env, 'GET', '/-/api/queue', soon)).status).toBe(401);
  });

  it('/metrics needs a reader token; /-/health stays open and says nothing but ok', async () => {
    expect((await fetch(`${env.server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${env.server.url}/metrics`, { headers: { authorization: `Bearer ${dl}` } })).status).toBe(403);
    const m = await fetch(`${env.server.url}/metrics`, { headers: { authorization: `Bearer ${env.tokens.reader}` } });
    expect(m.status).toBe(200);
    expect(await m.text()).toContain('pywarden_http_requests_total');
    const h = await fetch(`${env.server.url}/-/health`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: 'ok' });
  });

  it('an admin creates a download token with an expiry through the API; a bad expiry is a 400', async () => {
    const ok = await call(env, 'POST', '/-/api/tokens', env.tokens.admin, { name: 'ci', role: 'download', expires: '90d' });
    expect(ok.status).toBe(201);
    expect(Date.parse(ok.body.expires_at) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    expect((await download(env, good, { authorization: `Bearer ${ok.body.token}` })).status).toBe(200);
    expect((await call(env, 'POST', '/-/api/tokens', env.tokens.admin, { name: 'ci', role: 'download', expires: 'soonish' })).status).toBe(400);
    expect((await call(env, 'POST', '/-/api/tokens', env.tokens.admin, { name: 'ci', role: 'root' })).status).toBe(400);
  });
});

describe('token expiry and the CLI', () => {
  it('parses durations and future dates, and nothing else', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseExpiry('90d', now)).toBe(now + 90 * 86_400_000);
    expect(parseExpiry('12h', now)).toBe(now + 12 * 3_600_000);
    expect(parseExpiry('2w', now)).toBe(now + 14 * 86_400_000);
    expect(parseExpiry('2026-03-01', now)).toBe(Date.UTC(2026, 2, 1));
    for (const bad of ['0d', '90', 'd', '90 days', '2025-12-31', 'tomorrow', '']) expect(parseExpiry(bad, now), bad).toBeNull();
  });

  it('`pywarden token create --role download --expires 90d` stores the expiry; list shows it; a bad --expires exits 2', async () => {
    const data = mkdtempSync(path.join(tmpdir(), 'pywarden-token-'));
    const out: string[] = [];
    const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (out.push(String(s)), true));
    try {
      expect(await tokenCli(['create', '--role', 'download', '--name', 'dev', '--expires', '90d', '--data', data])).toBe(0);
      const token = out.find((l) => l.startsWith('pyw_'))!.trim();
      expect(await tokenCli(['create', '--role', 'reader', '--name', 'x', '--expires', 'never', '--data', data])).toBe(2);
      out.length = 0;
      expect(await tokenCli(['list', '--data', data])).toBe(0);
      expect(out.join('')).toMatch(/^1\tdownload\tdev\tcreated \S+\texpires \S+\tnever used$/m);
      const db = await openSqlite(path.join(data, 'pywarden.db'));
      expect((await verifyToken(new ReviewStore(db).tokens, token))?.role).toBe('download');
      await db.close();
    } finally {
      so.mockRestore();
      se.mockRestore();
      rmSync(data, { recursive: true, force: true });
    }
  });
});

describe('migration 4', () => {
  it('keeps the tokens of a version-2 database, accepts the download role, still refuses unknown roles', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pywarden-mig-'));
    const file = path.join(dir, 'pywarden.db');
    const old = new Database(file);
    for (const m of MIGRATIONS.filter((m) => m.version <= 2)) old.exec(m.sql + (m.sqlite ?? ''));
    old.pragma('user_version = 2');
    old.prepare(`INSERT INTO tokens (name, role, hash, created_at) VALUES ('rita', 'reader', ?, 1)`).run(hashToken('pyw_old'));
    old.prepare(`INSERT INTO events (at, kind, sha256) VALUES (1, 'refused', 'x')`).run();
    expect(() => old.prepare(`INSERT INTO tokens (name, role, hash, created_at) VALUES ('d', 'download', 'h', 1)`).run()).toThrow(/CHECK/);
    old.close();

    const sql = await openSqlite(file);
    const db = sql.raw;
    const store = new ReviewStore(sql);
    expect(await verifyToken(store.tokens, 'pyw_old')).toMatchObject({ name: 'rita', role: 'reader' });
    expect((await createToken(store.tokens, 'dev', 'download', 'test')).id).toBe(2);
    expect(() => db.prepare(`INSERT INTO tokens (name, role, hash, created_at) VALUES ('r', 'root', 'h2', 1)`).run()).toThrow(/CHECK/);
    // Events stay append-only: what a row says cannot change, and it cannot be deleted.
    expect(() => db.prepare(`UPDATE events SET user_agent = 'x'`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`DELETE FROM events`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`UPDATE events SET count = 0`).run()).toThrow(/only grows/);
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
