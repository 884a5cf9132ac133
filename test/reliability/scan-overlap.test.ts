// Issue 13, the scan overlaps the download: the scanner is told a scan is coming while the file's
// bytes are still arriving (so a scan process starts meanwhile), and still nothing is served, and
// no verdict recorded, before the whole file is verified and scanned.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FaultUpstream, benignWheel, sha256 } from '../helpers/fault-upstream.js';
import { countingScanner, fileUrlFromPage, get, startProxy, type Proxy } from './harness.js';
import { createScanner } from '../../src/scan/scan.js';
import type { Scanner } from '../../src/scan/types.js';
import { disagreeingZip } from '../scan/archive/fixtures.js';

const wheel = benignWheel('slowdl', '1.0', 64 * 1024);
const sha = sha256(wheel.body);
let up: FaultUpstream;
let proxy: Proxy;
const warmedAt: { stored: boolean; verdicts: number; scans: number }[] = [];

beforeAll(async () => {
  up = await new FaultUpstream().start();
  up.add('slowdl', wheel.filename, wheel.body);
  const inner = countingScanner();
  // A scanner that cannot read a file while it downloads: the gate warms it instead.
  const scanner = {
    ...inner,
    scanGrowing: undefined,
    warm() {
      warmedAt.push({ stored: existsSync(proxy.deps.blobs.path(sha)), verdicts: proxy.verdictCount(), scans: inner.scans.length });
    },
  };
  proxy = await startProxy(up.simple, { upstreamTimeout: 2_000 }, scanner);
});

afterAll(async () => {
  await proxy?.stop();
  await up?.stop();
});

test('a cold file: the scanner is warmed while the download runs, and the bytes go out only after the verdict', async () => {
  const url = await fileUrlFromPage(proxy.url, 'slowdl', wheel.filename);
  // 16 KiB every 100 ms: the 64 KiB wheel takes about 0.4 s to arrive.
  up.setFault('file', { kind: 'trickle', bytes: 16 * 1024, everyMs: 100 });
  const r = await get(url);
  expect(r.status).toBe(200);
  expect(r.body.equals(wheel.body)).toBe(true);
  expect(warmedAt).toEqual([{ stored: false, verdicts: 0, scans: 0 }]);
  expect(proxy.scans).toHaveLength(1);
  expect(proxy.verdictCount()).toBe(1);
  // A stored file is scanned without a download: nothing to overlap, no warm-up.
  const again = await get(url);
  expect(again.body.equals(wheel.body)).toBe(true);
  expect(warmedAt).toHaveLength(1);
});

// The real pool of scan processes, reading each cold file while it downloads (Scanner.scanGrowing),
// with a test analysis that calls any read member containing "EVIL" malicious. The projects here
// are not allow-listed: the verdict decides.
describe('a scan process reads the file while it downloads', () => {
  const EVIL_ANALYZER = `
export function wantsContent(p) { return p.endsWith('.py'); }
export function analyze(dist) {
  const evil = dist.members.filter((m) => m.data && m.data.toString('latin1').includes('EVIL'));
  return evil.length
    ? { verdict: 'malicious', score: 1, findings: evil.map((m) => ({ rule: 'test-evil', severity: 'critical', path: m.path, message: 'EVIL' })) }
    : { verdict: 'clean', score: 0, findings: [] };
}`;
  const first = benignWheel('overlap-first', '1.0');
  const good = benignWheel('overlap-good', '1.0', 256 * 1024);
  const later = benignWheel('overlap-later', '1.0', 64 * 1024);
  const cut = benignWheel('overlap-cut', '1.0', 256 * 1024);
  const forged = benignWheel('overlap-forged', '1.0', 256 * 1024);
  const hidden = { filename: 'overlap_hidden-1.0-py3-none-any.whl', body: disagreeingZip() };
  let up2: FaultUpstream;
  let p: Proxy;
  let dir: string;
  let scanner: Scanner;
  const scanLogs = () => p.logs.filter((l) => l.includes('"msg":"scanned"')).map((l) => JSON.parse(l) as { filename: string; verdict: string; early?: number });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pywarden-overlap-'));
    writeFileSync(join(dir, 'evil.mjs'), EVIL_ANALYZER);
    up2 = await new FaultUpstream().start();
    for (const [project, w] of [['overlap-first', first], ['overlap-good', good], ['overlap-later', later], ['overlap-cut', cut], ['overlap-forged', forged], ['overlap-hidden', hidden]] as const) {
      up2.add(project, w.filename, w.body);
    }
    // Two processes: an abandoned scan's process may still be winding down when the next file comes.
    scanner = createScanner({ workers: 2, analyzerModule: pathToFileURL(join(dir, 'evil.mjs')).href });
    p = await startProxy(up2.simple, { upstreamTimeout: 2_000 }, scanner);
  });

  afterAll(async () => {
    await p?.stop();
    await up2?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a cold wheel is read while it arrives, and served whole only after its verdict', async () => {
    // A first file starts the scan process (its start is not what this test is about).
    expect((await get(await fileUrlFromPage(p.url, 'overlap-first', first.filename))).status).toBe(200);
    const url = await fileUrlFromPage(p.url, 'overlap-good', good.filename);
    // 32 KiB every 20 ms: the 256 KiB wheel arrives over about 0.2 s.
    up2.setFault('file', { kind: 'trickle', bytes: 32 * 1024, everyMs: 20 });
    const r = await get(url);
    const [scanned] = scanLogs().filter((l) => l.filename === good.filename);
    expect(r.status, JSON.stringify(scanned)).toBe(200);
    expect(r.body.equals(good.body)).toBe(true);
    expect(scanned.verdict).toBe('clean');
    // The scan process had read part of the file before the last bytes came.
    expect(scanned.early).toBeGreaterThan(0);
    expect(p.verdictCount()).toBe(2);
    up2.clearFault();
  });

  /** A download the upstream spoils with `kind`: 502, no verdict recorded, no temp file left. */
  async function failedDownload(project: string, filename: string, kind: 'truncated' | 'wrong-bytes') {
    const url = await fileUrlFromPage(p.url, project, filename);
    const verdicts = p.verdictCount();
    up2.setFault('file', { kind });
    try {
      const r = await get(url);
      expect(r.status).toBe(502);
      expect(p.verdictCount()).toBe(verdicts);
      expect(p.tmpFiles()).toEqual([]);
      return r;
    } finally {
      up2.clearFault();
    }
  }

  test('a truncated download: the scan under way is abandoned, nothing is recorded or kept, and the next file scans', async () => {
    const r = await failedDownload('overlap-cut', cut.filename, 'truncated');
    expect(r.body.includes(cut.body.subarray(0, 64))).toBe(false);
    expect(scanLogs().some((l) => l.filename === cut.filename)).toBe(false);
    // The scan process the abandoned scan held is free again: another file scans and is served.
    const next = await get(await fileUrlFromPage(p.url, 'overlap-later', later.filename));
    expect(next.status, p.logs.filter((l) => l.includes('overlap_later') || l.includes('overlap_cut')).join('\n')).toBe(200);
    expect(next.body.equals(later.body)).toBe(true);
  });

  test('bytes that do not match the listed sha256: no verdict, nothing served or kept', async () => {
    await failedDownload('overlap-forged', forged.filename, 'wrong-bytes');
    expect(p.blobFiles().some((f) => f.endsWith(sha256(forged.body)))).toBe(false);
  });

  test('a member that only the central directory leads to (hidden from a walk of local headers) is scanned: the file is refused', async () => {
    const url = await fileUrlFromPage(p.url, 'overlap-hidden', hidden.filename);
    up2.setFault('file', { kind: 'trickle', bytes: 64, everyMs: 10 });
    const r = await get(url);
    expect(r.status).toBe(403);
    const [scanned] = scanLogs().filter((l) => l.filename === hidden.filename);
    expect(scanned.verdict).toBe('malicious');
    expect(scanned.early).toBeGreaterThan(0);
    up2.clearFault();
  });
});
