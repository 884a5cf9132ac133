// The proxy that Debian's Python clients (Poetry, PDM) install through in the end-to-end tests: a
// local folder upstream with demo_pkg 1.0 and 1.1 wheels, 1.1 on the deny list. No allow-list:
// the fixtures are downloaded, verified, scanned and judged by the real scanner and model.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startServer, type Running } from '../../src/main.js';
import { makeDists } from './dists.js';

export interface DemoProxy {
  /** Scratch folder for the client's project, caches and home. */
  work: string;
  /** An empty folder for the consumer project (created). */
  project: string;
  proxy: Running;
  /** Debian's Python as "3.11". */
  python: string;
  stop(): Promise<void>;
}

export async function startDemoProxy(prefix: string): Promise<DemoProxy> {
  const work = mkdtempSync(path.join(tmpdir(), prefix));
  const folder = path.join(work, 'upstream');
  makeDists(folder, [
    { kind: 'wheel', name: 'demo_pkg', version: '1.0' },
    { kind: 'wheel', name: 'demo_pkg', version: '1.1' },
  ]);
  const proxy = await startServer(
    loadConfig({ env: {}, flags: { host: '127.0.0.1', port: 0, upstream: folder, data: path.join(work, 'data'), logLevel: 'warn', scanWorkers: '1', deny: { versions: ['demo-pkg==1.1'] } } }),
  );
  const python = execFileSync('/usr/bin/python3', ['-c', 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")'], { encoding: 'utf8' }).trim();
  const project = path.join(work, 'consumer');
  mkdirSync(project, { recursive: true });
  return {
    work,
    project,
    proxy,
    python,
    async stop() {
      await proxy.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Runs a client command in `cwd` with exactly `env`; never rejects (the exit status is in `code`). */
export function runClient(bin: string, args: string[], cwd: string, env: Record<string, string | undefined>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(bin, args, { cwd, env, timeout: 180_000, encoding: 'utf8' }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr })),
  );
}

type Run = (args: string[]) => Promise<{ code: number; out: string }>;

/** A Poetry project in `dir` that depends on `dep` from `indexUrl` alone; returns `poetry <args> --no-interaction` run there. */
export function poetryProject(poetry: string, dir: string, indexUrl: string, dep: string, python: string): Run {
  writeFileSync(
    path.join(dir, 'pyproject.toml'),
    `[tool.poetry]
name = "consumer"
version = "0.1.0"
description = ""
authors = ["tests <tests@example.org>"]

[tool.poetry.dependencies]
python = "^${python}"
${dep} = "*"

[[tool.poetry.source]]
name = "pywarden"
url = "${indexUrl}"
default = true

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
`,
  );
  const env = { PATH: process.env.PATH, HOME: dir, POETRY_VIRTUALENVS_IN_PROJECT: 'true', POETRY_CACHE_DIR: path.join(dir, 'cache'), PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring' };
  return (args) => runClient(poetry, [...args, '--no-interaction'], dir, env);
}

/** A PDM project in `dir` that depends on `dep` from `indexUrl` alone, on Debian's python3; returns `pdm <args>` run there. */
export async function pdmProject(pdm: string, dir: string, indexUrl: string, dep: string, python: string): Promise<Run> {
  writeFileSync(
    path.join(dir, 'pyproject.toml'),
    `[project]
name = "consumer"
version = "0.1.0"
requires-python = ">=${python}"
dependencies = ["${dep}"]

[[tool.pdm.source]]
name = "pypi"
url = "${indexUrl}"
verify_ssl = false
`,
  );
  const env = { PATH: '/usr/bin:/bin', HOME: dir, PDM_CHECK_UPDATE: 'false', PDM_IGNORE_SAVED_PYTHON: '1', PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring' };
  const run: Run = (args) => runClient(pdm, args, dir, env);
  const use = await run(['use', '-f', '/usr/bin/python3']);
  if (use.code !== 0) throw new Error(`pdm use failed: ${use.out}`);
  return run;
}
