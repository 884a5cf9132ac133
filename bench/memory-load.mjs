// node bench/memory-load.mjs (after npm run build; needs wrk): where a serving process's memory
// goes under bench/run.mjs's load. One `pywarden serve --processes 1` on a folder upstream (the
// bench's small, 3,000-file and 15 MB projects) is warmed as the bench warms it, then each load
// cell of the bench runs (wrk, BENCH_SECONDS s), and after each step the process reports its RSS
// (anonymous and file-backed), V8 heap (young and old generation), external and ArrayBuffer
// memory (bench/memory-dump.mjs, preloaded). Prints one table row per step.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PIP_ACCEPT, ROOT, startProxy, wrk, writeWheel } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'pywarden-memload-'));
const up = path.join(scratch, 'upstream');
const dumpBase = path.join(scratch, 'memory');
try {
  for (const v of ['1.0', '1.1', '1.2']) writeWheel(up, 'small', v);
  for (let i = 0; i < 3000; i++) writeWheel(up, 'many', `${Math.floor(i / 100)}.${Math.floor(i / 10) % 10}.${i % 10}`);
  const big = writeWheel(up, 'bigfile', '1.0', 15_000_000);
  const proxy = await startProxy({
    upstream: up,
    data: path.join(scratch, 'data'),
    env: { NODE_OPTIONS: `--import ${path.join(ROOT, 'bench/memory-dump.mjs')}${process.env.PYWARDEN_MEMORY_GC ? ' --expose-gc' : ''}`, PYWARDEN_MEMORY_DUMP: dumpBase },
  });
  const rows = [];
  const step = async (what) => {
    proxy.child.kill('SIGUSR2');
    await new Promise((r) => setTimeout(r, 300));
    const m = JSON.parse(readFileSync(`${dumpBase}.${proxy.pid}.json`, 'utf8'));
    rows.push([what, m]);
    console.error(`[memory-load] ${what}: ${JSON.stringify(m)}`);
  };
  const settle = (ms) => new Promise((r) => setTimeout(r, ms));
  await step('idle');
  for (const p of ['small', 'many', 'bigfile']) {
    for (const accept of [PIP_ACCEPT, 'text/html']) await (await fetch(`${proxy.url}/simple/${p}/`, { headers: { accept } })).arrayBuffer();
    await settle(3000); // scan-ahead fetches and scans the newest file in the background
    await step(`pages of ${p} served (JSON, HTML)`);
  }
  const bigPath = `/files/${big.sha256}/${big.filename}`;
  await (await fetch(proxy.url + bigPath)).arrayBuffer();
  await step('15 MB file fetched');
  const cells = [
    ['small page, JSON', '/simple/small/', PIP_ACCEPT, [1, 32]],
    ['small page, HTML', '/simple/small/', 'text/html', [1, 32]],
    ['3,000-file page, JSON', '/simple/many/', PIP_ACCEPT, [1, 32]],
    ['3,000-file page, HTML', '/simple/many/', 'text/html', [1, 32]],
    ['15 MB file', bigPath, null, [1, 8]],
  ];
  for (const [name, p, accept, conns] of cells) {
    for (const c of conns) {
      wrk(proxy.url + p, { connections: c, seconds: SECONDS, headers: accept ? { accept } : {} });
      await step(`after wrk: ${name}, ${c} conn.`);
    }
  }
  await proxy.stop();
  console.log('| step | RSS | anon | file | V8 heap | young gen | old gen | external | ArrayBuffers |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [what, m] of rows) console.log(`| ${what} | ${m.rss} | ${m.rssAnon} | ${m.rssFile} | ${m.heapTotal} | ${m.newSpace} | ${m.oldSpace} | ${m.external} | ${m.arrayBuffers} |`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
