// Issue 7, disk full while writing a blob: the data folder lives on a 2 MiB tmpfs (mounted here,
// as root) and upstream lists a 3 MiB wheel. The download is refused cleanly (a 5xx problem
// that names the storage, not upstream), nothing is left in tmp/ or blobs/, no verdict is
// recorded, and the server keeps serving files that fit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FaultUpstream, benignWheel, sha256 } from '../helpers/fault-upstream.js';
import { fileUrlFromPage, get, startProxy, type Proxy } from './harness.js';

const mountPoint = mkdtempSync(path.join(tmpdir(), 'pywarden-full-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  mounted = true;
} catch (err) {
  console.warn(`\n*** disk-full test SKIPPED: cannot mount a tmpfs here (needs root): ${(err as Error).message.split('\n')[0]} ***\n`);
}

let up: FaultUpstream;
let proxy: Proxy;
const tooBig = benignWheel('toobig', '1.0', 3 * 1024 * 1024);
const fits = benignWheel('fits', '1.0', 64 * 1024);

beforeAll(async () => {
  if (!mounted) return;
  up = await new FaultUpstream().start();
  up.add('toobig', tooBig.filename, tooBig.body);
  up.add('fits', fits.filename, fits.body);
  proxy = await startProxy(up.simple, { data: mountPoint });
});

afterAll(async () => {
  await proxy?.stop();
  await up?.stop();
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

describe.skipIf(!mounted)('disk full while writing a blob', () => {
  test('refused cleanly, nothing half-written kept, no verdict, and the server keeps serving', async () => {
    const bigUrl = await fileUrlFromPage(proxy.url, 'toobig', tooBig.filename);
    const smallUrl = await fileUrlFromPage(proxy.url, 'fits', fits.filename);

    for (let i = 0; i < 3; i++) {
      const r = await get(bigUrl);
      expect(r.status).toBe(507);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      const p = JSON.parse(r.body.toString()) as { code: string; detail: string };
      expect(p.code).toBe('insufficient-storage');
      expect(proxy.tmpFiles()).toEqual([]);
      expect(proxy.blobFiles()).toEqual([]);
      expect(proxy.verdictCount()).toBe(0);
      expect((await proxy.deps.store.getFile(sha256(tooBig.body)))?.stored).toBe(0);
    }
    expect(proxy.logs.some((l) => l.includes('ENOSPC'))).toBe(true);

    const ok = await get(smallUrl);
    expect(ok.status).toBe(200);
    expect(ok.body.equals(fits.body)).toBe(true);
    expect(proxy.verdictCount()).toBe(1);
  });

  test('disk full while storing extracted .metadata: 507, no temp file left, the wheel itself still served', async () => {
    const smallUrl = await fileUrlFromPage(proxy.url, 'fits', fits.filename);
    // Fill what is left of the tmpfs (a file that cannot grow further stops at ENOSPC).
    try {
      writeFileSync(path.join(mountPoint, 'filler'), Buffer.alloc(4 * 1024 * 1024));
    } catch (err) {
      expect((err as { code?: string }).code).toBe('ENOSPC');
    }
    const r = await get(smallUrl + '.metadata');
    expect(r.status).toBe(507);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(proxy.tmpFiles()).toEqual([]);
    const whole = await get(smallUrl);
    expect(whole.status).toBe(200);
    expect(whole.body.equals(fits.body)).toBe(true);
    rmSync(path.join(mountPoint, 'filler'), { force: true });
    const meta = await get(smallUrl + '.metadata');
    expect(meta.status).toBe(200);
    expect(meta.body.toString()).toContain('Name: fits');
  });
});
