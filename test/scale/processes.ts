// Real pywarden processes for the scale-out tests (issue 13): serving replicas and scan workers
// started from bin/pywarden.js on one data folder (the shared blob store) and one database.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'vitest';
import { sha256, type FaultUpstream } from '../helpers/fault-upstream.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { PIP_ACCEPT, TEST_PROJECTS, get } from '../reliability/harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/pywarden.js');
export const built = existsSync(path.join(ROOT, 'dist/cli.js'));

export interface Child {
  proc: ChildProcess;
  url: string;
  log: string[];
  /** Log lines (JSON) whose msg is `msg`. */
  lines(msg: string): Record<string, unknown>[];
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function child(args: string[]): Child {
  const proc = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYWARDEN_ALLOW: JSON.stringify({ projects: TEST_PROJECTS }) },
  });
  const log: string[] = [];
  let partial = '';
  const take = (c: Buffer) => {
    const text = partial + c.toString();
    const parts = text.split('\n');
    partial = parts.pop()!;
    log.push(...parts.filter(Boolean));
  };
  proc.stdout!.on('data', take);
  proc.stderr!.on('data', take);
  const lines = (msg: string) =>
    log.flatMap((l) => {
      try {
        const j = JSON.parse(l) as Record<string, unknown>;
        return j.msg === msg ? [j] : [];
      } catch {
        return [];
      }
    });
  return { proc, url: '', log, lines };
}

export interface ServeOptions {
  upstream: string;
  data: string;
  database: string;
  port?: number;
  extra?: string[];
}

/** `pywarden serve` as a child process; resolves once /-/health answers. */
export async function serve(o: ServeOptions): Promise<Child> {
  const port = o.port ?? (await freePort());
  const c = child([
    'serve', '--host', '127.0.0.1', '--port', String(port), '--upstream', o.upstream, '--data', o.data, '--database', o.database,
    '--scan-ahead', 'false', '--upstream-timeout', '20000', '--scan-workers', '1', '--log-level', 'info', '--lease-seconds', '2', '--processes', '1', ...(o.extra ?? []),
  ]);
  c.url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (c.proc.exitCode !== null) throw new Error(`server exited ${c.proc.exitCode}: ${c.log.join('\n')}`);
    try {
      if ((await fetch(`${c.url}/-/health`)).ok) return c;
    } catch {
      /* not yet listening */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not start: ${c.log.join('\n')}`);
}

/** `pywarden scan-worker` as a child process; resolves once it logs that it is waiting for jobs. */
export async function scanWorker(o: Omit<ServeOptions, 'upstream' | 'port'>): Promise<Child> {
  const c = child(['scan-worker', '--data', o.data, '--database', o.database, '--scan-workers', '1', '--log-level', 'info', '--lease-seconds', '2', ...(o.extra ?? [])]);
  for (let i = 0; i < 600; i++) {
    if (c.proc.exitCode !== null) throw new Error(`scan worker exited ${c.proc.exitCode}: ${c.log.join('\n')}`);
    if (c.lines('scan worker ready').length) return c;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`scan worker did not start: ${c.log.join('\n')}`);
}

export async function kill9(c: Child | undefined): Promise<void> {
  if (!c || c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGKILL');
  await exited;
}

export async function stop(c: Child | undefined): Promise<void> {
  if (!c || c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGTERM');
  await exited;
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Ends a scale test: its processes SIGKILLed, then its upstream, database and shared blob folder removed. */
export async function tearDown(children: (Child | undefined)[], up: FaultUpstream | undefined, db: TestDatabase | undefined, data: string | undefined): Promise<void> {
  await Promise.all(children.map(kill9));
  await up?.stop();
  await db?.drop();
  if (data) rmSync(data, { recursive: true, force: true });
}

/**
 * 50 cold clients for one file, alternating between two replicas (after each has listed the
 * project): every answer 200 with the same bytes, and one download from upstream.
 */
export async function fiftyColdClients(a: Child, b: Child, up: FaultUpstream, project: string, wheel: { filename: string; body: Buffer }): Promise<void> {
  for (const r of [a, b]) expect((await get(`${r.url}/simple/${project}/`, { accept: PIP_ACCEPT })).status).toBe(200);
  const file = `/files/${sha256(wheel.body)}/${wheel.filename}`;
  up.resetHits();
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => get(`${(i % 2 ? a : b).url}${file}`)));
  expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
  expect(new Set(answers.map((r) => sha256(r.body)))).toEqual(new Set([sha256(wheel.body)]));
  expect(up.hitCount('/files/')).toBe(1);
}
