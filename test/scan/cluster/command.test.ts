// `pywarden cluster --add` then the batch, on real corpus files, against the shipped model.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../../src/commands/cluster.js';
import { loadModel } from '../../../src/scan/cluster/index.js';
import { requireOrSkip } from '../../helpers/ci.js';

const CORPUS = resolve(__dirname, '../../../../shared/corpus');
const have = existsSync(join(CORPUS, 'unpack.sh'));
requireOrSkip(have, `\n*** cluster command tests SKIPPED: no corpus at ${CORPUS} ***\n`);

let scratch = '';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
  try {
    const code = await run(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe.skipIf(!have)('pywarden cluster', () => {
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'pywarden-cluster-cmd-'));
    const r = spawnSync('bash', [join(CORPUS, 'unpack.sh'), 'malicious-dev', join(scratch, 'mal')], { stdio: 'ignore' });
    expect(r.status).toBe(0);
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('adds distributions to the haystack and re-clusters it as a batch', async () => {
    const rows = readFileSync(join(scratch, 'mal', 'manifest.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { sha256: string; filename: string; kind: string })
      .filter((r) => r.kind === 'sdist')
      .slice(0, 12);
    const data = join(scratch, 'data');
    const files = rows.map((r) => join(scratch, 'mal', r.sha256, r.filename));
    const added = await capture(['--data', data, '--add', ...files]);
    expect(added.code).toBe(0);
    expect(added.out).toMatch(/entries added/);
    const lines = readFileSync(join(data, 'cluster-haystack.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);

    const res = await capture(['--data', data, '--top', '5']);
    expect(res.code).toBe(0);
    const top = res.out.split('\n').filter((l) => /^\d\.\d{3} /.test(l));
    expect(top.length).toBe(Math.min(5, lines.length));
    const ranks = top.map((l) => Number(l.slice(0, 5)));
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    const model = loadModel(join(data, 'cluster-model.json'));
    const ids = new Set(rows.map((r) => r.sha256));
    expect(model.views.setup!.ids.some((id) => ids.has(id))).toBe(true);
  });

  it('rejects bad options with exit code 2', async () => {
    expect((await capture(['--top', 'x', '--data', join(scratch, 'none')])).code).toBe(2);
    expect((await capture(['stray'])).code).toBe(2);
    expect((await capture(['--refs', join(scratch, 'missing.json')])).code).toBe(2);
  });
});
