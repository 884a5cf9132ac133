// Shared fixtures for the review tests: real wheels written by Python's zipfile (Debian's
// /usr/bin/python3), a real server on port 0 over a folder upstream, a real SQLite file.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type Running } from '../../src/main.js';
import type { Finding, ScanInput, ScanResult, Scanner } from '../../src/scan/types.js';
import { createToken } from '../../src/auth/tokens.js';

const MAKE_WHEEL = `
import sys, json, zipfile, hashlib, base64
out, name, version, files = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
dist = name.replace('-', '_')
fn = f"{dist}-{version}-py3-none-any.whl"
info = f"{dist}-{version}.dist-info"
members = dict(files)
members[f"{info}/METADATA"] = f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\nSummary: review test fixture\\n"
members[f"{info}/WHEEL"] = "Wheel-Version: 1.0\\nGenerator: review-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
record = []
for p, c in members.items():
    d = base64.urlsafe_b64encode(hashlib.sha256(c.encode()).digest()).rstrip(b'=').decode()
    record.append(f"{p},sha256={d},{len(c.encode())}")
record.append(f"{info}/RECORD,,")
members[f"{info}/RECORD"] = "\\n".join(record) + "\\n"
with zipfile.ZipFile(f"{out}/{fn}", "w", zipfile.ZIP_DEFLATED) as z:
    for p, c in members.items():
        zi = zipfile.ZipInfo(p, date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(zi, c)
print(fn)
`;

export interface Wheel {
  filename: string;
  sha256: string;
  project: string;
}

/** A real wheel (zip with dist-info) in `dir`. */
export function makeWheel(dir: string, name: string, version: string, files: Record<string, string>): Wheel {
  const filename = execFileSync('/usr/bin/python3', ['-c', MAKE_WHEEL, dir, name, version, JSON.stringify(files)], { encoding: 'utf8' }).trim();
  const sha256 = createHash('sha256').update(readFileSync(path.join(dir, filename))).digest('hex');
  return { filename, sha256, project: name.replace(/[-_.]+/g, '-').toLowerCase() };
}

export const HELD_SOURCE = `import os\n\n# fixture: pretends to phone home\nURL = "https://example.invalid/collect"\n\ndef run():\n    return os.environ.get("HOME")\n`;

/**
 * A real Scanner whose verdict depends on the file name: "held*" and "waive*" → suspicious,
 * "bad*" → malicious, anything else clean. Used so these tests exercise the review workflow
 * without depending on what the detection rules (owned by another helper) decide about a fixture.
 * Its findings point at a real member and line so the item view reads real code context.
 */
export class NameScanner implements Scanner {
  scans = 0;
  constructor(readonly version = 'test-scanner-1') {}
  async scan(input: ScanInput): Promise<ScanResult> {
    this.scans++;
    const project = input.filename.split('-')[0];
    const finding: Finding = { rule: 'test-exfil-url', severity: 'high', path: `${project}/__init__.py`, line: 4, snippet: 'URL = "https://example.invalid/collect"', message: 'Sends data to a hard-coded URL.' };
    if (/^(held|waive)/.test(input.filename)) return { verdict: 'suspicious', score: 0.7, findings: [finding], scannerVersion: this.version, ms: 1 };
    if (/^bad/.test(input.filename)) return { verdict: 'malicious', score: 0.97, findings: [{ ...finding, rule: 'test-malware', severity: 'critical' }], scannerVersion: this.version, ms: 1 };
    return { verdict: 'clean', score: 0.01, findings: [], scannerVersion: this.version, ms: 1 };
  }
}

export interface Env {
  root: string;
  upstream: string;
  data: string;
  config: Config;
  server: Running;
  tokens: { reader: string; reviewer: string; admin: string };
  close(): Promise<void>;
}

export async function startEnv(opts: { wheels: (dir: string) => void; scanner?: Scanner; config?: Record<string, unknown> }): Promise<Env> {
  const root = mkdtempSync(path.join(tmpdir(), 'pywarden-review-'));
  const upstream = path.join(root, 'upstream');
  const data = path.join(root, 'data');
  execFileSync('mkdir', ['-p', upstream, data]);
  opts.wheels(upstream);
  const config = loadConfig({ env: {}, flags: { upstream, data, port: 0, host: '127.0.0.1', logLevel: 'silent', scanAhead: false, ...opts.config } as never });
  const server = await startServer(config, { scanner: opts.scanner ?? new NameScanner() });
  const r = server.deps.reviews!;
  const tokens = {
    reader: (await createToken(r.tokens, 'rita', 'reader', 'test')).token,
    reviewer: (await createToken(r.tokens, 'alice', 'reviewer', 'test')).token,
    admin: (await createToken(r.tokens, 'adam', 'admin', 'test')).token,
  };
  return {
    root,
    upstream,
    data,
    config,
    server,
    tokens,
    async close() {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A JSON call to the review API with an optional token. */
export async function call(env: Env, method: string, p: string, token?: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(env.server.url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Lists the project (so the proxy learns its files), then asks for one file. */
export async function download(env: Env, w: Wheel, headers: Record<string, string> = {}): Promise<Response> {
  const page = await fetch(`${env.server.url}/simple/${w.project}/`, { headers });
  await page.arrayBuffer();
  return fetch(`${env.server.url}/files/${w.sha256}/${w.filename}`, { headers });
}

/**
 * Real pip (Debian's), run asynchronously: the proxy serves from this same process, so the event
 * loop must stay free. `download` never runs a wheel's code; `install` is used on our own fixtures only.
 */
export function pip(url: string, verb: 'download' | 'install', name: string, dir: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const where = verb === 'download' ? ['-d', dir] : ['--target', dir];
    const args = ['-m', 'pip', verb, '--isolated', '--no-input', '--no-deps', '--only-binary=:all:', '--no-cache-dir', '--disable-pip-version-check', '--retries', '0', '--timeout', '30', ...where, '--index-url', `${url}/simple/`, name];
    const p = spawn('/usr/bin/python3', args, { env: { ...process.env, PIP_CONFIG_FILE: '/dev/null' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (out += b));
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}

export const pipDownload = (url: string, name: string, dest: string) => pip(url, 'download', name, dest);
