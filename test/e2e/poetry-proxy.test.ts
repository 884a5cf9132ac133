// Poetry (Debian's python3-poetry) resolving and installing through the proxy. Old Poetry's legacy
// repository sends no simple-API Accept type and parses HTML only: this caught the */* default.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { poetryProject, startDemoProxy, type DemoProxy } from '../helpers/client-proxy.js';
import { requireOrSkip } from '../helpers/ci.js';

const poetry = ['/usr/bin/poetry'].find((p) => existsSync(p));
requireOrSkip(!!poetry, '!!! poetry not installed (apt-get install python3-poetry): Poetry end-to-end test skipped');

let demo: DemoProxy;


beforeAll(async () => {
  demo = await startDemoProxy('pywarden-poetry-');
});

afterAll(async () => {
  await demo?.stop();
});

describe.skipIf(!poetry)('poetry through the proxy', () => {
  it('locks and installs a benign wheel, resolving around a refused version', async () => {
    const project = demo.project;
    const python = demo.python;
    const run = poetryProject(poetry!, project, `${demo.proxy.url}/simple/`, 'demo-pkg', python);
    const lock = await run(['lock']);
    expect(lock.code, lock.out).toBe(0);
    expect(readFileSync(path.join(project, 'poetry.lock'), 'utf8')).toMatch(/name = "demo-pkg"\nversion = "1\.0"/);
    const install = await run(['install', '--no-root']);
    expect(install.code, install.out).toBe(0);
    const site = path.join(project, '.venv', 'lib', `python${python}`, 'site-packages');
    expect(readdirSync(site)).toContain('demo_pkg-1.0.dist-info');
  });
});
