// Real archives for tests, written by test/helpers/make_dist.py (Python's zipfile and tarfile).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface DistSpec {
  kind: 'wheel' | 'sdist';
  name: string;
  version: string;
  files?: Record<string, string>;
  tag?: string;
  requires_python?: string;
  summary?: string;
}

/** Writes the distributions into `dir`; returns their file names. */
export function makeDists(dir: string, specs: DistSpec[]): string[] {
  const out = execFileSync('python3', [path.join(here, 'make_dist.py'), dir, JSON.stringify(specs)], {
    encoding: 'utf8',
    env: { ...process.env, PYENV_VERSION: process.env.PYENV_VERSION ?? '3.11.7' },
  });
  return JSON.parse(out) as string[];
}

/** pyenv Pythons on this machine by their pip's major.minor, e.g. { '18.1': '/root/.pyenv/versions/3.6.15/bin/python' }. */
export function findPythons(): Map<string, string> {
  const root = process.env.PYENV_ROOT ?? '/root/.pyenv';
  const found = new Map<string, string>();
  const versions = path.join(root, 'versions');
  if (!existsSync(versions)) return found;
  for (const v of readdirSync(versions).sort()) {
    const py = path.join(versions, v, 'bin', 'python');
    if (!existsSync(py) || v.startsWith('2.')) continue;
    try {
      const out = execFileSync(py, ['-m', 'pip', '--version'], { encoding: 'utf8', env: { ...process.env, PIP_CONFIG_FILE: '/dev/null' } });
      const m = /^pip (\d+\.\d+(?:\.\d+)?)/.exec(out);
      if (m && !found.has(m[1])) found.set(m[1], py);
    } catch {
      /* no pip for this Python */
    }
  }
  return found;
}

export interface PipRun {
  code: number;
  out: string;
}

/**
 * Runs real pip isolated from this machine's configuration (it has extra local indexes).
 * Asynchronous on purpose: the proxy under test usually runs in this same process.
 */
export function pip(python: string, args: string[], timeoutMs = 120_000): Promise<PipRun> {
  return new Promise((resolve) => {
    execFile(
      python,
      ['-m', 'pip', ...args, '--isolated', '--no-cache-dir', '--disable-pip-version-check'],
      { encoding: 'utf8', timeout: timeoutMs, env: { PATH: process.env.PATH, HOME: process.env.HOME, PIP_CONFIG_FILE: '/dev/null', PIP_NO_INPUT: '1' } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}
