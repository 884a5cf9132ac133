// Issue 13: processes sharing a database each keep rendered index pages in memory. A verdict one
// of them records must reach the others' listings: a file another process found malicious leaves
// this process's page too (within the 5 s poll), not only when its upstream page changes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FaultUpstream, benignWheel, sha256 } from '../helpers/fault-upstream.js';
import { PIP_ACCEPT, get, startProxy, type Proxy } from '../reliability/harness.js';
import type { Scanner } from '../../src/scan/types.js';
import { waitFor } from './processes.js';

const wheel = benignWheel('sharedpkg', '1.0');
const malicious: Scanner = {
  version: 'test-malicious-1',
  async scan() {
    return { verdict: 'malicious', score: 0.99, findings: [{ rule: 'test-rule', severity: 'critical', path: 'x.py', message: 'test' }], scannerVersion: 'test-malicious-1', ms: 1 } as never;
  },
};

let up: FaultUpstream;
let data: string;
let one: Proxy;
let two: Proxy;

beforeAll(async () => {
  up = await new FaultUpstream().start();
  up.add('sharedpkg', wheel.filename, wheel.body);
  data = mkdtempSync(path.join(tmpdir(), 'pywarden-sync-'));
  one = await startProxy(up.simple, { data, allow: { projects: [] }, refusedListing: 'hide' }, malicious as never);
  two = await startProxy(up.simple, { data, allow: { projects: [] }, refusedListing: 'hide' }, malicious as never);
});

afterAll(async () => {
  await one?.stop();
  await two?.stop();
  await up?.stop();
  rmSync(data, { recursive: true, force: true });
});

test("a file another process refused leaves this process's rendered page", async () => {
  const page = async (p: Proxy) => (await get(`${p.url}/simple/sharedpkg/`, { accept: PIP_ACCEPT })).body.toString();
  expect(await page(one)).toContain(wheel.filename);
  expect(await page(two)).toContain(wheel.filename);
  expect((await get(`${two.url}/files/${sha256(wheel.body)}/${wheel.filename}`)).status).toBe(403);
  expect(await page(two)).not.toContain(wheel.filename); // the process that decided re-renders at once
  await waitFor('the other process to hide the file', async () => !(await page(one)).includes(wheel.filename), 8_000);
}, 20_000);
