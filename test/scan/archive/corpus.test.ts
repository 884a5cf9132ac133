// The real corpus: every malicious-dev and benign-dev distribution must be readable with the
// default limits (a read error would hold it as `error`, which hides whether the rules work), and
// the format seen in the bytes must match the manifest's `kind`. Samples are only read, never run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDistribution } from '../../../src/scan/archive/index.js';
import { DEFAULT_LIMITS } from '../../../src/scan/limits.js';
import { requireOrSkip } from '../../helpers/ci.js';

const corpus = resolve(import.meta.dirname, '../../../../shared/corpus');
const present = existsSync(join(corpus, 'unpack.sh'));
requireOrSkip(present, `\n*** SKIPPED real-corpus archive tests: ${corpus} is absent ***\n`);

let scratch: string;
beforeAll(() => {
  if (present) scratch = mkdtempSync(join(tmpdir(), 'pywarden-corpus-'));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const KIND_TO_FORMAT: Record<string, string> = { sdist: 'sdist-tar', wheel: 'wheel', zip: 'sdist-zip', egg: 'egg' };

describe.skipIf(!present)('real corpus archives', () => {
  for (const split of ['malicious-dev', 'benign-dev']) {
    it(`reads every ${split} file with the default limits`, async () => {
      const dest = join(scratch, split);
      execFileSync('bash', [join(corpus, 'unpack.sh'), split, dest], { stdio: 'ignore' });
      const manifest = readFileSync(join(dest, 'manifest.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { sha256: string; filename: string; kind: string; container?: string });
      const failures: string[] = [];
      const mismatched: string[] = [];
      const containers = new Map<string, number>();
      for (const e of manifest) {
        try {
          const d = await readDistribution(join(dest, e.sha256, e.filename), {
            filename: e.filename,
            sha256: e.sha256,
            limits: DEFAULT_LIMITS,
            wantsContent: (p) => /\.(py|pth|cfg|toml)$|(^|\/)(PKG-INFO|METADATA)$/.test(p),
          });
          containers.set(d.container, (containers.get(d.container) ?? 0) + 1);
          if (KIND_TO_FORMAT[e.kind] !== d.format) mismatched.push(`${e.filename}: ${e.kind} read as ${d.format}`);
          if (e.container && e.container !== d.container) mismatched.push(`${e.filename}: ${e.container} read as ${d.container}`);
        } catch (err) {
          failures.push(`${e.filename}: ${(err as Error).message}`);
        }
      }
      console.log(`${split}: ${manifest.length} files, containers ${JSON.stringify(Object.fromEntries(containers))}`);
      expect(failures).toEqual([]);
      expect(mismatched).toEqual([]);
      expect(manifest.length).toBeGreaterThan(500);
    }, 120_000);
  }
});
