// The request id pip shows in its one-line error is the one in the problem body and in the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startServer, type Running } from '../../src/main.js';
import { createLogger } from '../../src/log.js';
import { HELD_SOURCE, NameScanner, makeWheel, type Wheel } from '../review/fixtures.js';

let root: string;
let server: Running;
let held: Wheel;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'pywarden-log-'));
  mkdirSync(path.join(root, 'up'));
  held = makeWheel(path.join(root, 'up'), 'heldpkg', '1.0', { 'heldpkg/__init__.py': HELD_SOURCE });
  const config = loadConfig({ env: {}, flags: { upstream: path.join(root, 'up'), data: path.join(root, 'data'), port: 0, scanAhead: false } as never });
  const log = createLogger('info', {}, (l) => void lines.push(JSON.parse(l) as Record<string, unknown>));
  server = await startServer(config, { scanner: new NameScanner(), log });
});
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('access log', () => {
  it('logs a refused request as JSON with the request id of the reason phrase and the problem body', async () => {
    await (await fetch(`${server.url}/simple/heldpkg/`)).text();
    const res = await fetch(`${server.url}/files/${held.sha256}/${held.filename}`, { headers: { 'user-agent': 'pip/24.2' } });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { requestId: string };
    expect(res.statusText).toContain(`request ${body.requestId}`);
    const line = lines.find((l) => l.msg === 'request' && l.requestId === body.requestId);
    expect(line).toMatchObject({ level: 'info', method: 'GET', status: 403, userAgent: 'pip/24.2', path: `/files/${held.sha256}/${held.filename}` });
    expect(typeof line!.ms).toBe('number');
    // Successful requests stay at debug: not written at level info.
    expect(lines.some((l) => l.msg === 'request' && l.status === 200)).toBe(false);
  });
});
