import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from '../../src/review/webhook.js';
import { createLogger } from '../../src/log.js';

let hanging: Server;
let url: string;
beforeAll(async () => {
  // Accepts the request and never answers: each attempt must end at the timeout.
  hanging = createServer(() => undefined);
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
    const t = performance.now();
    hook.notify({ n: 1 });
    expect(performance.now() - t).toBeLessThan(20);
    await hook.idle();
    const took = performance.now() - t;
    expect(outcomes).toEqual(['failed']);
    expect(took).toBeGreaterThanOrEqual(3 * 150 - 20);
    expect(took).toBeLessThan(3000);
  });

  it('drops the oldest message when the queue is full', async () => {
    const outcomes: string[] = [];
    const hook = new Webhook({ url: 'http://127.0.0.1:9/', log: createLogger('silent'), timeoutMs: 100, attempts: 1, maxQueue: 2, onOutcome: (o) => outcomes.push(o) });
    for (let i = 0; i < 5; i++) hook.notify({ i });
    await hook.idle();
    expect(outcomes.filter((o) => o === 'dropped').length).toBeGreaterThanOrEqual(2);
  });
});
