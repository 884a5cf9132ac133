// Install-script ranking cost on this machine (docs/DETECTION.md, cluster section):
//   node bench/cluster.mjs [SCRATCH]     (default SCRATCH: a fresh temporary folder)
// 1. per script, on every dev-corpus distribution with install-time code: parse + call extraction
//    (tree-sitter), embedding, and scoring against the shipped model (models/cluster-refs.json);
// 2. the batch: re-clustering the whole dev corpus (every benign and malicious script of both
//    views as the haystack) as `pywarden cluster` does.
// Samples are unpacked outside the repository with the corpus's unpack.sh and only read.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDistribution } from '../dist/scan/archive/index.js';
import { DEFAULT_LIMITS } from '../dist/scan/limits.js';
import { callSequence, clusterModel, installCode, recluster, wantsInstallCode } from '../dist/scan/cluster/index.js';
import { embed } from '../dist/scan/cluster/embed.js';
import { scoreVector } from '../dist/scan/cluster/model.js';
import { hasCapability } from '../dist/scan/cluster/capability.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const corpus = resolve(root, '../shared/corpus');
const own = !process.argv[2];
const scratch = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'pywarden-cluster-bench-'));
const q = (a, p) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
const fmt = (a) => `p50 ${q(a, 0.5).toFixed(2)} ms, p90 ${q(a, 0.9).toFixed(2)} ms, p99 ${q(a, 0.99).toFixed(2)} ms, max ${a[a.length - 1].toFixed(2)} ms`;
try {
  const model = clusterModel();
  const t = { parse: [], embed: [], score: [], total: [] };
  const seen = { setup: [], import: [] };
  for (const split of ['benign-dev', 'malicious-dev']) {
    const dest = join(scratch, split);
    if (!existsSync(join(dest, 'manifest.jsonl'))) {
      const r = spawnSync('bash', [join(corpus, 'unpack.sh'), split, dest], { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`unpack.sh ${split} failed`);
    }
    const rows = readFileSync(join(dest, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const m of rows) {
      let dist;
      try {
        dist = await readDistribution(join(dest, m.sha256, m.filename), { filename: m.filename, sha256: m.sha256, limits: DEFAULT_LIMITS, wantsContent: (p) => wantsInstallCode(p) });
      } catch {
        continue;
      }
      for (const code of installCode(dist)) {
        const vm = model.views[code.view];
        if (!vm) continue;
        const t0 = performance.now();
        const calls = callSequence(code.text);
        const t1 = performance.now();
        if (!calls.length) continue;
        const vec = embed(calls, model.idf[code.view], model.embed);
        const t2 = performance.now();
        scoreVector(vm, { vec, calls: calls.length, capable: hasCapability(calls) }, model.embed.dims, model.weights);
        const t3 = performance.now();
        t.parse.push(t1 - t0);
        t.embed.push(t2 - t1);
        t.score.push(t3 - t2);
        t.total.push(t3 - t0);
        seen[code.view].push({ id: `${m.sha256}:${code.view}`, vec, calls: calls.length, trusted: m.label === 'benign' });
      }
    }
  }
  for (const k of Object.keys(t)) t[k].sort((a, b) => a - b);
  console.log(`machine: ${cpus().length} cores (${cpus()[0].model}), load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`per script (${t.total.length} install scripts of the dev corpus, both views):`);
  console.log(`  parse + call extraction  ${fmt(t.parse)}`);
  console.log(`  embedding                ${fmt(t.embed)}`);
  console.log(`  scoring vs stored model  ${fmt(t.score)}`);
  console.log(`  all three                ${fmt(t.total)}`);
  const t0 = performance.now();
  const res = recluster(model, seen);
  const ms = performance.now() - t0;
  const sizes = Object.entries(res.model.views).map(([v, m]) => `${v} ${m.points.length} scripts / ${m.clusters} clusters`);
  console.log(`batch re-clustering of the whole dev corpus (${sizes.join(', ')}): ${(ms / 1000).toFixed(2)} s`);
} finally {
  if (own) rmSync(scratch, { recursive: true, force: true });
}
