// node bench/scan-pool.mjs [N] (after npm run build): what scanning in child processes costs.
// 1. The first scan on a new scan process (fork + loading the parser and the classifier) against
//    later scans on the same process, five fresh pools of one process each, medians.
// 2. `pywarden scan --jsonl` with N (default 1,000) small wheels on one command line, which died
//    with SIGSEGV at about 400 before issue 10: wall time, and every path must come back once.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, writeWheel } from './lib.mjs';

const n = Number(process.argv[2] ?? 1000);
const { ScanPool } = await import(path.join(ROOT, 'dist/scan/pool.js'));
const { resolveLimits } = await import(path.join(ROOT, 'dist/scan/limits.js'));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'pywarden-scanpool-'));
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
try {
  const wheels = Array.from({ length: n }, (_, i) => writeWheel(scratch, `pkg${i}`, '1.0'));
  const input = (w) => ({ path: path.join(scratch, w.filename), filename: w.filename, sha256: w.sha256 });

  const cold = [];
  const warm = [];
  for (let k = 0; k < 5; k++) {
    const pool = new ScanPool({ size: 1, limits: resolveLimits({}), version: 'bench' });
    let t = performance.now();
    await pool.scan(input(wheels[k]));
    cold.push(performance.now() - t);
    for (let j = 0; j < 5; j++) {
      t = performance.now();
      await pool.scan(input(wheels[10 + j]));
      warm.push(performance.now() - t);
    }
    await pool.close();
  }
  console.log(`first scan on a new scan process: median ${median(cold).toFixed(0)} ms (${cold.map((x) => x.toFixed(0)).join(', ')}); later scans: median ${median(warm).toFixed(1)} ms`);

  const paths = wheels.map((w) => path.join(scratch, w.filename));
  const t = performance.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/pywarden.js'), 'scan', '--jsonl', ...paths], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const secs = (performance.now() - t) / 1000;
  const files = new Set(r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).file));
  const missing = paths.filter((p) => !files.has(p)).length;
  console.log(`pywarden scan --jsonl with ${n} paths on one command line: exit ${r.status ?? r.signal}, ${files.size} files reported, ${missing} missing, ${secs.toFixed(1)} s`);
  if (r.status !== 0 || missing) process.exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
