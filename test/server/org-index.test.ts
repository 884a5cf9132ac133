// The organisation's index through the whole proxy (issue 12): a private folder and a public HTTP
// index (real server on port 0) carrying a higher version of the private name; real SQLite, the
// real scanner, real archives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { loadConfig } from '../../src/config.js';
import { startServer, type Running } from '../../src/main.js';
import { createToken } from '../../src/auth/tokens.js';
import { testDb } from '../helpers/sqlite.js';
import { makeDists } from '../helpers/dists.js';
import { startIndexServer, type TestIndex } from '../helpers/index-server.js';

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
let work: string;
let pub: TestIndex;
let proxy: Running;

async function get(p: string, headers: Record<string, string> = {}) {
  const res = await request(proxy.url + p, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'pywarden-org-'));
  const privateDir = path.join(work, 'private');
  makeDists(privateDir, [
    { kind: 'wheel', name: 'acme_tool', version: '1.0' },
    { kind: 'wheel', name: 'acme_toolkit', version: '1.0' },
  ]);
  const publicDir = path.join(work, 'public');
  makeDists(publicDir, [
    { kind: 'wheel', name: 'acme_tool', version: '99.0' },
    { kind: 'wheel', name: 'six', version: '1.16.0' },
    { kind: 'wheel', name: 'acme_tolkit', version: '3.0' },
  ]);
  pub = await startIndexServer(publicDir);
  pub.projects.set('acme-tool', { files: [{ filename: 'acme_tool-99.0-py3-none-any.whl' }] });
  pub.projects.set('six', { files: [{ filename: 'six-1.16.0-py3-none-any.whl' }] });
  pub.projects.set('acme-tolkit', { files: [{ filename: 'acme_tolkit-3.0-py3-none-any.whl' }] });
  const upstreams = [
    { name: 'acme', path: privateDir, private: true },
    { name: 'pypi', url: pub.url },
  ];
  proxy = await startServer(loadConfig({ env: {}, flags: { host: '127.0.0.1', port: 0, upstreams, data: path.join(work, 'data'), logLevel: 'silent', scanAhead: 'false', scanWorkers: 1, refusedListing: 'hide' } }));
});

afterAll(async () => {
  await proxy?.close();
  await pub?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('two upstreams through the proxy', () => {
  it('lists only the private version of a private name, and never asks the public index for it', async () => {
    const page = JSON.parse((await get('/simple/acme-tool/', { accept: JSON_TYPE })).text);
    expect(page.files.map((f: { filename: string }) => f.filename)).toEqual(['acme_tool-1.0-py3-none-any.whl']);
    expect(pub.hits.get('/simple/acme-tool/') ?? 0).toBe(0);
    // The origin is not part of the page.
    expect(JSON.stringify(page)).not.toContain('acme"');
  });

  it('serves the private file through the gate and records where it came from', async () => {
    const page = JSON.parse((await get('/simple/acme-tool/', { accept: JSON_TYPE })).text);
    const url = new URL(page.files[0].url, `${proxy.url}/simple/acme-tool/`);
    const res = await request(url);
    await res.body.arrayBuffer();
    expect(res.statusCode).toBe(200);
    const row = await proxy.deps.store.getListing(page.files[0].hashes.sha256, 'acme_tool-1.0-py3-none-any.whl');
    expect(row?.upstream).toBe('acme');
    expect(await proxy.deps.store.getVerdict(row!.sha256, proxy.deps.scanner.version)).toBeDefined();
  });

  it('serves a public name from the public index, recorded as such', async () => {
    const page = JSON.parse((await get('/simple/six/', { accept: JSON_TYPE })).text);
    expect(page.files).toHaveLength(1);
    const row = await proxy.deps.store.getListing(page.files[0].hashes.sha256, page.files[0].filename);
    expect(row?.upstream).toBe('pypi');
  });

  it('the review page names the origin of a held file', async () => {
    const page = JSON.parse((await get('/simple/six/', { accept: JSON_TYPE })).text);
    const sha = page.files[0].hashes.sha256;
    const review = await proxy.deps.store.holdForReview(sha, 'quarantined');
    const { token } = await createToken(proxy.deps.reviews!.tokens, 'reader', 'reader', 'test');
    const res = await request(`${proxy.url}/-/api/items/Q-${review.id}`, { headers: { authorization: `Bearer ${token}` } });
    const item = (await res.body.json()) as { file: { origin: string } };
    expect(res.statusCode).toBe(200);
    expect(item.file.origin).toBe('pypi');
  });
});

describe('typosquats of private names', () => {
  it('learns the private names from the private upstream at start', async () => {
    for (let i = 0; i < 50 && (proxy.deps.privateNames?.size ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await proxy.deps.org!.claimOf('acme-toolkit')).toBe('acme');
  });

  it('holds a public project one edit away from a private one, whatever its bytes, and opens a review item', async () => {
    const page = JSON.parse((await get('/simple/acme-tolkit/', { accept: JSON_TYPE })).text);
    // Hidden from the page (refusedListing: hide) ...
    expect(page.files).toEqual([]);
    // ... and refused by URL, without being fetched.
    const before = pub.hits.get('/files/acme_tolkit-3.0-py3-none-any.whl') ?? 0;
    const row = testDb(proxy.deps).prepare(`SELECT sha256 FROM listings WHERE filename = ?`).get('acme_tolkit-3.0-py3-none-any.whl') as { sha256: string };
    const res = await request(`${proxy.url}/files/${row.sha256}/acme_tolkit-3.0-py3-none-any.whl`);
    const problem = (await res.body.json()) as { reason: string; reviewId: string };
    expect(res.statusCode).toBe(403);
    expect(problem.reason).toBe('public project named like private project acme-toolkit');
    expect(problem.reviewId).toMatch(/^Q-\d+$/);
    expect(pub.hits.get('/files/acme_tolkit-3.0-py3-none-any.whl') ?? 0).toBe(before);
  });

  it('leaves public names that imitate nothing private alone', async () => {
    const page = JSON.parse((await get('/simple/six/', { accept: JSON_TYPE })).text);
    expect(page.files).toHaveLength(1);
  });
});

describe('a public listing of a name that became private', () => {
  it('is refused by URL once the name is claimed, though it was listed before', async () => {
    const page = JSON.parse((await get('/simple/six/', { accept: JSON_TYPE })).text);
    const url = new URL(page.files[0].url, `${proxy.url}/simple/six/`);
    await proxy.deps.privateNames!.claim('six', 'acme');
    const res = await request(url);
    const problem = (await res.body.json()) as { reason: string };
    expect(res.statusCode).toBe(403);
    expect(problem.reason).toBe('public project named like private project six');
  });
});
