// The review page in real headless Chromium (Debian's chromium, driven by playwright-core):
// pip is refused with a review id; a reviewer signs in, opens the queue with the keyboard, reads
// the finding highlighted in the code, releases the file; real pip then downloads it through the
// proxy. Screenshots of the queue and the item are taken on every run and copied to
// docs/screenshots/ when PYWARDEN_SCREENSHOTS=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { utimesSync } from 'node:fs';
import { call, HELD_SOURCE, makeWheel, NameScanner, pipDownload, startEnv, type Env, type Wheel } from '../review/fixtures.js';
import type { ScanInput, ScanResult } from '../../src/scan/types.js';
import { requireOrSkip } from '../helpers/ci.js';

/** NameScanner, and one file whose one finding is repeated 19 times (issue 14: apsw showed 19 identical cards). */
class RepeatScanner extends NameScanner {
  override async scan(input: ScanInput): Promise<ScanResult> {
    const r = await super.scan(input);
    if (!input.filename.startsWith('heldmany')) return r;
    const one = { ...r.findings[0], path: 'heldmany/__init__.py' };
    return { ...r, findings: Array.from({ length: 19 }, (_, i) => ({ ...one, line: 4, path: i ? `heldmany/m${i}.py` : one.path })) };
  }
}

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = requireOrSkip(existsSync(CHROMIUM), `${CHROMIUM} (apt-get install -y chromium): review browser test`);

let env: Env;
let browser: Browser;
const w: Record<string, Wheel> = {};

describe.skipIf(!haveChromium)('review page in headless Chromium', () => {
  beforeAll(async () => {
    env = await startEnv({
      wheels: (dir) => {
        w.good = makeWheel(dir, 'goodpkg', '1.0', { 'goodpkg/__init__.py': 'X = 1\n' });
        w.held = makeWheel(dir, 'heldpkg', '1.0', { 'heldpkg/__init__.py': HELD_SOURCE });
        w.bad = makeWheel(dir, 'badpkg', '1.0', { 'badpkg/__init__.py': HELD_SOURCE });
        w.many = makeWheel(dir, 'heldmany', '1.0', { 'heldmany/__init__.py': HELD_SOURCE });
        w.listed = makeWheel(dir, 'listedpkg', '1.0', { 'listedpkg/__init__.py': 'X = 1\n' });
        // A folder upstream's upload time is the file's mtime: the epoch, as an archive extracted without times leaves it.
        utimesSync(path.join(dir, w.many.filename), 0, 0);
      },
      scanner: new RepeatScanner(),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('a reviewer signs in, reads a finding, releases the file, and pip then downloads it', async () => {
    const dest = mkdtempSync(path.join(env.root, 'pip-'));
    // 1. pip is refused, and the reason names the review id.
    const refused = await pipDownload(env.server.url, 'heldpkg', dest);
    expect(refused.code).not.toBe(0);
    const id = /Held for review by pywarden: test-exfil-url: Sends data to a hard-coded URL\. in heldpkg-1\.0-py3-none-any\.whl \((Q-\d+)/.exec(refused.out)?.[1];
    expect(id, refused.out).toBeTruthy();
    expect((await pipDownload(env.server.url, 'badpkg', dest)).out).toMatch(/Blocked by pywarden: malware detected by test-malware: [^\n]* in badpkg/);

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // A navigation carries no token: the page answers 401 and its body is the sign-in form.
    expect((await page.goto(`${env.server.url}/-/review/`))?.status()).toBe(401);

    // 2. A wrong token is refused; the reviewer's token signs in.
    await page.fill('#token', 'pyw_wrong');
    await page.press('#token', 'Enter');
    await page.waitForSelector('#signin-error:not(:empty)');
    await page.fill('#token', env.tokens.reviewer);
    await page.press('#token', 'Enter');
    await page.waitForSelector(`#queue tbody tr[data-id="${id}"]`);
    expect(await page.textContent('#who')).toBe('alice (reviewer)');
    expect(await page.locator('#chart svg rect').count()).toBeGreaterThan(4);
    const shots = mkdtempSync(path.join(env.root, 'shots-'));
    await page.screenshot({ path: path.join(shots, 'review-queue.png'), fullPage: true });

    // 3. Keyboard: the queue is ordered by score (badpkg first); j moves down, Enter opens.
    const rows = await page.locator('#queue tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
    expect(rows).toContain(id);
    await page.locator('#queue tbody tr').first().focus();
    for (let i = 0; i < rows.indexOf(id!); i++) await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#item-view:not([hidden]) .finding');
    expect(await page.textContent('#item-title')).toContain(id!);
    expect(await page.textContent('.finding .rule')).toContain('test-exfil-url');
    expect(await page.textContent('pre.code .ln.hit')).toBe('URL = "https://example.invalid/collect"');
    expect(await page.getAttribute('pre.code .ln.hit', 'data-n')).toBe('4');
    await page.screenshot({ path: path.join(shots, 'review-item.png'), fullPage: true });

    // 4. Release with a reason (the r key jumps to the reason; Enter submits).
    await page.keyboard.press('r');
    await page.keyboard.type('false positive: example.invalid is a documentation domain');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#action-status')?.textContent?.startsWith('Released'));
    expect(await page.locator('#item-facts dd').first().textContent()).toBe('released');
    expect(await page.locator('#history tbody tr').last().textContent()).toContain('alice');
    expect(errors).toEqual([]);

    // 5. Real pip downloads the released file through the proxy.
    const ok = await pipDownload(env.server.url, 'heldpkg', dest);
    expect(ok.code, ok.out).toBe(0);
    expect(readdirSync(dest)).toContain(w.held.filename);
    expect(statSync(path.join(dest, w.held.filename)).size).toBeGreaterThan(0);

    for (const f of ['review-queue.png', 'review-item.png']) expect(statSync(path.join(shots, f)).size).toBeGreaterThan(10_000);
    if (process.env.PYWARDEN_SCREENSHOTS === '1') {
      const out = path.resolve(import.meta.dirname, '../../docs/screenshots');
      mkdirSync(out, { recursive: true });
      for (const f of ['review-queue.png', 'review-item.png']) copyFileSync(path.join(shots, f), path.join(out, f));
    }
  }, 180_000);

  it('an admin manages the deny list and rule modes on the policy view', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${env.server.url}/-/review/#/policy`);
    await page.fill('#token', env.tokens.admin);
    await page.press('#token', 'Enter');
    await page.waitForSelector('#policy-view:not([hidden])');
    await page.selectOption('#list-form select[name=list]', 'deny');
    await page.selectOption('#list-form select[name=kind]', 'projects');
    await page.fill('#list-form input[name=value]', 'Evil_Pkg');
    await page.fill('#list-form input[name=reason]', 'typosquat of evil-pkg-official');
    await page.click('#list-form button[type=submit]');
    await page.waitForSelector('#lists tbody tr');
    expect(await page.textContent('#lists tbody tr')).toContain('evil-pkg');
    expect((await env.server.deps.reviews!.policyExtras()).deny.projects).toContain('evil-pkg');
    await page.click('#lists tbody tr button');
    await page.waitForFunction(() => document.querySelectorAll('#lists tbody tr').length === 0);
    await page.fill('#rule-form input[name=rule]', 'test-exfil-url');
    await page.selectOption('#rule-form select[name=mode]', 'monitor');
    await page.click('#rule-form button[type=submit]');
    await page.waitForSelector('#rules tbody tr');
    expect(await page.textContent('#rules tbody tr')).toContain('monitor');
    expect((await env.server.deps.reviews!.policyExtras()).monitoredRules).toEqual(['test-exfil-url']);
    const actions = (await env.server.deps.reviews!.decisionsPage(0, 0, 1000)).filter((d) => d.actor === 'adam').map((d) => d.action);
    expect(actions).toEqual(['deny-add', 'deny-remove', 'rule-monitor']);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('identical findings are one card with a count, a deny-listed row says why, an unknown upload time is not 1970', async () => {
    // The test before put test-exfil-url in monitor mode (served, not held): enforce it again.
    expect((await call(env, 'PUT', '/-/api/rules/test-exfil-url', env.tokens.admin, { mode: 'enforce', reason: 'back' })).status).toBe(200);
    const dest = mkdtempSync(path.join(env.root, 'pip-'));
    const many = await pipDownload(env.server.url, 'heldmany', dest);
    const manyId = /\((Q-\d+), request/.exec(many.out)?.[1];
    expect(manyId, many.out).toBeTruthy();
    const add = await call(env, 'POST', '/-/api/lists', env.tokens.admin, { list: 'deny', kind: 'sha256', value: w.listed.sha256, reason: 'IOC from CERT-2026-17' });
    expect(add.status).toBe(201);
    const listed = await pipDownload(env.server.url, 'listedpkg', dest);
    const listedId = /\((Q-\d+), request/.exec(listed.out)?.[1];
    expect(listed.out).toMatch(/Blocked by pywarden: this file is on the deny list in listedpkg/);

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${env.server.url}/-/review/`);
    await page.fill('#token', env.tokens.reader);
    await page.press('#token', 'Enter');
    await page.waitForSelector(`#queue tbody tr[data-id="${listedId}"]`);
    // The Why column: the list entry's reason, where a rule list would be empty.
    expect(await page.textContent(`#queue tbody tr[data-id="${listedId}"] td:nth-child(6)`)).toBe('this file is on the deny list: IOC from CERT-2026-17');
    expect(await page.textContent(`#queue tbody tr[data-id="${manyId}"] td:nth-child(6)`)).toBe('test-exfil-url');

    await page.goto(`${env.server.url}/-/review/#/item/${manyId}`);
    await page.waitForSelector('#item-view:not([hidden]) .finding');
    expect(await page.locator('.finding').count()).toBe(1);
    expect(await page.textContent('.finding .count')).toBe(' ×19');
    expect(await page.textContent('.finding .places')).toContain('heldmany/m18.py:4');
    const facts = await page.locator('#item-facts').textContent();
    expect(facts).toContain('Uploadedunknown (the index gives none)');
    expect(facts).not.toContain('1970');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
