import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from '../../src/review/webhook.js';
import { createLogger } from '../../src/log.js';

let hanging: Server;
let url: string;
let received = 0;
beforeAll(async () => {
  // Accepts the request and never answers: each attempt must end at the timeout.
  hanging = createServer(() => void received++);
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`;
});
afterAll(() => {
  hanging.closeAllConnections();
  hanging.close();
});

describe('webhook', () => {
  it('never blocks the caller, times out each attempt, retries, then gives up', async () => {
    const outcomes: string[] = [];
    const hook = new Webhook({ url, log: createLogger('silent'), timeoutMs: 150, attempts: 3, backoffMs: 10, onOutcome: (o) => outcomes.push(o) });
    // Never blocks: notify returns nothing to wait on, before any request went out, having used
    // little CPU (CPU time, not wall time: a busy shared machine must not fail this).
    const t = performance.now();
    const cpu = process.cpuUsage();
    expect(hook.notify({ n: 1 })).toBeUndefined();
    const used = process.cpuUsage(cpu);
    expect(received).toBe(0);
    expect((used.user + used.system) / 1000).toBeLessThan(20);
    await hook.idle();
    expect(outcomes).toEqual(['failed']);
    // Three attempts reached the server, and each one waited for its timeout (a lower bound: timers never fire early).
    expect(received).toBe(3);
    expect(performance.now() - t).toBeGreaterThanOrEqual(3 * 150 - 20);
  });

  it('drops the oldest message when the queue is full', async () => {
    const outcomes: string[] = [];
    const hook = new Webhook({ url: 'http://127.0.0.1:9/', log: createLogger('silent'), timeoutMs: 100, attempts: 1, maxQueue: 2, onOutcome: (o) => outcomes.push(o) });
    for (let i = 0; i < 5; i++) hook.notify({ i });
    await hook.idle();
    expect(outcomes.filter((o) => o === 'dropped').length).toBeGreaterThanOrEqual(2);
  });
});
