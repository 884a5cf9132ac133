// End to end with real pip: pip → proxy (real server, real port, real SQLite) → local upstream → scan → verdict → pip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startServer, type Running } from '../../src/main.js';
import { findPythons, makeDists, pip } from '../helpers/dists.js';
import { startIndexServer, type TestIndex } from '../helpers/index-server.js';
import { requireOrSkip } from '../helpers/ci.js';
import { testDb } from '../helpers/sqlite.js';

const pythons = findPythons();
const PIPS = ['18.1', '23.2.1', '24.2'].filter((v) => pythons.has(v));
requireOrSkip(PIPS.length === 3, `pip 18.1, 23.2.1 and 24.2 (pyenv; found ${[...pythons.keys()].join(', ')})`);
const anyPython = pythons.get('23.2.1') ?? [...pythons.values()].pop();


let work: string;
let folder: string;
let proxy: Running;

function start(upstream: string, extra: Record<string, unknown> = {}) {
  const data = mkdtempSync(path.join(work, 'data-'));
  return startServer(loadConfig({ env: {}, flags: { host: '127.0.0.1', port: 0, upstream, data, logLevel: 'warn', scanWorkers: 1, ...extra } }));
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'pywarden-e2e-'));
  folder = path.join(work, 'upstream');
  makeDists(folder, [
    { kind: 'wheel', name: 'demo_pkg', version: '1.0' },
    { kind: 'wheel', name: 'demo_pkg', version: '1.1' },
    { kind: 'wheel', name: 'held_pkg', version: '1.0' },
    { kind: 'wheel', name: 'held_pkg', version: '2.0' },
    { kind: 'sdist', name: 'hello_sdist', version: '1.0' },
  ]);
  // No allow-list: the real scanner and model judge these honest little packages (issue 11: the
  // model alone no longer holds, so a small conventional sdist is served on its merits).
  proxy = await start(folder, { deny: { versions: ['held-pkg==2.0'] } });
});

afterAll(async () => {
  await proxy?.close();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!anyPython)('real pip through the proxy', () => {
  for (const version of PIPS) {
    it(`pip ${version} downloads a benign wheel (only-binary)`, async () => {
      const dest = mkdtempSync(path.join(work, 'dl-'));
      const r = await pip(pythons.get(version)!, ['download', '--only-binary=:all:', '--no-deps', '-d', dest, '--index-url', `${proxy.url}/simple/`, 'demo-pkg']);
      expect(r.out).not.toMatch(/ERROR/);
      expect(r.code, r.out).toBe(0);
      expect(readdirSync(dest)).toEqual(['demo_pkg-1.1-py3-none-any.whl']);
    });
  }

  it('pip 23.2.1 fetches PEP 658 metadata extracted from the checked wheel', async () => {
    const py = pythons.get('23.2.1');
    if (!requireOrSkip(!!py, '!!! pip 23.2.1 missing: PEP 658 check skipped')) return;
    const dest = mkdtempSync(path.join(work, 'dl-'));
    const r = await pip(py!, ['download', '--only-binary=:all:', '--no-deps', '-d', dest, '--index-url', `${proxy.url}/simple/`, 'demo-pkg==1.0']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Obtaining dependency information for demo-pkg==1\.0 from .*\.whl\.metadata/);
    const row = testDb(proxy.deps).prepare(`SELECT wheel_metadata_sha256 FROM files WHERE filename = ?`).get('demo_pkg-1.0-py3-none-any.whl') as { wheel_metadata_sha256: string };
    expect(row.wheel_metadata_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('pip install --target installs a benign wheel', async () => {
    const target = mkdtempSync(path.join(work, 'target-'));
    const r = await pip(anyPython!, ['install', '--no-deps', '--target', target, '--index-url', `${proxy.url}/simple/`, 'demo-pkg==1.0']);
    expect(r.code, r.out).toBe(0);
    expect(existsSync(path.join(target, 'demo_pkg', '__init__.py'))).toBe(true);
  });

  it('pip install of a benign sdist we built ourselves', async () => {
    // pip 23.0 still installs an sdist through legacy `setup.py install` when `wheel` is absent, as on
    // these pyenv Pythons; --no-build-isolation because isolation would fetch setuptools from the index.
    const py = pythons.get('23.0.1') ?? pythons.get('22.0.4');
    if (!requireOrSkip(!!py, '!!! pip 23.0.1 / 22.0.4 missing: sdist install skipped')) return;
    const target = mkdtempSync(path.join(work, 'target-'));
    const r = await pip(py!, ['install', '--no-deps', '--no-build-isolation', '--target', target, '--index-url', `${proxy.url}/simple/`, 'hello-sdist']);
    expect(r.out).not.toMatch(/ERROR/);
    expect(r.code, r.out).toBe(0);
    expect(existsSync(path.join(target, 'hello_sdist', '__init__.py'))).toBe(true);
  });

  it('a refused version is hidden, so the resolver picks the previous one', async () => {
    const dest = mkdtempSync(path.join(work, 'dl-'));
    const r = await pip(anyPython!, ['download', '--no-deps', '-d', dest, '--index-url', `${proxy.url}/simple/`, 'held-pkg']);
    expect(r.code, r.out).toBe(0);
    expect(readdirSync(dest)).toEqual(['held_pkg-1.0-py3-none-any.whl']);
  });

  it('a refused file shows the reason phrase and review id in pip output', async () => {
    const row = testDb(proxy.deps).prepare(`SELECT sha256 FROM files WHERE filename = ?`).get('held_pkg-2.0-py3-none-any.whl') as { sha256: string };
    const dest = mkdtempSync(path.join(work, 'dl-'));
    const url = `${proxy.url}/files/${row.sha256}/held_pkg-2.0-py3-none-any.whl`;
    const r = await pip(anyPython!, ['download', '--no-deps', '-d', dest, '--index-url', `${proxy.url}/simple/`, url]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/403 Client Error: Blocked by pywarden: held-pkg 2\.0 is on the deny list in held_pkg-2\.0-py3-none-any\.whl \(Q-\d+, request [0-9a-f]+\)/);
    expect(readdirSync(dest)).toEqual([]);
    const ev = testDb(proxy.deps).prepare(`SELECT kind, filename, user_agent FROM events WHERE kind = 'refused' ORDER BY id DESC LIMIT 1`).get() as { filename: string; user_agent: string };
    expect(ev.filename).toBe('held_pkg-2.0-py3-none-any.whl');
    expect(ev.user_agent).toMatch(/^pip\//);
  });
});

describe.skipIf(!anyPython)('yanked files through an HTTP upstream (PEP 592)', () => {
  let index: TestIndex;
  let yproxy: Running;
  beforeAll(async () => {
    index = await startIndexServer(folder, 'json');
    index.projects.set('demo-pkg', {
      files: [{ filename: 'demo_pkg-1.0-py3-none-any.whl' }, { filename: 'demo_pkg-1.1-py3-none-any.whl', yanked: 'broken release' }],
    });
    yproxy = await start(index.url);
  });
  afterAll(async () => {
    await yproxy?.close();
    await index?.close();
  });

  it('an unpinned install skips the yanked release; an exact pin still gets it', async () => {
    const dest = mkdtempSync(path.join(work, 'dl-'));
    expect((await pip(anyPython!, ['download', '--no-deps', '-d', dest, '--index-url', `${yproxy.url}/simple/`, 'demo-pkg'])).code).toBe(0);
    expect(readdirSync(dest)).toEqual(['demo_pkg-1.0-py3-none-any.whl']);
    const pinned = mkdtempSync(path.join(work, 'dl-'));
    const r = await pip(anyPython!, ['download', '--no-deps', '-d', pinned, '--index-url', `${yproxy.url}/simple/`, 'demo-pkg==1.1']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/yanked.*broken release/is);
    expect(readdirSync(pinned)).toEqual(['demo_pkg-1.1-py3-none-any.whl']);
  });

  it('an HTML-only upstream works for old pip too', async () => {
    const old = pythons.get('18.1');
    if (!requireOrSkip(!!old, 'pip 18.1 (pyenv): the HTML upstream check')) return;
    index.format = 'html';
    index.projects.set('held-pkg', { files: [{ filename: 'held_pkg-1.0-py3-none-any.whl' }] });
    const dest = mkdtempSync(path.join(work, 'dl-'));
    const r = await pip(old!, ['download', '--no-deps', '-d', dest, '--index-url', `${yproxy.url}/simple/`, 'held-pkg']);
    expect(r.code, r.out).toBe(0);
    expect(readdirSync(dest)).toEqual(['held_pkg-1.0-py3-none-any.whl']);
  });
});
