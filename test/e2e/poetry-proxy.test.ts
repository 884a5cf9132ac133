// Poetry (Debian's python3-poetry) resolving and installing through the proxy. Old Poetry's legacy
// repository sends no simple-API Accept type and parses HTML only: this caught the */* default.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runClient, startDemoProxy, type DemoProxy } from '../helpers/client-proxy.js';
import { requireOrSkip } from '../helpers/ci.js';

const poetry = ['/usr/bin/poetry'].find((p) => existsSync(p));
requireOrSkip(!!poetry, '!!! poetry not installed (apt-get install python3-poetry): Poetry end-to-end test skipped');

let demo: DemoProxy;

function run(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return runClient(poetry!, [...args, '--no-interaction'], cwd, {
    PATH: process.env.PATH,
    HOME: cwd,
    POETRY_VIRTUALENVS_IN_PROJECT: 'true',
    POETRY_CACHE_DIR: path.join(cwd, 'cache'),
    PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring',
  });
}

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
    writeFileSync(
      path.join(project, 'pyproject.toml'),
      `[tool.poetry]
name = "consumer"
version = "0.1.0"
description = ""
authors = ["tests <tests@example.org>"]

[tool.poetry.dependencies]
python = "^${python}"
demo-pkg = "*"

[[tool.poetry.source]]
name = "pywarden"
url = "${demo.proxy.url}/simple/"
default = true

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
`,
    );
    const lock = await run(['lock'], project);
    expect(lock.code, lock.out).toBe(0);
    expect(readFileSync(path.join(project, 'poetry.lock'), 'utf8')).toMatch(/name = "demo-pkg"\nversion = "1\.0"/);
    const install = await run(['install', '--no-root'], project);
    expect(install.code, install.out).toBe(0);
    const site = path.join(project, '.venv', 'lib', `python${python}`, 'site-packages');
    expect(readdirSync(site)).toContain('demo_pkg-1.0.dist-info');
  });
});
