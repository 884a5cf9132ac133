// Credentials for upstreams (issue 12): sent to the upstream's own origin only, and never found in
// the logs, /-/health, error answers, the review API or the audit rows. A real private index on
// port 0 that answers 401 without them, and a second origin that records what it was sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { loadConfig } from '../../src/config.js';
import { startServer, type Running } from '../../src/main.js';
import { createLogger } from '../../src/log.js';
import { createToken } from '../../src/auth/tokens.js';
import { testDb } from '../helpers/sqlite.js';
import { HttpUpstream } from '../../src/upstream/index.js';
import { makeDists } from '../helpers/dists.js';

const PASSWORD = 'Pa55-hunter2-secret';
const TOKEN = 'tok_9f8e7d6c5b4a-secret';
const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';

let work: string;
let files: string;
let wheel: string;
/** Every request each server saw, with its headers. */
const seen: { server: string; path: string; headers: IncomingHttpHeaders }[] = [];
let privateServer: Server;
let otherOrigin: Server;
let privateBase: string;
let otherBase: string;
let mode: { want: 'basic' | 'bearer'; fail?: number } = { want: 'basic' };

function listen(s: Server): Promise<string> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'pywarden-creds-'));
  files = path.join(work, 'files');
  [wheel] = makeDists(files, [{ kind: 'wheel', name: 'acme_secret', version: '1.0' }]);
  const data = readFileSync(path.join(files, wheel));
  const sha = createHash('sha256').update(data).digest('hex');
  privateServer = createServer((req, res) => {
    seen.push({ server: 'private', path: req.url ?? '', headers: req.headers });
    const expected = mode.want === 'basic' ? `Basic ${Buffer.from(`bot:${PASSWORD}`).toString('base64')}` : `Bearer ${TOKEN}`;
    if (mode.fail) return void res.writeHead(mode.fail).end('no');
    if (req.headers.authorization !== expected) return void res.writeHead(401, { 'www-authenticate': 'Basic' }).end('login');
    if (req.url === '/simple/acme-secret/') {
      res.writeHead(200, { 'content-type': JSON_TYPE });
      return void res.end(JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'acme-secret', files: [{ filename: wheel, url: `/files/${wheel}`, hashes: { sha256: sha } }] }));
    }
    if (req.url === `/files/${wheel}`) return void res.writeHead(200).end(data);
    res.writeHead(404).end();
  });
  otherOrigin = createServer((req, res) => {
    seen.push({ server: 'other', path: req.url ?? '', headers: req.headers });
    res.writeHead(200).end(data);
  });
  privateBase = await listen(privateServer);
  otherBase = await listen(otherOrigin);
});

afterAll(async () => {
  await new Promise((r) => privateServer.close(r));
  await new Promise((r) => otherOrigin.close(r));
  rmSync(work, { recursive: true, force: true });
});

describe('HttpUpstream credentials', () => {
  it('sends Basic credentials from the URL to its own origin, never to a file origin it links to', async () => {
    mode = { want: 'basic' };
    const base = privateBase.replace('http://', `http://bot:${encodeURIComponent(PASSWORD)}@`) + '/simple/';
    const up = new HttpUpstream(base, { timeoutMs: 2000, origins: [{ origin: privateBase, internalOk: true }, { origin: otherBase, internalOk: true }] });
    expect(up.description).not.toContain(PASSWORD);
    const page = await up.project('acme-secret');
    expect(page.status).toBe('ok');
    seen.length = 0;
    (await up.open(`${otherBase}/files/${wheel}`)).body.resume();
    expect(seen[0].headers.authorization).toBeUndefined();
    await up.close();
  });

  it('sends a bearer token from the config', async () => {
    mode = { want: 'bearer' };
    const up = new HttpUpstream(privateBase + '/simple/', { timeoutMs: 2000, auth: { token: TOKEN } });
    expect((await up.project('acme-secret')).status).toBe('ok');
    await up.close();
  });
});

describe('credentials never leave the proxy', () => {
  let proxy: Running;
  const logs: string[] = [];

  beforeAll(async () => {
    mode = { want: 'bearer' };
    const upstreams = JSON.stringify([{ name: 'acme', url: privateBase + '/simple/', private: true, tokenEnv: 'ACME_TOKEN' }, { name: 'pypi', path: path.join(work, 'empty') }]);
    const config = loadConfig({ env: { PYWARDEN_UPSTREAMS: upstreams, ACME_TOKEN: TOKEN }, flags: { host: '127.0.0.1', port: 0, data: path.join(work, 'data'), logLevel: 'debug', scanAhead: 'false', scanWorkers: 1, pageTtl: '0' } });
    proxy = await startServer(config, { log: createLogger('debug', {}, (l) => void logs.push(l)) });
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it('serves the private project with them, and no answer, log line, review item or audit row holds them', async () => {
    const leaks = (s: string) => [TOKEN, PASSWORD, Buffer.from(TOKEN).toString('base64')].filter((x) => s.includes(x));
    const page = await request(`${proxy.url}/simple/acme-secret/`, { headers: { accept: JSON_TYPE } });
    const body = (await page.body.json()) as { files: { url: string; hashes: { sha256: string } }[] };
    expect(page.statusCode).toBe(200);
    const file = await request(new URL(body.files[0].url, `${proxy.url}/simple/acme-secret/`));
    await file.body.arrayBuffer();
    expect(file.statusCode).toBe(200);

    // The upstream refuses now: the error answer (stale header included) must not carry the token.
    mode = { want: 'bearer', fail: 401 };
    const answers: string[] = [];
    for (const p of ['/simple/acme-secret/', '/simple/acme-other/', '/-/health', '/simple/']) {
      const res = await request(proxy.url + p);
      answers.push(JSON.stringify(res.headers) + (await res.body.text()));
    }
    expect(answers[1]).toMatch(/401/); // the error is reported, just without the secret
    mode = { want: 'bearer' };

    const sha = body.files[0].hashes.sha256;
    const review = await proxy.deps.store.holdForReview(sha, 'quarantined');
    await proxy.deps.store.addEvent({ kind: 'refused', sha256: sha, filename: wheel, detail: { reason: 'test' } });
    const { token } = await createToken(proxy.deps.reviews!.tokens, 'admin', 'admin', 'test');
    const auth = { authorization: `Bearer ${token}` };
    for (const p of [`/-/api/items/Q-${review.id}`, '/-/api/audit/events', '/-/api/audit/export', '/-/api/queue', '/metrics']) {
      const res = await request(proxy.url + p, { headers: auth });
      answers.push(await res.body.text());
    }
    const rows = testDb(proxy.deps).prepare(`SELECT * FROM events`).all();
    expect(leaks(answers.join('\n'))).toEqual([]);
    expect(leaks(JSON.stringify(rows))).toEqual([]);
    expect(logs.some((l) => l.includes('pywarden listening'))).toBe(true);
    expect(leaks(logs.join(''))).toEqual([]);
  });
});
