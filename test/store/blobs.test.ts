// The blob store's temporary files: one given up at once (an upstream that fails before the first
// byte, such as a redirect) must not reappear after it was removed. The file is created by an
// asynchronous open; removing it before that open finished left it behind (CI saw one in
// test/reliability/faults.test.ts).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FsBlobStore } from '../../src/store/blobs.js';

const root = mkdtempSync(path.join(tmpdir(), 'pywarden-blobs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('FsBlobStore temporary files', () => {
  test('abandon() resolves only once the stream is closed, so no pending open can recreate the file', async () => {
    const blobs = new FsBlobStore(root);
    const tmp = blobs.createTemp();
    await blobs.abandon(tmp);
    expect(tmp.stream.closed).toBe(true);
    expect(readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  test('abandon() leaves nothing in tmp/, even when called before the file was opened', async () => {
    const blobs = new FsBlobStore(root);
    await Promise.all(Array.from({ length: 200 }, () => blobs.abandon(blobs.createTemp())));
    for (let i = 0; i < 50; i++) await blobs.abandon(blobs.createTemp());
    // Any open still in flight would land within a few event-loop turns.
    await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  test('abandon() removes a temporary file that was written to', async () => {
    const blobs = new FsBlobStore(root);
    const tmp = blobs.createTemp();
    await new Promise<void>((resolve) => tmp.stream.write(Buffer.alloc(1024), () => resolve()));
    await blobs.abandon(tmp);
    expect(readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });
});
