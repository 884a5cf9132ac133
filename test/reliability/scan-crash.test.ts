// Issue 10: a native crash in a scan (SIGSEGV, as onnxruntime's overflowed stack gave) ended the
// whole proxy, because scans ran on worker threads of the serving process. `pywarden serve` runs
// here as its own process; its scan process is killed with a real SIGSEGV in the middle of a
// scan. The file must be held as `error` with the reason, the proxy must answer every other
// request meanwhile, and the next scan must work. The serving process itself must never load
// onnxruntime or tree-sitter, not even for the reviewer's views of a held file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FaultUpstream, benignWheel, heavyWheel, sha256 } from '../helpers/fault-upstream.js';
import { PIP_ACCEPT, get } from './harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/pywarden.js');
const built = existsSync(path.join(ROOT, 'dist/cli.js'));
if (!built) console.warn('\n*** scan-crash tests SKIPPED: dist/ is not built (run `npm run build`; `npm test` does) ***\n');

let up: FaultUpstream;
let proc: ChildProcess | undefined;
const log: string[] = [];
const data = mkdtempSync(path.join(tmpdir(), 'pywarden-scancrash-'));
const heavy = heavyWheel();
const heavySha = sha256(heavy.body);
// Allow-listed (below) so its 200 shows the scan ran, whatever the classifier thinks of a test wheel.
const calm = benignWheel('calm', '1.0');
const calmSha = sha256(calm.body);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The serving process's child processes, from /proc (every thread's children list). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

async function waitFor(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function verdictRow(sha: string): { verdict: string; reason: string | null } | undefined {
  const db = new Database(path.join(data, 'pywarden.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT verdict, reason FROM verdicts WHERE sha256 = ?').get(sha) as { verdict: string; reason: string | null } | undefined;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  up = await new FaultUpstream().start();
  up.add('heavy', heavy.filename, heavy.body);
  up.add('calm', calm.filename, calm.body);
});

afterAll(async () => {
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((r) => proc!.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }
  await up?.stop();
  rmSync(data, { recursive: true, force: true });
});

describe.skipIf(!built || process.platform !== 'linux')('scan isolation (SIGSEGV in a scan)', () => {
  test('a scan process killed by SIGSEGV mid-scan: the file is held as error, the proxy answers throughout, the next scan works', async () => {
    const port = await freePort();
    proc = spawn(
      process.execPath,
      [BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--upstream', up.simple, '--data', data, '--scan-ahead', 'false', '--upstream-timeout', '20000', '--scan-workers', '1', '--log-level', 'info', '--processes', '1'],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PYWARDEN_ALLOW: JSON.stringify({ projects: ['calm'] }) } },
    );
    proc.stderr!.on('data', (c: Buffer) => log.push(c.toString()));
    const url = `http://127.0.0.1:${port}`;
    await waitFor('the server', () => log.join('').includes('pywarden listening'));
    expect(childrenOf(proc.pid!)).toEqual([]); // no scan process before the first scan
    expect((await get(`${url}/simple/heavy/`, { accept: PIP_ACCEPT })).status).toBe(200);

    const pending = get(`${url}/files/${heavySha}/${heavy.filename}`);
    // The blob is stored before its scan starts, and the scan process starts with the scan.
    await waitFor('the scan process', () => existsSync(path.join(data, 'blobs', heavySha.slice(0, 2), heavySha)) && childrenOf(proc!.pid!).length === 1);
    const [scanPid] = childrenOf(proc.pid!);
    // Requests keep coming while the scan process dies.
    let polling = true;
    const answers: number[] = [];
    const poller = (async () => {
      while (polling) {
        answers.push((await get(`${url}/-/health`)).status, (await get(`${url}/simple/heavy/`, { accept: PIP_ACCEPT })).status);
      }
    })();
    expect(verdictRow(heavySha), 'the scan finished before the kill; the wheel should take longer to scan').toBeUndefined();
    process.kill(scanPid, 'SIGSEGV');

    const r = await pending;
    expect(r.status, r.body.toString()).toBe(403);
    expect(verdictRow(heavySha)).toEqual({ verdict: 'error', reason: 'scan process crashed (SIGSEGV)' });
    await new Promise((res) => setTimeout(res, 300));
    polling = false;
    await poller;
    expect(answers.length).toBeGreaterThan(2);
    expect(answers.every((s) => s === 200), `answers: ${answers.join(',')}`).toBe(true);
    expect(proc.exitCode).toBeNull();
    expect(proc.signalCode).toBeNull();

    // Held, not scanned again on every request; and the next file is scanned by a fresh process.
    expect((await get(`${url}/files/${heavySha}/${heavy.filename}`)).status).toBe(403);
    expect((await get(`${url}/simple/calm/`, { accept: PIP_ACCEPT })).status).toBe(200);
    const next = await get(`${url}/files/${calmSha}/${calm.filename}`);
    expect(next.status).toBe(200);
    expect(sha256(next.body)).toBe(calmSha);
    expect(verdictRow(calmSha)?.reason).toBeNull();
    const after = childrenOf(proc.pid!);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(scanPid);
  });

  test("the serving process loads neither onnxruntime nor tree-sitter: a held item's model view and outlier rank come from a scan process", async () => {
    expect(proc?.exitCode).toBeNull();
    const url = /"url":"(http:[^"]+)\/simple\/"/.exec(log.join(''))![1];
    const made = spawnSync(process.execPath, [BIN, 'token', 'create', '--role', 'reader', '--name', 'scan-crash', '--data', data], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const auth = { authorization: `Bearer ${made.stdout.trim()}` };
    const queue = JSON.parse((await get(`${url}/-/api/queue?state=error`, auth)).body.toString()) as { items: { id: string; sha256: string }[] };
    const held = queue.items.find((i) => i.sha256 === heavySha)!;
    expect(held).toBeDefined();
    const item = await get(`${url}/-/api/items/${held.id}`, auth);
    expect(item.status).toBe(200);
    const detail = JSON.parse(item.body.toString()) as { model: { score: number } | null; cluster: { outlierRank: number | null } | null };
    expect(detail.model?.score).toBeGreaterThanOrEqual(0);
    expect(detail.cluster).not.toBeNull();

    const natives = (pid: number) => readFileSync(`/proc/${pid}/maps`, 'utf8').match(/libonnxruntime[^\n]*|tree[-_]sitter[^\n]*\.node/g) ?? [];
    expect(natives(proc!.pid!)).toEqual([]);
    // The same look finds them where scans run, so the empty list above means something.
    const [scanPid] = childrenOf(proc!.pid!);
    expect(natives(scanPid).join('\n')).toMatch(/libonnxruntime/);
    expect(natives(scanPid).join('\n')).toMatch(/tree[-_]sitter/);
  });
});
