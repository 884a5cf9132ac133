// Issue 7, crash safety: `pywarden serve` as a child process is SIGKILLed in the middle of a
// download and in the middle of a scan, then restarted on the same data folder. The database
// opens (and passes integrity_check), tmp/ is cleaned, nothing half-written is served, and a
// file without a verdict is scanned again before any byte of it is served.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FaultUpstream, benignWheel, heavyWheel, sha256 } from '../helpers/fault-upstream.js';
import { PIP_ACCEPT, TEST_PROJECTS, get } from './harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/pywarden.js');
const built = existsSync(path.join(ROOT, 'dist/cli.js'));
if (!built) console.warn('\n*** crash tests SKIPPED: dist/ is not built (run `npm run build`; `npm test` does) ***\n');

let up: FaultUpstream;
const data = mkdtempSync(path.join(tmpdir(), 'pywarden-crash-'));
const big = benignWheel('slowdl', '1.0', 8 * 1024 * 1024);
const bigSha = sha256(big.body);

const heavy = heavyWheel();
const heavySha = sha256(heavy.body);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Child {
  proc: ChildProcess;
  url: string;
  log: string[];
}

async function serve(): Promise<Child> {
  const port = await freePort();
  const proc = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--upstream', up.simple, '--data', data, '--scan-ahead', 'false', '--upstream-timeout', '20000', '--scan-workers', '1', '--log-level', 'info', '--processes', '1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PYWARDEN_ALLOW: JSON.stringify({ projects: TEST_PROJECTS }) },
  });
  const log: string[] = [];
  proc.stderr!.on('data', (c: Buffer) => log.push(c.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${log.join('')}`);
    try {
      if ((await fetch(`${url}/-/health`)).ok) return { proc, url, log };
    } catch {
      /* not yet listening */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not start');
}

async function kill9(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGKILL');
  await exited;
}

function tmpEntries(): { name: string; size: number }[] {
  const d = path.join(data, 'tmp');
  if (!existsSync(d)) return [];
  return readdirSync(d).map((name) => ({ name, size: statSync(path.join(d, name)).size }));
}

const blobPath = (sha: string) => path.join(data, 'blobs', sha.slice(0, 2), sha);

function readDb<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(path.join(data, 'pywarden.db'), { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

async function waitFor(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let child: Child | undefined;

beforeAll(async () => {
  up = await new FaultUpstream().start();
  up.add('slowdl', big.filename, big.body);
  up.add('heavy', heavy.filename, heavy.body);
});

afterAll(async () => {
  if (child) await kill9(child);
  await up?.stop();
  rmSync(data, { recursive: true, force: true });
});

describe.skipIf(!built)('crash safety (SIGKILL)', () => {
  test('killed mid-download: on restart the DB opens, tmp/ is empty, no blob, no verdict; the file is fetched whole and served', async () => {
    child = await serve();
    const page = await get(`${child.url}/simple/slowdl/`, { accept: PIP_ACCEPT });
    expect(page.status).toBe(200);
    const filePath = `/files/${bigSha}/${big.filename}`;
    // 64 KiB every 50 ms: the 8 MiB download takes seconds; kill once part of it is on disk.
    up.setFault('file', { kind: 'trickle', bytes: 64 * 1024, everyMs: 50 });
    const pending = fetch(child.url + filePath).then(
      (r) => r.status,
      () => 'connection lost',
    );
    await waitFor('a partial download in tmp/', () => tmpEntries().some((e) => e.size > 0));
    await kill9(child);
    expect(await pending).toBe('connection lost'); // the client got no bytes of the file
    expect(tmpEntries().length).toBeGreaterThan(0); // the crash really left a partial file
    up.clearFault();

    child = await serve();
    expect(tmpEntries()).toEqual([]);
    expect(existsSync(blobPath(bigSha))).toBe(false);
    readDb((db) => {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT count(*) FROM verdicts WHERE sha256 = ?').pluck().get(bigSha)).toBe(0);
      expect(db.prepare('SELECT stored FROM files WHERE sha256 = ?').pluck().get(bigSha)).toBe(0);
    });
    const r = await get(child.url + filePath);
    expect(r.status).toBe(200);
    expect(sha256(r.body)).toBe(bigSha);
    readDb((db) => expect(db.prepare('SELECT count(*) FROM verdicts WHERE sha256 = ?').pluck().get(bigSha)).toBe(1));
    await kill9(child);
  });

  test('killed mid-scan: on restart the stored file has no verdict, is scanned again (not re-downloaded) before any byte is served', async () => {
    child = await serve();
    expect((await get(`${child.url}/simple/heavy/`, { accept: PIP_ACCEPT })).status).toBe(200);
    const filePath = `/files/${heavySha}/${heavy.filename}`;
    up.resetHits();
    const pending = fetch(child.url + filePath).then(
      (r) => r.status,
      () => 'connection lost',
    );
    // The blob is committed before the scan starts; kill while its verdict is still missing.
    await waitFor('the verified blob', () => existsSync(blobPath(heavySha)));
    const verdictsAtKill = readDb((db) => db.prepare('SELECT count(*) FROM verdicts WHERE sha256 = ?').pluck().get(heavySha));
    await kill9(child);
    expect(verdictsAtKill, 'the scan finished before the kill; the wheel should take longer to scan').toBe(0);
    expect(await pending).toBe('connection lost');
    expect(up.hitCount('/files/')).toBe(1);

    child = await serve();
    readDb((db) => {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT count(*) FROM verdicts WHERE sha256 = ?').pluck().get(heavySha)).toBe(0);
    });
    expect(tmpEntries()).toEqual([]);
    const r = await get(child.url + filePath);
    expect(r.status, `${r.body.toString().slice(0, 300)}\n${child.log.join('').slice(-2000)}`).toBe(200);
    expect(sha256(r.body)).toBe(heavySha);
    // Scanned again after the restart, from the stored blob: no second download.
    expect(child.log.join('')).toMatch(new RegExp(`"msg":"scanned","sha256":"${heavySha}"`));
    expect(up.hitCount('/files/')).toBe(1);
    readDb((db) => expect(db.prepare('SELECT count(*) FROM verdicts WHERE sha256 = ?').pluck().get(heavySha)).toBe(1));
    await kill9(child);
  });
});
