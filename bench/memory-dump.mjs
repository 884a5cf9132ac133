// Preloaded into a proxy by bench/memory-load.mjs (node --import): on SIGUSR2 the process writes
// its memory breakdown (RSS, V8 heap spaces, external and ArrayBuffer memory) to
// $PYWARDEN_MEMORY_DUMP.<pid>.json. Not part of the server.
import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const mib = (x) => +(x / 2 ** 20).toFixed(1);
process.on('SIGUSR2', () => {
  if (process.env.PYWARDEN_MEMORY_GC) globalThis.gc?.();
  const m = process.memoryUsage();
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  const space = (name) => mib(v8.getHeapSpaceStatistics().find((s) => s.space_name === name)?.space_size ?? NaN);
  const out = {
    rss: mib(m.rss),
    rssAnon: +(kib('RssAnon') / 1024).toFixed(1),
    rssFile: +(kib('RssFile') / 1024).toFixed(1),
    heapTotal: mib(m.heapTotal),
    newSpace: space('new_space'),
    oldSpace: space('old_space'),
    external: mib(m.external),
    arrayBuffers: mib(m.arrayBuffers),
  };
  writeFileSync(`${process.env.PYWARDEN_MEMORY_DUMP}.${process.pid}.json`, JSON.stringify(out));
});
