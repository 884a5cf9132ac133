// Review extras end to end: tokens required for downloads (real pip with credentials in the index
// URL), the webhook on new holds (real HTTP receiver that fails first), and `pywarden rescan`
// (new scanner version, human decisions kept, PEP 792 quarantined projects revoked).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildDeps } from '../../src/main.js';
import { rescanAll } from '../../src/commands/rescan.js';
import { run as tokenCli } from '../../src/commands/token.js';
import { HELD_SOURCE, NameScanner, call, download, makeWheel, pipDownload, startEnv, type Env, type Wheel } from '../review/fixtures.js';
import type { ScanInput, ScanResult } from '../../src/scan/types.js';

describe('downloads with requireTokenForDownloads', () => {
  let env: Env;
  let good: Wheel;
  beforeAll(async () => {
    env = await startEnv({ wheels: (dir) => void (good = makeWheel(dir, 'goodpkg', '1.0', { 'goodpkg/__init__.py': 'X = 1\n' })), config: { requireTokenForDownloads: true } });
  });
  afterAll(async () => env?.close());

  it('answers 401 without a token and serves with Bearer or Basic (token as password)', async () => {
    const anon = await fetch(`${env.server.url}/simple/goodpkg/`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await fetch(`${env.server.url}/simple/`)).status).toBe(401);
    expect((await fetch(`${env.server.url}/files/${good.sha256}/${good.filename}`)).status).toBe(401);
    expect((await download(env, good, { authorization: `Bearer ${env.tokens.reader}` })).status).toBe(200);
    const basic = 'Basic ' + Buffer.from(`ci:${env.tokens.reader}`).toString('base64');
    expect((await download(env, good, { authorization: basic })).status).toBe(200);
    expect((await download(env, good, { authorization: 'Basic ' + Buffer.from('ci:pyw_wrong').toString('base64') })).status).toBe(401);
    // The health check stays open for load balancers.
    expect((await fetch(`${env.server.url}/-/health`)).status).toBe(200);
  });

  it('real pip downloads with the token in the index URL and is refused without it', async () => {
    const dest = mkdtempSync(path.join(env.root, 'dl-'));
    const withToken = env.server.url.replace('http://', `http://ci:${env.tokens.reader}@`);
    const ok = await pipDownload(withToken, 'goodpkg', dest);
    expect(ok.code, ok.out).toBe(0);
    const noDest = mkdtempSync(path.join(env.root, 'dl-'));
    const no = await pipDownload(env.server.url, 'goodpkg', noDest);
    // pip --no-input reports a 401 on the index page as "from versions: none".
    expect(no.code).not.toBe(0);
    expect(readdirSync(noDest)).toEqual([]);
    const refused = env.server.deps.metrics!.requests.get({ route: '/simple/:project/', method: 'GET', status: '401' });
    expect(refused).toBeGreaterThan(0);
  });
});

describe('webhook on new holds', () => {
  let env: Env;
  let receiver: Server;
  const got: { attempt: number; body: any }[] = [];
  let held: Wheel;
  beforeAll(async () => {
    let attempts = 0;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        attempts++;
        got.push({ attempt: attempts, body: JSON.parse(body) });
        // The first delivery fails: the webhook must retry.
        res.writeHead(attempts === 1 ? 503 : 204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    env = await startEnv({ wheels: (dir) => void (held = makeWheel(dir, 'heldpkg', '1.0', { 'heldpkg/__init__.py': HELD_SOURCE })), config: { webhookUrl: url } });
  });
  afterAll(async () => {
    await env?.close();
    receiver?.close();
  });

  it('posts the held file with its review id, retrying after a failure, without delaying the refusal', async () => {
    const res = await download(env, held);
    expect(res.status).toBe(403);
    // The refusal is answered before the webhook's retry (after a 1 s back-off) arrives: delivery is not on the request path.
    expect(got.length).toBeLessThan(2);
    const { reviewId } = (await res.json()) as { reviewId: string };
    await env.server.deps.webhook!.idle();
    expect(got.length).toBe(2);
    expect(got[1].body).toMatchObject({ event: 'held', reviewId, state: 'quarantined', project: 'heldpkg', filename: held.filename, sha256: held.sha256 });
    const metrics = await (await fetch(`${env.server.url}/metrics`)).text();
    expect(metrics).toMatch(/pywarden_webhook_deliveries_total\{outcome="delivered"\} 1/);
  });
});

/** Version 2 of the test scanner no longer flags "held*" files. */
class FixedScanner extends NameScanner {
  constructor() {
    super('test-scanner-2');
  }
  override async scan(input: ScanInput): Promise<ScanResult> {
    const r = await super.scan(input);
    return input.filename.startsWith('held') ? { ...r, verdict: 'clean', score: 0.05, findings: [] } : r;
  }
}

describe('pywarden rescan', () => {
  it('re-scans files from an older scanner, keeps human decisions, revokes PEP 792 quarantined projects', async () => {
    const w: Record<string, Wheel> = {};
    const env = await startEnv({
      wheels: (dir) => {
        w.held = makeWheel(dir, 'heldpkg', '1.0', { 'heldpkg/__init__.py': HELD_SOURCE });
        w.released = makeWheel(dir, 'heldrel', '1.0', { 'heldrel/__init__.py': HELD_SOURCE });
        w.bad = makeWheel(dir, 'badpkg', '1.0', { 'badpkg/__init__.py': HELD_SOURCE });
        w.good = makeWheel(dir, 'goodpkg', '1.0', { 'goodpkg/__init__.py': 'X = 1\n' });
        w.gone = makeWheel(dir, 'gonepkg', '1.0', { 'gonepkg/__init__.py': 'X = 1\n' });
      },
    });
    try {
      for (const x of Object.values(w)) await download(env, x);
      const relId = (await call(env, 'GET', '/-/api/queue?project=heldrel', env.tokens.reader)).body.items[0].id;
      expect((await call(env, 'POST', `/-/api/items/${relId}/release`, env.tokens.reviewer, { reason: 'ok' })).status).toBe(200);
      await env.server.close();

      // A new scanner version, offline (the upstream folder is still there but not needed).
      const deps = await buildDeps(env.config, { scanner: new FixedScanner() });
      try {
        // PyPI quarantined gonepkg since (PEP 792): the page cache records that status.
        await deps.store.upsertProject('gonepkg', 'quarantined');
        const sum = await rescanAll(deps, { actor: 'test' });
        expect(sum).toMatchObject({ scannerVersion: 'test-scanner-2', stored: 5, rescanned: 5, changed: 2, cleared: 1, keptReleased: 1, revoked: 1 });
        const state = async (sha: string) => (await deps.store.getReview(sha))?.state;
        expect(await state(w.held.sha256)).toBe('cleared');
        expect(await state(w.released.sha256)).toBe('released');
        expect(await state(w.bad.sha256)).toBe('blocked');
        expect(await state(w.gone.sha256)).toBe('blocked');
        expect((await deps.gate.peek((await deps.store.getFile(w.held.sha256))!)).decision.action).toBe('allow');
        expect((await deps.gate.peek((await deps.store.getFile(w.gone.sha256))!)).decision).toMatchObject({ action: 'block', source: 'upstream-quarantine' });
        const actions = (await deps.reviews!.decisionsPage(0, 0, 1000)).map((d) => `${d.action}:${d.sha256?.slice(0, 8)}`);
        expect(actions).toContain(`rescan:${w.held.sha256.slice(0, 8)}`);
        expect(actions).toContain(`revoke:${w.gone.sha256.slice(0, 8)}`);
        // A second run finds nothing to do.
        expect((await rescanAll(deps, { actor: 'test' })).rescanned).toBe(0);
        // A released file whose sha256 is later denied is refused despite the release.
        await deps.reviews!.addListEntry('deny', 'sha256', w.released.sha256, 'IOC', 'test');
        expect((await deps.gate.peek((await deps.store.getFile(w.released.sha256))!)).decision).toMatchObject({ action: 'block', source: 'denylist' });
      } finally {
        await deps.store.close();
      }
    } finally {
      await env.close();
    }
  });
});

describe('pywarden token', () => {
  it('creates a token printed once, lists it without the secret, revokes it', async () => {
    const data = mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'pywarden-token-'));
    const out: string[] = [];
    const err: string[] = [];
    const wOut = process.stdout.write.bind(process.stdout);
    const wErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await tokenCli(['create', '--role', 'reviewer', '--name', 'alice', '--data', data])).toBe(0);
      const token = out.join('').trim();
      expect(token).toMatch(/^pyw_[A-Za-z0-9_-]{43}$/);
      out.length = 0;
      expect(await tokenCli(['list', '--data', data])).toBe(0);
      expect(out.join('')).toMatch(/^1\treviewer\talice\t/);
      expect(out.join('')).not.toContain(token.slice(4));
      expect(await tokenCli(['create', '--role', 'root', '--name', 'x', '--data', data])).toBe(2);
      expect(await tokenCli(['revoke', '1', '--data', data])).toBe(0);
      expect(await tokenCli(['revoke', '1', '--data', data])).toBe(1);
    } finally {
      process.stdout.write = wOut;
      process.stderr.write = wErr;
      rmSync(data, { recursive: true, force: true });
    }
  });
});
