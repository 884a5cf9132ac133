// Known-malicious intelligence end to end: a real proxy on port 0 over a folder upstream, real pip 23,
// the real `pywarden intel import` process on the same data folder, the scheduled feed from a real
// HTTP server, and OSV records written here (never real malware records).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startServer, type Running } from '../../src/main.js';
import { createToken } from '../../src/auth/tokens.js';
import { createLogger } from '../../src/log.js';
import { findPythons, makeDists, pip } from '../helpers/dists.js';
import { record, writeJson, writeZip } from '../intel/records.js';
import { requireOrSkip } from '../helpers/ci.js';
import { testDb } from '../helpers/sqlite.js';

const repo = path.resolve(import.meta.dirname, '../..');
const py = findPythons().get('23.2.1');
requireOrSkip(!!py, '!!! pip 23.2.1 missing: the known-malicious end-to-end test is skipped');

// The fixtures are minimal synthetic packages, which the classifier tends to hold (models/MODEL.md):
// they are allow-listed, as in the other client tests. An advisory beats the allow list.
const ALLOW = { projects: ['demo-pkg', 'evil-pkg'] };
const DEMO_11 = 'demo_pkg-1.1-py3-none-any.whl';
const EVIL_10 = 'evil_pkg-1.0-py3-none-any.whl';

const demoAdvisory = record({ id: 'MAL-2099-0001', summary: 'Malicious code in demo-pkg (PyPI)', affected: [{ package: { ecosystem: 'PyPI', name: 'Demo_Pkg' }, versions: ['1.1'] }] });
const evilAdvisory = record({
  id: 'MAL-2099-0002',
  summary: 'Malicious code in evil-pkg (PyPI)',
  affected: [{ package: { ecosystem: 'PyPI', name: 'evil.pkg' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }],
});

let work: string;
let folder: string;
let data: string;
let proxy: Running;
let token: string;

function intelImport(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repo, 'bin/pywarden.js'), 'intel', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sha = (filename: string) => (testDb(proxy.deps).prepare(`SELECT sha256 FROM files WHERE filename = ?`).pluck().get(filename) as string);
const fileUrl = (filename: string) => `${proxy.url}/files/${sha(filename)}/${filename}`;

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  if (!existsSync(path.join(repo, 'dist/commands/intel.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: repo });
  work = mkdtempSync(path.join(tmpdir(), 'pywarden-intel-e2e-'));
  folder = path.join(work, 'upstream');
  makeDists(folder, [
    { kind: 'wheel', name: 'demo_pkg', version: '1.0' },
    { kind: 'wheel', name: 'demo_pkg', version: '1.1' },
    { kind: 'wheel', name: 'evil_pkg', version: '1.0' },
  ]);
  data = path.join(work, 'data');
  proxy = await startServer(loadConfig({ env: {}, flags: { host: '127.0.0.1', port: 0, upstream: folder, data, logLevel: 'warn', scanWorkers: 1, allow: ALLOW } }));
  token = (await createToken(proxy.deps.reviews!.tokens, 'rita', 'reader', 'test')).token;
});

afterAll(async () => {
  await proxy?.close();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!py)('known-malicious advisories, imported by command', () => {
  it('before any advisory, pip 23 gets demo-pkg 1.1 and the proxy keeps it as allowed', async () => {
    const dest = mkdtempSync(path.join(work, 'dl-'));
    const r = await pip(py!, ['download', '--no-deps', '-d', dest, '--index-url', `${proxy.url}/simple/`, 'demo-pkg']);
    expect(r.code, r.out).toBe(0);
    expect(readdirSync(dest)).toEqual([DEMO_11]);
    expect((await proxy.deps.store.getFile(sha(DEMO_11)))?.stored).toBe(1);
  });

  it('`pywarden intel import` reads a zip export and prints its counts', () => {
    const zip = path.join(work, 'all.zip');
    writeZip(zip, {
      'MAL-2099-0001.json': demoAdvisory,
      'MAL-2099-0002.json': evilAdvisory,
      'MAL-2099-0003.json': record({ id: 'MAL-2099-0003', affected: [{ package: { ecosystem: 'npm', name: 'demo-pkg' }, versions: ['1.0'] }] }),
      'PYSEC-2099-1.json': record({ id: 'PYSEC-2099-1', database_specific: {}, affected: [{ package: { ecosystem: 'PyPI', name: 'demo-pkg' }, versions: ['1.0'] }] }),
      'broken.json': '{"id": "MAL-',
    });
    const r = intelImport('import', '--data', data, zip);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(
      'added 2, updated 0, withdrawn 0, unchanged 0, skipped non-PyPI 1, skipped not malicious 1, invalid 1; 1 recorded files re-decided, 1 of them refused',
    );
    expect(r.stderr).toMatch(/invalid: .*broken\.json: not JSON/);
    const audit = testDb(proxy.deps).prepare(`SELECT actor, reason FROM decisions WHERE action = 'intel-import'`).all() as { actor: string; reason: string }[];
    expect(audit).toEqual([{ actor: 'intel-import', reason: `${zip}: ${r.stdout.trim()}` }]);
  });

  it('the cached file and an uncached one are refused at once, with the advisory id in the reason phrase', async () => {
    const cached = await fetch(fileUrl(DEMO_11));
    expect(cached.status).toBe(403);
    expect(cached.statusText).toMatch(new RegExp(`^Blocked by pywarden: known malicious \\(MAL-2099-0001\\) in ${DEMO_11.replace(/\./g, '\\.')} \\(Q-\\d+, request [0-9a-f]+\\)$`));
    expect(await cached.json()).toMatchObject({ reason: 'known malicious (MAL-2099-0001)', action: 'block' });

    // evil-pkg's page is read only now (scan-ahead runs, and must not fetch a listed file either).
    // Every version is refused, so the page lists them as they are: pip's download prints the advisory.
    expect(await (await fetch(`${proxy.url}/simple/evil-pkg/`)).text()).toContain(EVIL_10);
    const uncached = await fetch(fileUrl(EVIL_10));
    expect(uncached.status).toBe(403);
    expect(uncached.statusText).toMatch(/^Blocked by pywarden: known malicious \(MAL-2099-0002\) in evil_pkg-1\.0-py3-none-any\.whl/);
    // Refused before any download or scan.
    expect((await proxy.deps.store.getFile(sha(EVIL_10)))?.stored).toBe(0);
    expect(await proxy.deps.store.latestVerdict(sha(EVIL_10))).toBeUndefined();
    expect(existsSync(proxy.deps.blobs.path(sha(EVIL_10)))).toBe(false);

    // Both refusals are in the audit log with their reason.
    const events = testDb(proxy.deps).prepare(`SELECT filename, detail FROM events WHERE kind = 'refused' ORDER BY id`).all() as { filename: string; detail: string }[];
    expect(events.map((e) => [e.filename, JSON.parse(e.detail).reason])).toEqual([
      [DEMO_11, 'known malicious (MAL-2099-0001)'],
      [EVIL_10, 'known malicious (MAL-2099-0002)'],
    ]);
  });

  it('pip 23 prints the id for the listed version and otherwise resolves to the older unlisted one', async () => {
    // The server learns of the other process's import by polling the store (every 5 s).
    await until('the page yanks demo-pkg 1.1', async () => (await (await fetch(`${proxy.url}/simple/demo-pkg/`)).text()).includes('data-yanked="pywarden: known malicious (MAL-2099-0001)"'));
    const dest = mkdtempSync(path.join(work, 'dl-'));
    const ok = await pip(py!, ['download', '--no-deps', '-d', dest, '--index-url', `${proxy.url}/simple/`, 'demo-pkg']);
    expect(ok.code, ok.out).toBe(0);
    expect(readdirSync(dest)).toEqual(['demo_pkg-1.0-py3-none-any.whl']);

    const pinned = await pip(py!, ['download', '--no-deps', '-d', mkdtempSync(path.join(work, 'dl-')), '--index-url', `${proxy.url}/simple/`, fileUrl(DEMO_11)]);
    expect(pinned.code).not.toBe(0);
    expect(pinned.out).toMatch(/403 Client Error: Blocked by pywarden: known malicious \(MAL-2099-0001\) in demo_pkg-1\.1-py3-none-any\.whl/);

    // Every version of evil-pkg is listed by an advisory: none is served, and pip says why.
    const evil = await pip(py!, ['download', '--no-deps', '-d', mkdtempSync(path.join(work, 'dl-')), '--index-url', `${proxy.url}/simple/`, 'evil-pkg']);
    expect(evil.code).not.toBe(0);
    expect(evil.out).toMatch(/403 Client Error: Blocked by pywarden: known malicious \(MAL-2099-0002\) in evil_pkg-1\.0-py3-none-any\.whl/);
  });

  it('reviewers see the advisory on the review item', async () => {
    const get = async (p: string) => (await fetch(`${proxy.url}/-/api/${p}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<Record<string, any>>;
    const queue = await get('queue?state=blocked');
    const item = queue.items.find((i: { filename: string }) => i.filename === DEMO_11);
    expect(item).toBeDefined();
    const detail = await get(`items/${item.id}`);
    expect(detail.policy).toMatchObject({ action: 'block', source: 'advisory', reason: 'known malicious (MAL-2099-0001)' });
    expect(detail.advisories).toEqual([
      expect.objectContaining({ id: 'MAL-2099-0001', summary: 'Malicious code in demo-pkg (PyPI)', references: [{ type: 'REPORT', url: 'https://example.invalid/report' }], withdrawn: null }),
    ]);
    expect(detail.history.map((h: { action: string }) => h.action)).toContain('intel');
  });

  it('a withdrawn record lifts the refusal: the file is served again and its item cleared', async () => {
    const f = path.join(work, 'withdrawn.json');
    writeJson(f, { ...demoAdvisory, modified: '2099-06-01T00:00:00Z', withdrawn: '2099-06-01T00:00:00Z' });
    const r = intelImport('import', '--data', data, f);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^added 0, updated 0, withdrawn 1, .*; 1 recorded files re-decided, 0 of them refused/);
    const res = await fetch(fileUrl(DEMO_11));
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(path.join(folder, DEMO_11)))).toBe(true);
    expect((await proxy.deps.store.getReview(sha(DEMO_11)))?.state).toBe('cleared');
  });

  it('usage errors exit 2 and import nothing', async () => {
    const before = await proxy.deps.advisories!.generation();
    writeJson(path.join(work, 'more.json'), record({ id: 'MAL-2099-0005' }));
    // One good path and one missing one: nothing is imported.
    expect(intelImport('import', '--data', data, path.join(work, 'more.json'), path.join(work, 'missing.json')).code).toBe(2);
    expect(intelImport('import', '--data', data).code).toBe(2);
    expect(intelImport('import', '--data', data, path.join(work, 'no-such.zip')).code).toBe(2);
    expect(intelImport('export', '--data', data).code).toBe(2);
    expect(intelImport('import', '--bogus', '--data', data, path.join(work, 'all.zip')).code).toBe(2);
    expect(await proxy.deps.advisories!.generation()).toBe(before);
    expect(await proxy.deps.advisories!.get('MAL-2099-0005')).toBeUndefined();
  });
});

describe.skipIf(!py)('known-malicious advisories, fetched on a schedule', () => {
  let feed: Server;
  let body: Buffer | null = null;
  let hits = 0;
  let scheduled: Running;
  let down: Running;
  const logs: string[] = [];

  beforeAll(async () => {
    const zip = path.join(work, 'feed.zip');
    writeZip(zip, { 'MAL-2099-0002.json': evilAdvisory });
    body = readFileSync(zip);
    feed = createServer((req, res) => {
      hits++;
      if (req.url === '/down') return void res.writeHead(503).end();
      res.writeHead(200, { 'content-type': 'application/zip', etag: '"v1"' }).end(body);
    });
    await new Promise<void>((r) => feed.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(feed.address() as AddressInfo).port}`;
    const start = (url: string) =>
      startServer(
        loadConfig({ env: {}, flags: { host: '127.0.0.1', port: 0, upstream: folder, data: mkdtempSync(path.join(work, 'data-')), scanWorkers: 1, allow: ALLOW, intelUrl: url, intelInterval: 3600 } }),
        { log: createLogger('warn', {}, (l) => logs.push(l)) },
      );
    down = await start(`${base}/down`);
    scheduled = await start(`${base}/all.zip`);
  });

  afterAll(async () => {
    await scheduled?.close();
    await down?.close();
    await new Promise((r) => feed?.close(r));
  });

  it('a feed that is down does not block start-up; the failure is logged and the proxy serves', async () => {
    await until('the failure is logged', async () => logs.some((l) => l.includes('advisory feed fetch failed')));
    expect(JSON.parse(logs.find((l) => l.includes('advisory feed fetch failed'))!)).toMatchObject({ level: 'warn', reason: 'HTTP 503', failures: 1 });
    expect((await fetch(`${down.url}/simple/evil-pkg/`)).status).toBe(200);
  });

  it('the serving process imports the feed and refuses every version of the listed project', async () => {
    await until('the feed is imported', async () => (await scheduled.deps.advisories!.activeCount()) === 1);
    const html = await (await fetch(`${scheduled.url}/simple/evil-pkg/`)).text();
    expect(html).toContain(EVIL_10); // every version refused: listed, so the download names the advisory
    const s = testDb(scheduled.deps).prepare(`SELECT sha256 FROM files WHERE filename = ?`).pluck().get(EVIL_10) as string;
    const res = await fetch(`${scheduled.url}/files/${s}/${EVIL_10}`);
    expect(res.status).toBe(403);
    expect(res.statusText).toMatch(/known malicious \(MAL-2099-0002\)/);
    expect(hits).toBeGreaterThanOrEqual(2);
  });
});
