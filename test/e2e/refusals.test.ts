// Every kind of refusal, as a developer meets it: real pip 18.1, 23.2.1 and 24.2, default output
// (no -v), must say that pywarden refused, what, why and whom to ask (issue 14). No pip prints
// anything about a page it could not use, so each kind must end in a download's 403 reason phrase.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startServer, type Running } from '../../src/main.js';
import type { ScanInput, ScanResult } from '../../src/scan/types.js';
import { findPythons, pip } from '../helpers/dists.js';
import { makeWheel, NameScanner } from '../review/fixtures.js';
import { requireOrSkip } from '../helpers/ci.js';

const pythons = findPythons();
const PIPS = ['18.1', '23.2.1', '24.2'];
const missing = PIPS.filter((v) => !pythons.has(v));
requireOrSkip(missing.length === 0, `pips ${missing.join(', ')} (pyenv)`);

/** NameScanner, plus one release held by its name so a project has a good and a refused version. */
class Scanner extends NameScanner {
  override async scan(input: ScanInput): Promise<ScanResult> {
    const r = await super.scan(input);
    return input.filename.startsWith('yankthing-2.0') ? { ...r, verdict: 'suspicious', findings: [{ rule: 'test-exfil-url', severity: 'high', path: 'yankthing/__init__.py', message: 'Sends data to a hard-coded URL.' }] } : r;
  }
}

let work: string;
let proxy: Running;
const logs: string[] = [];
const CONTACT = 'security@example.com';
const IDS = `\\((?:Q-\\d+, )?request [0-9a-f]+, ask ${CONTACT.replace(/\./g, '\\.')}\\)`;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'pywarden-refusals-'));
  const up = path.join(work, 'upstream');
  const data = path.join(work, 'data');
  mkdirSync(up);
  mkdirSync(data);
  const wheels = [
    makeWheel(up, 'badthing', '1.0', { 'badthing/__init__.py': 'X = 1\n' }),
    makeWheel(up, 'heldthing', '1.0', { 'heldthing/__init__.py': 'X = 1\n' }),
    makeWheel(up, 'deniedthing', '1.0', { 'deniedthing/__init__.py': 'X = 1\n' }),
    makeWheel(up, 'deniedthing', '2.0', { 'deniedthing/__init__.py': 'X = 2\n' }),
    makeWheel(up, 'yankthing', '1.0', { 'yankthing/__init__.py': 'X = 1\n' }),
    makeWheel(up, 'yankthing', '2.0', { 'yankthing/__init__.py': 'X = 2\n' }),
  ];
  // The folder upstream's upload time is the file's mtime: these are old, freshthing is new.
  const old = new Date(Date.now() - 30 * 86_400_000);
  for (const w of wheels) utimesSync(path.join(up, w.filename), old, old);
  makeWheel(up, 'freshthing', '1.0', { 'freshthing/__init__.py': 'X = 1\n' });
  const config = loadConfig({
    env: {},
    flags: { upstream: up, data, port: 0, host: '127.0.0.1', scanAhead: false, cooldownHours: 24, refusalContact: CONTACT, deny: { projects: ['deniedthing'] } } as never,
  });
  proxy = await startServer(config, { scanner: new Scanner(), log: createLogger('info', {}, (l) => void logs.push(l)) });
  // yankthing 2.0 is known to be refused before any pip asks: it is then yanked on the page.
  const page = (await (await fetch(`${proxy.url}/simple/yankthing/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as { files: { filename: string; url: string }[] };
  const two = page.files.find((f) => f.filename.startsWith('yankthing-2.0'))!;
  expect((await fetch(new URL(two.url, `${proxy.url}/simple/yankthing/`))).status).toBe(403);
});

afterAll(async () => {
  await proxy?.close();
  rmSync(work, { recursive: true, force: true });
});

async function download(version: string, spec: string) {
  const dest = mkdtempSync(path.join(work, 'dl-'));
  const r = await pip(pythons.get(version)!, ['download', '--no-deps', '-d', dest, '--index-url', `${proxy.url}/simple/`, spec]);
  return { ...r, files: readdirSync(dest) };
}

const KINDS: [kind: string, spec: string, phrase: RegExp][] = [
  ['blocked', 'badthing', new RegExp(`403 Client Error: Blocked by pywarden: malware detected by test-malware: Sends data to a hard-coded URL\\. in badthing-1\\.0-py3-none-any\\.whl ${IDS}`)],
  ['held', 'heldthing', new RegExp(`403 Client Error: Held for review by pywarden: test-exfil-url: Sends data to a hard-coded URL\\. in heldthing-1\\.0-py3-none-any\\.whl ${IDS}`)],
  ['denied project', 'deniedthing', new RegExp(`403 Client Error: Blocked by pywarden: project deniedthing is on the deny list in deniedthing-2\\.0-py3-none-any\\.whl ${IDS}`)],
  ['cooldown', 'freshthing', new RegExp(`403 Client Error: Held by pywarden for its cooldown: uploaded less than 24 h ago in freshthing-1\\.0-py3-none-any\\.whl ${IDS}`)],
  ['yanked by policy (exact pin)', 'yankthing==2.0', new RegExp(`403 Client Error: Held for review by pywarden: test-exfil-url: Sends data to a hard-coded URL\\. in yankthing-2\\.0-py3-none-any\\.whl ${IDS}`)],
];

describe.skipIf(missing.length > 0)('every refusal kind in pip default output', () => {
  for (const version of PIPS) {
    for (const [kind, spec, phrase] of KINDS) {
      it(`pip ${version}: ${kind}`, async () => {
        const r = await download(version, spec);
        expect(r.code).not.toBe(0);
        expect(r.files).toEqual([]);
        expect(r.out).toMatch(phrase);
        // The phrase never says the same thing twice (issue 14: "Held for review: held for review").
        expect(r.out).not.toMatch(/held for review[^\n]*held for review/i);
      });
    }
  }

  it('pip 23.2.1 and 24.2 resolve around a yanked refused version; pip 18.1 (no PEP 592) gets its 403', async () => {
    for (const version of ['23.2.1', '24.2']) {
      const r = await download(version, 'yankthing');
      expect(r.code, r.out).toBe(0);
      expect(r.files).toEqual(['yankthing-1.0-py3-none-any.whl']);
    }
    const old = await download('18.1', 'yankthing');
    expect(old.out).toMatch(/Held for review by pywarden: [^\n]* in yankthing-2\.0/);
  });

  it('the server logs a request for a denied project', () => {
    expect(logs.some((l) => l.includes('denied project requested') && l.includes('deniedthing'))).toBe(true);
  });
});
