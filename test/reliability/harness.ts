// Shared set-up for the reliability tests: a real proxy on port 0 in front of a FaultUpstream,
// a real SQLite file and blob folder in a tmp dir, and helpers to look at what was left behind.
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type Running } from '../../src/main.js';
import { createLogger } from '../../src/log.js';
import { createScanner } from '../../src/scan/scan.js';
import type { Scanner, ScanInput, ScanResult } from '../../src/scan/types.js';
import { closeTestDb, testDb } from '../helpers/sqlite.js';

export const PIP_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';

export interface Proxy extends Running {
  data: string;
  logs: string[];
  scans: ScanInput[];
  /** Everything under data/tmp (must be empty once a request is answered). */
  tmpFiles(): string[];
  /** Every blob file in the store. */
  blobFiles(): string[];
  verdictCount(): number;
  stop(): Promise<void>;
}

/**
 * The real scanner (in-thread), wrapped to count scans: those after a download and those read
 * while the file downloads (scanGrowing), which cold files get, as from the real pool.
 */
export function countingScanner(inner: Scanner = createScanner({ workers: 0 }), delayMs = 0): Scanner & { scans: ScanInput[] } {
  const scans: ScanInput[] = [];
  const delay = () => (delayMs ? new Promise((r) => setTimeout(r, delayMs)) : undefined);
  const growing = inner.scanGrowing?.bind(inner);
  return {
    version: inner.version,
    scans,
    async scan(input): Promise<ScanResult> {
      scans.push(input);
      await delay();
      return inner.scan(input);
    },
    scanGrowing: growing && ((input) => {
      scans.push(input);
      const g = growing(input);
      return { complete: async (size, path) => (await delay(), g.complete(size, path)), abort: () => g.abort() };
    }),
    close: () => inner.close?.() ?? Promise.resolve(),
  };
}

/**
 * The synthetic wheels these tests serve are allow-listed by project: the subject here is the
 * proxy's plumbing, not the learned classifier's opinion of a three-file test wheel (which it
 * may hold). Allow-listed files are still downloaded, verified and scanned before they are
 * served (the tests count the scans); `boom` (the zip bomb) is deliberately not listed.
 */
export const TEST_PROJECTS = [
  'demo', 'bigone', 'smallone', 'huge', 'huge2', 'huge3', 'toobig', 'fits', 'calm', 'ranged', 'nego', 'real-name', 'slowdl', 'heavy',
  ...Array.from({ length: 20 }, (_, i) => `fresh${i}`),
];

export async function startProxy(upstream: string, flags: Partial<Record<keyof Config, unknown>> = {}, scanner?: Scanner & { scans?: ScanInput[] }): Promise<Proxy> {
  const data = (flags.data as string | undefined) ?? mkdtempSync(path.join(tmpdir(), 'pywarden-rel-'));
  const config = loadConfig({
    env: {},
    flags: { upstream, data, port: 0, host: '127.0.0.1', logLevel: 'debug', scanAhead: false, upstreamTimeout: 800, allow: { projects: TEST_PROJECTS }, ...flags },
  });
  const logs: string[] = [];
  const s = scanner ?? countingScanner();
  const running = await startServer(config, { scanner: s, log: createLogger('debug', {}, (l) => logs.push(l)) });
  const listDir = (d: string): string[] => {
    if (!existsSync(d)) return [];
    const out: string[] = [];
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) out.push(...listDir(p));
      else out.push(p);
    }
    return out;
  };
  return {
    ...running,
    data,
    logs,
    scans: (s as { scans?: ScanInput[] }).scans ?? [],
    tmpFiles: () => listDir(path.join(data, 'tmp')),
    blobFiles: () => listDir(path.join(data, 'blobs')),
    verdictCount: () => testDb(running.deps).prepare('SELECT count(*) FROM verdicts').pluck().get() as number,
    async stop() {
      await running.close();
      closeTestDb(data);
      if (!flags.data) rmSync(data, { recursive: true, force: true });
    },
  };
}

export async function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, { method, headers, redirect: 'manual' });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body };
}

/** The proxy's URL for a file, read from its own JSON project page (what a client does). */
export async function fileUrlFromPage(proxyUrl: string, project: string, filename: string): Promise<string> {
  const r = await get(`${proxyUrl}/simple/${project}/`, { accept: 'application/vnd.pypi.simple.v1+json' });
  if (r.status !== 200) throw new Error(`page ${project}: ${r.status} ${r.body.toString()}`);
  const page = JSON.parse(r.body.toString()) as { files: { filename: string; url: string }[] };
  const f = page.files.find((x) => x.filename === filename);
  if (!f) throw new Error(`${filename} not on the page of ${project}`);
  return new URL(f.url, `${proxyUrl}/simple/${project}/`).href;
}
