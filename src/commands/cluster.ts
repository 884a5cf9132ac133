// pywarden cluster: the install-script outlier model (MPHunter).
//   pywarden cluster --build-refs [--benign DEST] [--malicious DEST] [--out models/cluster-refs.json]
//       build the reference model from the dev corpus (unpacked into a temporary folder with the
//       corpus's unpack.sh unless DEST folders are given; nothing is ever executed).
//   pywarden cluster --data DIR --add FILE... [--trusted]
//       embed distributions' install-time code into the haystack DIR/cluster-haystack.jsonl.
//   pywarden cluster [--data DIR] [--refs PATH] [--top N]
//       batch: re-cluster references + haystack, write DIR/cluster-model.json, print the top N.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readDistribution } from '../scan/archive/index.js';
import { DEFAULT_LIMITS } from '../scan/limits.js';
import {
  addToHaystack,
  buildModel,
  callSequence,
  DEFAULT_MODEL_PATH,
  FileHaystack,
  haystackEntries,
  installCode,
  loadModel,
  recluster,
  saveModel,
  wantsInstallCode,
  type LabelledScript,
  type View,
} from '../scan/cluster/index.js';
import { createHash } from 'node:crypto';

const HELP = `usage: pywarden cluster [--data DIR] [--refs PATH] [--top N]
       pywarden cluster --build-refs [--benign DEST] [--malicious DEST] [--corpus DIR] [--out PATH]
       pywarden cluster --data DIR --add FILE... [--trusted]

  --build-refs     build the reference model from the dev corpus (benign-dev, benign-debian, malicious-dev)
  --corpus DIR     corpus folder holding unpack.sh (default: ../shared/corpus beside the repo)
  --benign DEST    an already unpacked benign split (unpack.sh layout); repeatable
  --malicious DEST an already unpacked malicious split; repeatable
  --out PATH       where to write the model (default: models/cluster-refs.json)
  --data DIR       the haystack folder (cluster-haystack.jsonl, cluster-model.json); default: data
  --add FILE...    embed these distribution files into the haystack
  --trusted        mark the added files as known benign (they then define benign clusters)
  --refs PATH      reference model (default: models/cluster-refs.json)
  --top N          print the N highest-ranked haystack scripts (default 20)`;

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

async function readFile(path: string, filename: string, sha256: string) {
  return readDistribution(path, { filename, sha256, limits: DEFAULT_LIMITS, wantsContent: (p) => wantsInstallCode(p) });
}

async function scriptsOf(dest: string, label: 'benign' | 'malicious', out: LabelledScript[]): Promise<{ files: number; unreadable: number }> {
  const manifest = readFileSync(join(dest, 'manifest.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { sha256: string; filename: string; family?: string });
  let unreadable = 0;
  for (const m of manifest) {
    try {
      const dist = await readFile(join(dest, m.sha256, m.filename), m.filename, m.sha256);
      for (const code of installCode(dist)) out.push({ id: m.sha256, view: code.view, calls: callSequence(code.text), label, family: m.family });
    } catch {
      unreadable++;
    }
  }
  return { files: manifest.length, unreadable };
}

function unpack(corpus: string, split: string, into: string): string {
  const dest = join(into, split);
  const r = spawnSync('bash', [join(corpus, 'unpack.sh'), split, dest], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`unpack.sh ${split} failed (exit ${r.status})`);
  return dest;
}

async function buildRefs(v: Record<string, unknown>): Promise<number> {
  const t0 = Date.now();
  let benign = (v.benign as string[] | undefined) ?? [];
  let malicious = (v.malicious as string[] | undefined) ?? [];
  let scratch: string | undefined;
  if (!benign.length || !malicious.length) {
    const corpus = resolve((v.corpus as string | undefined) ?? join(repoRoot, '../shared/corpus'));
    if (!existsSync(join(corpus, 'unpack.sh'))) {
      process.stderr.write(`pywarden cluster: no corpus at ${corpus} (give --corpus or --benign/--malicious)\n`);
      return 2;
    }
    // Samples are unpacked outside the repository and removed afterwards.
    scratch = mkdtempSync(join(tmpdir(), 'pywarden-cluster-'));
    if (!benign.length) {
      benign = [unpack(corpus, 'benign-dev', scratch)];
      // The Debian wheels add benign import-time code (package __init__.py); they are built on
      // demand from apt (corpus README) and skipped, with a warning, where that is impossible.
      try {
        benign.push(unpack(corpus, 'benign-debian', scratch));
      } catch (e) {
        process.stderr.write(`pywarden cluster: benign-debian skipped (${(e as Error).message})\n`);
      }
    }
    if (!malicious.length) malicious = [unpack(corpus, 'malicious-dev', scratch)];
  }
  try {
    const scripts: LabelledScript[] = [];
    const counts: Record<string, unknown> = {};
    for (const d of benign) counts[`benign:${basename(d)}`] = await scriptsOf(d, 'benign', scripts);
    for (const d of malicious) counts[`malicious:${basename(d)}`] = await scriptsOf(d, 'malicious', scripts);
    const { model, report } = buildModel(scripts, undefined, { builtAt: new Date().toISOString(), sources: counts });
    model.info.report = report;
    const out = resolve((v.out as string | undefined) ?? DEFAULT_MODEL_PATH);
    saveModel(out, model);
    for (const r of report) {
      process.stdout.write(
        `${r.view}: ${r.benign} benign install scripts, ${r.maliciousScripts} malicious (${r.withCapability} with a payload capability) -> ${r.maliciousRefs} malicious references from ${r.families} families; ${r.clusters} clusters (${r.benignClusters} benign); ${r.ms} ms\n`,
      );
    }
    process.stdout.write(`wrote ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return 0;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

async function add(files: string[], data: string, trusted: boolean, refsPath: string): Promise<number> {
  mkdirSync(data, { recursive: true });
  const store = new FileHaystack(join(data, 'cluster-haystack.jsonl'));
  const model = loadModel(refsPath);
  let n = 0;
  for (const f of files) {
    const sha256 = createHash('sha256').update(readFileSync(f)).digest('hex');
    try {
      const dist = await readFile(f, basename(f), sha256);
      const stored = addToHaystack(store, dist, trusted, model);
      n += stored.length;
      process.stdout.write(`${basename(f)}: ${stored.map((s) => `${s.view} (${s.calls} calls)`).join(', ') || 'no install-time code'}\n`);
    } catch (e) {
      process.stderr.write(`${basename(f)}: unreadable (${(e as Error).message})\n`);
    }
  }
  process.stdout.write(`${n} entries added to ${store.path}\n`);
  return 0;
}

function batch(data: string, refsPath: string, top: number): number {
  const refs = loadModel(refsPath);
  const store = new FileHaystack(join(data, 'cluster-haystack.jsonl'));
  const seen: Partial<Record<View, ReturnType<typeof haystackEntries>>> = {};
  for (const view of Object.keys(refs.views) as View[]) seen[view] = haystackEntries(store, view, refs);
  const res = recluster(refs, seen);
  mkdirSync(data, { recursive: true });
  const out = join(data, 'cluster-model.json');
  saveModel(out, res.model);
  const rows: Array<{ view: View; id: string; rank: number; text: string }> = [];
  for (const [view, m] of Object.entries(res.scores) as Array<[View, Map<string, import('../scan/cluster/index.js').ScriptScore>]>) {
    for (const [id, s] of m) {
      const mal = s.nearestMalicious ? ` malicious ${s.nearestMalicious.similarity.toFixed(2)} (${s.nearestMalicious.family})` : '';
      rows.push({ view, id, rank: s.rank, text: `outlier ${s.outlier.toFixed(2)} benign-distance ${s.benignDistance.toFixed(2)}${mal}` });
    }
  }
  rows.sort((a, b) => b.rank - a.rank);
  for (const r of rows.slice(0, top)) process.stdout.write(`${r.rank.toFixed(3)}  ${r.view.padEnd(6)} ${r.id}  ${r.text}\n`);
  const sizes = Object.entries(res.model.views).map(([v, m]) => `${v}: ${m!.points.length} scripts, ${m!.clusters} clusters`);
  process.stdout.write(`re-clustered ${sizes.join('; ')} in ${res.ms.toFixed(0)} ms; wrote ${out}\n`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'build-refs': { type: 'boolean', default: false },
        corpus: { type: 'string' },
        benign: { type: 'string', multiple: true },
        malicious: { type: 'string', multiple: true },
        out: { type: 'string' },
        data: { type: 'string', default: 'data' },
        add: { type: 'boolean', default: false },
        trusted: { type: 'boolean', default: false },
        refs: { type: 'string' },
        top: { type: 'string', default: '20' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`pywarden cluster: ${(e as Error).message}\n${HELP}\n`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (v['build-refs']) return buildRefs(v);
  const refsPath = resolve(v.refs ?? DEFAULT_MODEL_PATH);
  if (!existsSync(refsPath)) {
    process.stderr.write(`pywarden cluster: no reference model at ${refsPath} (run "npm run cluster-refs")\n`);
    return 2;
  }
  if (v.add) return add(positionals, resolve(v.data), v.trusted, refsPath);
  if (positionals.length) {
    process.stderr.write(`pywarden cluster: unexpected arguments ${positionals.join(' ')} (did you mean --add?)\n`);
    return 2;
  }
  const top = Number(v.top);
  if (!Number.isInteger(top) || top < 0) {
    process.stderr.write(`pywarden cluster: --top must be a non-negative integer, got "${v.top}"\n`);
    return 2;
  }
  return batch(resolve(v.data), refsPath, top);
}
