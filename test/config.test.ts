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
});
