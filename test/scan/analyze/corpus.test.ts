// Real samples from ../shared/corpus, read out of the shard tars into a /tmp scratch folder
// (never into the repository), scanned by the real reader and the analysis. Never executed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { readDistribution } from '../../../src/scan/archive/index.js';
import { DEFAULT_LIMITS } from '../../../src/scan/limits.js';
import { analyze, wantsContent, type Analysis } from '../../../src/scan/analyze/index.js';
import { requireOrSkip } from '../../helpers/ci.js';

const CORPUS = new URL('../../../../shared/corpus/', import.meta.url).pathname;
const present = existsSync(join(CORPUS, 'malicious-dev.jsonl'));
requireOrSkip(present, `\n*** corpus tests SKIPPED: ${CORPUS} is absent ***\n`);

/** Every `step`-th file of a split (by manifest order), written to `dir`. */
async function extract(split: string, step: number, dir: string): Promise<{ path: string; filename: string; sha256: string }[]> {
  const manifest = readFileSync(join(CORPUS, `${split}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const wanted = new Map<string, { filename: string; shard: string }>();
  manifest.forEach((m, i) => i % step === 0 && wanted.set(`${m.sha256}/${m.filename}`, m));
  const shards = [...new Set([...wanted.values()].map((m) => m.shard))];
  const out: { path: string; filename: string; sha256: string }[] = [];
  for (const shard of shards) {
    await new Promise<void>((resolve, reject) => {
      const ex = tar.extract();
      ex.on('entry', (h, stream, next) => {
        const hit = wanted.get(h.name);
        const chunks: Buffer[] = [];
        stream.on('data', (c) => hit && chunks.push(c as Buffer));
        stream.on('end', () => {
          if (hit) {
            const path = join(dir, h.name.split('/')[0]);
            writeFileSync(path, Buffer.concat(chunks));
            out.push({ path, filename: hit.filename, sha256: h.name.split('/')[0] });
          }
          next();
        });
        stream.resume();
      });
      ex.on('finish', resolve);
      ex.on('error', reject);
      createReadStream(join(CORPUS, shard)).pipe(ex);
    });
  }
  return out;
}

async function scanAll(files: { path: string; filename: string; sha256: string }[]): Promise<Analysis['verdict'][]> {
  const verdicts: Analysis['verdict'][] = [];
  for (const f of files) {
    try {
      const dist = await readDistribution(f.path, { filename: f.filename, sha256: f.sha256, limits: DEFAULT_LIMITS, wantsContent });
      verdicts.push(analyze(dist).verdict);
    } catch {
      verdicts.push('error');
    }
  }
  return verdicts;
}

describe.skipIf(!present)('analysis on real corpus samples', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pywarden-rules-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds nearly every sampled malicious file and blocks most', async () => {
    const files = await extract('malicious-dev', 25, dir);
    expect(files.length).toBeGreaterThan(80);
    const v = await scanAll(files);
    const held = v.filter((x) => x !== 'clean').length / v.length;
    const blocked = v.filter((x) => x === 'malicious').length / v.length;
    // Regression floors a little under what dev-analyze measures on the whole split (held ~0.82,
    // blocked ~0.71 of files); the project's targets (0.97 / 0.85) are not reached yet.
    expect(held).toBeGreaterThan(0.78);
    expect(blocked).toBeGreaterThan(0.6);
  }, 180_000); // a few hundred real archives: about 50 s on a loaded 2-core machine

  it('blocks none of the sampled benign files and holds few', async () => {
    const files = await extract('benign-dev', 8, dir);
    expect(files.length).toBeGreaterThan(80);
    const v = await scanAll(files);
    expect(v.filter((x) => x === 'malicious')).toEqual([]);
    expect(v.filter((x) => x !== 'clean').length / v.length).toBeLessThan(0.05);
  }, 180_000);
});
