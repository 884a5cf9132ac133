import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, DEFAULTS, envName, loadConfig } from '../src/config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pywarden-config-'));

describe('configuration', () => {
  it('defaults give the embedded setup on 127.0.0.1:3141 with PyPI upstream', () => {
    const c = loadConfig({ env: {} });
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(3141);
    expect(c.upstream).toBe('https://pypi.org/simple/');
    expect(c.data).toBe(path.resolve('./data'));
  });

  it('file < environment < flags', () => {
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, 'port: 4000\npageTtl: 30\nmode: monitor\n');
    const c = loadConfig({ file, env: { PYWARDEN_PORT: '5000', PYWARDEN_PAGE_TTL: '40' }, flags: { port: '6000' } });
    expect(c.port).toBe(6000);
    expect(c.pageTtl).toBe(40);
    expect(c.mode).toBe('monitor');
  });

  it('every key has an environment variable named after it', () => {
    expect(envName('pageTtl')).toBe('PYWARDEN_PAGE_TTL');
    for (const key of Object.keys(DEFAULTS)) expect(envName(key)).toMatch(/^PYWARDEN_[A-Z_]+$/);
  });

  it('the shipped config file is valid and documents every key', async () => {
    const file = path.resolve('config/pywarden.yaml');
    expect(() => loadConfig({ file, env: {} })).not.toThrow();
    const text = (await import('node:fs')).readFileSync(file, 'utf8');
    for (const key of Object.keys(DEFAULTS)) expect(text).toMatch(new RegExp(`^${key}:`, 'm'));
  });

  it('a folder upstream is made absolute; an http upstream gets its trailing slash', () => {
    expect(loadConfig({ env: {}, flags: { upstream: 'wheels' } }).upstream).toBe(path.resolve('wheels'));
    expect(loadConfig({ env: {}, flags: { upstream: 'https://example.org/simple' } }).upstream).toBe('https://example.org/simple/');
  });

  it.each([
    [{ flags: { port: '70000' } }, /--port.*port number/],
    [{ flags: { mode: 'strict' } }, /--mode.*"enforce" or "monitor"/],
    [{ env: { PYWARDEN_PAGE_TTL: 'ten' } }, /PYWARDEN_PAGE_TTL.*non-negative integer/],
    [{ flags: { upstream: 'ftp://x/simple/' } }, /http\(s\) URL or a local folder/],
    [{ flags: { deny: { versions: ['requests'] } } }, /"requests" must look like "project==1.2.3"/],
    [{ flags: { allow: { sha256: ['abc'] } } }, /not a sha256/],
    [{ env: { PYWARDEN_SCAN_MEMORY_LIMIT: '100' } }, /scanMemoryLimit must be at least 256 \(MiB\), got 100/],
    [{ flags: { fileOrigins: 'https://cdn.example.com/files/' } }, /must be origins such as/],
    [{ env: { PYWARDEN_MAX_FILE_SIZE: '2 gallons' } }, /PYWARDEN_MAX_FILE_SIZE.*"2GiB"/],
    [{ flags: { maxColdDownloads: '0' } }, /maxColdDownloads must be at least 1/],
    [{ flags: { blobQuota: '1GiB', maxFileSize: '2GiB' } }, /blobQuota .* is below maxFileSize/],
    [{ flags: { database: 'mysql://db/pywarden' } }, /--database.*a postgres:\/\/ URL, or "" for the SQLite file/],
    [{ env: { PYWARDEN_LEASE_SECONDS: '0' } }, /leaseSeconds must be at least 1/],
    [{ flags: { processes: 'many' } }, /--processes.*non-negative integer/],
    [{ env: { PYWARDEN_ACCEL_REDIRECT: '/_pywarden/blobs' } }, /PYWARDEN_ACCEL_REDIRECT.*URI prefix such as "\/_pywarden\/blobs\/"/],
    [{ flags: { accelRedirect: '/_p/../blobs/' } }, /--accel-redirect.*URI prefix/],
    [{ flags: { accelRedirect: 'http://nginx/blobs/' } }, /--accel-redirect.*URI prefix/],
  ])('bad configuration says what to fix: %j', (src, message) => {
    expect(() => loadConfig({ env: {}, ...src })).toThrow(message);
  });

  it('file origins and sizes: lists or comma-separated, sizes with binary units', () => {
    const c = loadConfig({ env: { PYWARDEN_FILE_ORIGINS: 'https://a.example, http://10.0.0.2:8080/' }, flags: { maxFileSize: '512MiB', blobQuota: '1GiB' } });
    expect(c.fileOrigins).toEqual(['https://a.example', 'http://10.0.0.2:8080']);
    expect(c.maxFileSize).toBe(512 * 1024 ** 2);
    expect(c.blobQuota).toBe(1024 ** 3);
    expect(loadConfig({ env: {} }).maxFileSize).toBe(2 * 1024 ** 3);
  });

  it('unknown keys in a file are named', () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'prot: 1\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file, env: {} })).toThrow(/unknown key "prot"/);
  });

  it('lists are normalized: names per PEP 503, versions as name==version', () => {
    const c = loadConfig({ env: {}, flags: { deny: { projects: ['Foo_Bar'], versions: ['Foo.Bar == 1.0'] } } });
    expect(c.deny.projects).toEqual(['foo-bar']);
    expect(c.deny.versions).toEqual(['foo-bar==1.0']);
  });

  it('the advisory feed: an http(s) URL or "", fetched no more often than once a minute', () => {
    expect(loadConfig({ env: {} })).toMatchObject({ intelUrl: '', intelInterval: 3600 });
    const c = loadConfig({ env: { PYWARDEN_INTEL_URL: 'https://osv.example/PyPI/all.zip', PYWARDEN_INTEL_INTERVAL: '600' } });
    expect(c).toMatchObject({ intelUrl: 'https://osv.example/PyPI/all.zip', intelInterval: 600 });
    expect(() => loadConfig({ env: {}, flags: { intelUrl: 'file:///etc/passwd' } })).toThrow(/"intelUrl" must be an http\(s\) URL or ""/);
    expect(() => loadConfig({ env: {}, flags: { intelInterval: 5 } })).toThrow(/intelInterval must be at least 60 seconds, got 5/);
  });

  it('refusalContact: printable ASCII for the status line, from env or flag; refused listings are yanked by default', () => {
    expect(loadConfig({ env: {} })).toMatchObject({ refusalContact: '', refusedListing: 'yank' });
    expect(loadConfig({ env: { PYWARDEN_REFUSAL_CONTACT: 'security@example.com' } }).refusalContact).toBe('security@example.com');
    expect(() => loadConfig({ env: {}, flags: { refusalContact: 'a\r\nX-Evil: 1' } })).toThrow(/"refusalContact" must be at most 80 printable ASCII characters/);
    expect(() => loadConfig({ env: {}, flags: { refusalContact: 'x'.repeat(81) } })).toThrow(/refusalContact/);
    expect(() => loadConfig({ env: {}, flags: { refusalContact: 'sécurité' } })).toThrow(/refusalContact/);
  });
});

describe('several upstreams (issue 12)', () => {
  it('the single upstream key is a one-entry list named "default"', () => {
    const c = loadConfig({ env: {}, flags: { upstream: 'https://example.org/simple' } });
    expect(c.upstreams).toEqual([{ name: 'default', kind: 'http', url: 'https://example.org/simple/', private: false, routes: [], merge: [], auth: null, fileOrigins: [] }]);
  });

  it('reads a list from the file, with credentials from the URL or from the environment', () => {
    const file = path.join(dir, 'ups.yaml');
    writeFileSync(
      file,
      [
        'upstreams:',
        '  - { name: acme, url: "https://bot:s%40cret@pypi.acme.test/simple", private: true, routes: ["Acme_*"], merge: [requests] }',
        '  - { name: vendor, url: "https://vendor.test/simple/", private: true, tokenEnv: VENDOR_TOKEN }',
        '  - { name: wheels, path: wheels }',
        '  - { name: pypi, url: "https://pypi.org/simple/" }',
      ].join('\n'),
    );
    const c = loadConfig({ file, env: { VENDOR_TOKEN: 'tok-123' } });
    expect(c.upstreams.map((u) => [u.name, u.kind, u.url, u.private, u.auth])).toEqual([
      ['acme', 'http', 'https://pypi.acme.test/simple/', true, { username: 'bot', password: 's@cret' }],
      ['vendor', 'http', 'https://vendor.test/simple/', true, { token: 'tok-123' }],
      ['wheels', 'folder', path.resolve('wheels'), false, null],
      ['pypi', 'http', 'https://pypi.org/simple/', false, null],
    ]);
    expect(c.upstreams[0].routes).toEqual(['acme-*']);
    expect(c.upstreams[0].merge).toEqual(['requests']);
  });

  it('takes the list as JSON from the environment and the command line', () => {
    const json = JSON.stringify([{ name: 'acme', hosted: true }, { name: 'pypi', url: 'https://pypi.org/simple/' }]);
    expect(loadConfig({ env: { PYWARDEN_UPSTREAMS: json } }).upstreams.map((u) => [u.name, u.kind, u.private])).toEqual([['acme', 'hosted', true], ['pypi', 'http', false]]);
    expect(loadConfig({ env: {}, flags: { upstreams: json } }).upstreams).toHaveLength(2);
  });

  it.each([
    [[{ name: 'pypi', url: 'https://pypi.org/simple/' }, { name: 'acme', url: 'https://acme.test/simple/', private: true }], /private upstream "acme" comes after public upstream "pypi"/],
    [[{ name: 'a', url: 'https://a.test/' }, { name: 'a', path: '/x' }], /"a" is used twice/],
    [[{ name: 'Bad Name', url: 'https://a.test/' }], /lower-case letters/],
    [[{ name: 'a', url: 'https://a.test/', path: '/x' }], /exactly one of url, path or hosted/],
    [[{ name: 'a', url: 'https://a.test/', merge: ['x'] }], /only a private upstream's names can be merged/],
    [[{ name: 'a', url: 'https://a.test/', tokenEnv: 'NOPE' }], /environment variable NOPE is not set/],
    [[{ name: 'a', path: '/x', token: 't' }], /credentials apply only to an http\(s\) url/],
    [[{ name: 'a', url: 'https://u:p@a.test/', token: 't' }], /give a token or a username and password|both in the url and as keys/],
    [[{ name: 'a', url: 'https://a.test/', colour: 'red' }], /unknown key "colour"/],
  ])('refuses %j', (upstreams, message) => {
    expect(() => loadConfig({ env: {}, flags: { upstreams } })).toThrow(message);
  });

  it('never echoes a password from a malformed upstream URL', () => {
    let msg = '';
    try {
      loadConfig({ env: {}, flags: { upstreams: [{ name: 'a', url: 'https://user:hunter2@[bad/' }] } });
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toMatch(/not a valid URL/);
    expect(msg).not.toContain('hunter2');
  });
});
