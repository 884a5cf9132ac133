// PDM (Debian's python3-pdm) locking and installing through the proxy, as a developer whose
// pyproject.toml names pywarden as its only source would. Wheels only: nothing is built.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pdmProject, startDemoProxy, type DemoProxy } from '../helpers/client-proxy.js';
import { requireOrSkip } from '../helpers/ci.js';
import { testDb } from '../helpers/sqlite.js';

const pdm = ['/usr/bin/pdm'].find((p) => existsSync(p));
requireOrSkip(!!pdm, '!!! pdm not installed (apt-get install python3-pdm): PDM end-to-end test skipped');

let demo: DemoProxy;


beforeAll(async () => {
  demo = await startDemoProxy('pywarden-pdm-');
});

afterAll(async () => {
  await demo?.stop();
});

describe.skipIf(!pdm)('pdm through the proxy', () => {
  it('locks and installs a benign wheel, resolving around a refused version', async () => {
    const project = demo.project;
    const python = demo.python;
    const run = await pdmProject(pdm!, project, `${demo.proxy.url}/simple/`, 'demo-pkg', python);
    const lock = await run(['lock']);
    expect(lock.code, lock.out).toBe(0);
    expect(readFileSync(path.join(project, 'pdm.lock'), 'utf8')).toMatch(/name = "demo-pkg"\nversion = "1\.0"/);
    const install = await run(['sync', '--no-self']);
    expect(install.code, install.out).toBe(0);
    const site = path.join(project, '.venv', 'lib', `python${python}`, 'site-packages');
    expect(readdirSync(site)).toContain('demo_pkg-1.0.dist-info');
    // The wheel came through the gate: stored, scanned, and the refused version never fetched.
    const rows = testDb(demo.proxy.deps).prepare(`SELECT f.filename, f.stored, count(v.sha256) AS verdicts FROM files f LEFT JOIN verdicts v ON v.sha256 = f.sha256 GROUP BY f.sha256`).all() as { filename: string; stored: number; verdicts: number }[];
    expect(rows.find((r) => r.filename.startsWith('demo_pkg-1.0-'))).toMatchObject({ stored: 1, verdicts: 1 });
    expect(rows.find((r) => r.filename.startsWith('demo_pkg-1.1-'))?.stored ?? 0).toBe(0);
  });
});
