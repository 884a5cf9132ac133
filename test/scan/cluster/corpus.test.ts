// Real samples from the dev corpus (../shared/corpus): unpacked into a temporary folder outside
// the repository, read as bytes, never executed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDistribution } from '../../../src/scan/archive/index.js';
import type { Distribution } from '../../../src/scan/archive/types.js';
import { DEFAULT_LIMITS } from '../../../src/scan/limits.js';
import { hasCapability } from '../../../src/scan/cluster/capability.js';
import { fnv1a } from '../../../src/scan/cluster/embed.js';
import {
  buildModel,
  callSequence,
  clusterFinding,
  clusterModel,
  embedInstallScript,
  installCode,
  MemoryHaystack,
  addToHaystack,
  haystackEntries,
  modelFromJson,
  modelToJson,
  recluster,
  scoreInstallScript,
  wantsInstallCode,
  type LabelledScript,
} from '../../../src/scan/cluster/index.js';
import { scoreVector } from '../../../src/scan/cluster/model.js';
import { requireOrSkip } from '../../helpers/ci.js';

const CORPUS = resolve(__dirname, '../../../../shared/corpus');
const have = existsSync(join(CORPUS, 'unpack.sh'));
requireOrSkip(have, `\n*** cluster corpus tests SKIPPED: no corpus at ${CORPUS} ***\n`);

interface Row {
  sha256: string;
  filename: string;
  name: string;
  family: string;
  kind: string;
}

let scratch = '';
const dists = new Map<string, Distribution>();
const scripts: Array<LabelledScript & { name: string }> = [];
let benignRows: Row[] = [];
let malRows: Row[] = [];

async function read(dir: string, r: Row): Promise<Distribution> {
  return readDistribution(join(dir, r.sha256, r.filename), { filename: r.filename, sha256: r.sha256, limits: DEFAULT_LIMITS, wantsContent: (p) => wantsInstallCode(p) });
}

describe.skipIf(!have)('install-script ranking on real corpus samples', () => {
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'pywarden-cluster-test-'));
    for (const split of ['benign-dev', 'malicious-dev']) {
      const r = spawnSync('bash', [join(CORPUS, 'unpack.sh'), split, join(scratch, split)], { stdio: 'ignore' });
      expect(r.status).toBe(0);
    }
    const rows = (split: string) =>
      readFileSync(join(scratch, split, 'manifest.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Row);
    benignRows = rows('benign-dev').filter((r) => r.kind === 'sdist');
    // Every 4th malicious file keeps the test within a minute on two busy cores.
    malRows = rows('malicious-dev').filter((_, i) => i % 4 === 0);
    for (const [split, list, label] of [
      ['benign-dev', benignRows, 'benign'],
      ['malicious-dev', malRows, 'malicious'],
    ] as const) {
      for (const r of list) {
        const d = await read(join(scratch, split), r);
        dists.set(r.sha256, d);
        for (const c of installCode(d)) if (c.view === 'setup') scripts.push({ id: r.sha256, view: 'setup', calls: callSequence(c.text), label, family: r.family, name: r.name });
      }
    }
  }, 300_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('ranks held-out malicious families above held-out benign projects', () => {
    // References: half the benign projects and half the malicious families; the other halves are new.
    const isRef = (s: (typeof scripts)[number]) => (s.label === 'benign' ? fnv1a(s.name) % 2 === 0 : fnv1a(s.family!) % 2 === 0);
    const { model } = buildModel(scripts.filter(isRef));
    const fresh = scripts.filter((s) => !isRef(s));
    const rankOf = (s: (typeof scripts)[number]) => scoreInstallScript(dists.get(s.id)!, model)!.rank;
    const mal = fresh.filter((s) => s.label === 'malicious' && hasCapability(s.calls)).map(rankOf);
    const ben = fresh.filter((s) => s.label === 'benign').map(rankOf);
    expect(mal.length).toBeGreaterThan(50);
    expect(ben.length).toBeGreaterThan(50);
    // Probability that a random malicious script outranks a random benign one (AUC).
    let wins = 0;
    for (const m of mal) for (const b of ben) wins += m > b ? 1 : m === b ? 0.5 : 0;
    const auc = wins / (mal.length * ben.length);
    console.log(`cluster corpus test: ${mal.length} held-out malicious vs ${ben.length} held-out benign setup scripts, AUC ${auc.toFixed(3)}`);
    expect(auc).toBeGreaterThan(0.9);
  });

  it('scores with the shipped model, writes a reviewer finding, and stays within 20 ms per script', () => {
    const model = clusterModel();
    const payload = scripts.find((s) => s.label === 'malicious' && s.calls.some((c) => /system|Popen|exec/.test(c)))!;
    const s = scoreInstallScript(dists.get(payload.id)!, model)!;
    expect(s.view).toBe('setup');
    expect(s.nearestMalicious?.family).toMatch(/^fam-/);
    const f = clusterFinding(s);
    expect(f.rule).toBe('install-script-outlier');
    expect(f.message).toMatch(/benign/);
    expect(['info', 'low', 'medium']).toContain(f.severity);
    // Request path once the code is parsed: embedding is done, score against the stored model.
    const entries = [...dists.values()].slice(0, 60).flatMap((d) => embedInstallScript(d, false, model));
    const times: number[] = [];
    for (const { view, entry } of entries) {
      const t0 = performance.now();
      scoreVector(model.views[view]!, entry, model.embed.dims, model.weights);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    expect(times[Math.floor(times.length / 2)]).toBeLessThan(20);
  });

  it('returns null when there is no install-time code', () => {
    const empty: Distribution = { filename: 'x-1.0-py3-none-any.whl', sha256: 'x', format: 'wheel', container: 'zip', members: [], totalBytes: 0, fileBytes: 0 };
    expect(scoreInstallScript(empty, clusterModel())).toBeNull();
  });

  it('survives a JSON round trip of the model with identical scores', () => {
    const model = clusterModel();
    const again = modelFromJson(modelToJson(model));
    for (const d of [...dists.values()].slice(0, 30)) {
      const a = scoreInstallScript(d, model);
      const b = scoreInstallScript(d, again);
      if (a === null) expect(b).toBeNull();
      else expect(b!.rank).toBeCloseTo(a.rank, 5);
    }
  });

  it('learns from the haystack: a script a reviewer allowed becomes a benign neighbour', () => {
    const model = clusterModel();
    const target = scripts.find((s) => s.label === 'malicious' && s.calls.length >= 8 && hasCapability(s.calls))!;
    const before = scoreInstallScript(dists.get(target.id)!, model)!;
    const store = new MemoryHaystack();
    addToHaystack(store, dists.get(target.id)!, true, model);
    const { model: after, scores } = recluster(model, { setup: haystackEntries(store, 'setup', model) });
    expect(scores.setup?.get(target.id)).toBeDefined();
    const again = scoreInstallScript(dists.get(target.id)!, after)!;
    expect(again.benignDistance).toBeLessThan(0.01);
    expect(again.benignDistance).toBeLessThan(before.benignDistance);
    expect(again.rank).toBeLessThan(before.rank);
  });
});
