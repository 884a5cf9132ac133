// `pywarden scan --model-scores`: out-of-fold evaluation takes the score npm run train recorded for
// a training file instead of the shipped model's (which saw that file); other files keep the model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzip, makeTar } from '../scan/archive/fixtures.js';

const bin = join(resolve(import.meta.dirname, '../..'), 'bin/pywarden.js');
let dir: string;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pywarden-oof-'));
  for (const name of ['alpha', 'beta']) {
    const tar = gzip(
      await makeTar([
        { name: `${name}-1.0/setup.py`, data: `from setuptools import setup\nsetup(name="${name}", version="1.0")\n` },
        { name: `${name}-1.0/${name}/__init__.py`, data: '"""A package."""\n' },
      ]),
    );
    writeFileSync(join(dir, `${name}-1.0.tar.gz`), tar);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pywarden scan --model-scores', () => {
  it('uses the given score for a listed file and the model for the others', () => {
    const alpha = sha(readFileSync(join(dir, 'alpha-1.0.tar.gz')));
    writeFileSync(join(dir, 'oof.json'), JSON.stringify([{ sha256: alpha, stack: 0.1234 }]));
    const run = (extra: string[]) => {
      const r = spawnSync(process.execPath, [bin, 'scan', '--jsonl', '--workers', '1', ...extra, join(dir, 'alpha-1.0.tar.gz'), join(dir, 'beta-1.0.tar.gz')], { encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      return new Map(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; model: number }).map((x) => [x.file.split('/').pop(), x.model]));
    };
    const own = run([]);
    const given = run(['--model-scores', join(dir, 'oof.json')]);
    expect(own.get('alpha-1.0.tar.gz')).not.toBe(0.1234);
    expect(given.get('alpha-1.0.tar.gz')).toBe(0.1234);
    expect(given.get('beta-1.0.tar.gz')).toBe(own.get('beta-1.0.tar.gz'));
  });
});
