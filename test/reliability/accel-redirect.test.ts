// Issue 13, X-Accel-Redirect: with accelRedirect set, a real nginx in front (the config documented
// in docs/DEPLOYMENT.md) sends the blob itself. Fail closed still holds: the header is only ever
// sent for a file whose verdict allows serving, after that verdict is recorded; a refused file, a
// file whose bytes do not match, and the internal location requested directly get no blob bytes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FaultUpstream, benignWheel, sha256 } from '../helpers/fault-upstream.js';
import { fileUrlFromPage, get, startProxy, type Proxy } from './harness.js';

const PREFIX = '/_pywarden/blobs/';
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);

const allowed = benignWheel('demo', '1.0', 300 * 1024);
const denied = benignWheel('fresh3', '1.0', 64 * 1024);
const forged = benignWheel('fresh4', '1.0', 64 * 1024);

let up: FaultUpstream;
let proxy: Proxy;
let plain: Proxy;
let scratch: string;
let nginx: ChildProcess | undefined;
let front = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The nginx of docs/DEPLOYMENT.md ("nginx sends the files"), on a temp config. */
async function startNginx(proxyUrl: string, blobs: string): Promise<string> {
  const port = await freePort();
  const conf = path.join(scratch, 'nginx.conf');
  mkdirSync(path.join(scratch, 'tmp'), { recursive: true });
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${scratch}/nginx.pid;
error_log ${scratch}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${scratch}/tmp;
  proxy_temp_path ${scratch}/tmp;
  fastcgi_temp_path ${scratch}/tmp;
  uwsgi_temp_path ${scratch}/tmp;
  scgi_temp_path ${scratch}/tmp;
  sendfile on;
  server {
    listen 127.0.0.1:${port};
    location ${PREFIX} {
      internal;
      alias ${blobs}/;
    }
    location / {
      proxy_pass ${proxyUrl};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`,
  );
  nginx = spawn(NGINX!, ['-c', conf, '-p', scratch], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${url}/-/health`).then((r) => r.arrayBuffer());
      return url;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('nginx did not start');
}

beforeAll(async () => {
  if (!NGINX) throw new Error('nginx is not installed (apt-get install nginx-light; .ci/run does)');
  scratch = mkdtempSync(path.join(tmpdir(), 'pywarden-accel-'));
  // nginx's workers run as an unprivileged user: they must be able to read the blob folder.
  chmodSync(scratch, 0o755);
  const data = path.join(scratch, 'data');
  mkdirSync(data, { mode: 0o755 });
  up = await new FaultUpstream().start();
  up.add('demo', allowed.filename, allowed.body);
  up.add('fresh3', denied.filename, denied.body);
  up.add('fresh4', forged.filename, forged.body);
  // The refused file stays listed (refusedListing: show), so a client can ask for it.
  proxy = await startProxy(up.simple, { data, accelRedirect: PREFIX, deny: { projects: ['fresh3'] }, refusedListing: 'show' });
  plain = await startProxy(up.simple);
  front = await startNginx(proxy.url, path.join(data, 'blobs'));
});

afterAll(async () => {
  nginx?.kill('SIGQUIT');
  await proxy?.stop();
  await plain?.stop();
  await up?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('X-Accel-Redirect behind nginx', () => {
  test('an allowed file: the proxy answers with the header and no body, after its verdict is recorded; nginx sends the bytes, ranges too', async () => {
    const url = await fileUrlFromPage(proxy.url, 'demo', allowed.filename);
    const sha = sha256(allowed.body);
    const direct = await get(url);
    expect(direct.status).toBe(200);
    expect(direct.headers.get('x-accel-redirect')).toBe(`${PREFIX}${sha.slice(0, 2)}/${sha}`);
    expect(direct.body.length).toBe(0);
    expect(proxy.verdictCount()).toBe(1);
    expect(proxy.scans).toHaveLength(1);

    const path_ = new URL(url).pathname;
    const whole = await get(front + path_);
    expect(whole.status).toBe(200);
    expect(whole.body.equals(allowed.body)).toBe(true);
    expect(whole.headers.get('x-accel-redirect')).toBeNull();
    expect(whole.headers.get('cache-control')).toContain('immutable');
    const part = await get(front + path_, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.body.equals(allowed.body.subarray(100, 200))).toBe(true);
  });

  test('the internal location is not reachable directly, under any spelling', async () => {
    const sha = sha256(allowed.body);
    for (const p of [`${PREFIX}${sha.slice(0, 2)}/${sha}`, `/_pywarden/blobs/../blobs/${sha.slice(0, 2)}/${sha}`, `/_pywarden//blobs/${sha.slice(0, 2)}/${sha}`, `/_pywarden/blobs%2F${sha.slice(0, 2)}%2F${sha}`]) {
      const r = await get(front + p);
      expect(r.status, p).not.toBe(200);
      expect(r.body.includes(allowed.body.subarray(0, 64)), p).toBe(false);
    }
  });

  test('a refused file: 403 through nginx and from the proxy, no header, no bytes', async () => {
    const url = await fileUrlFromPage(proxy.url, 'fresh3', denied.filename);
    const direct = await get(url);
    expect(direct.status).toBe(403);
    expect(direct.headers.get('x-accel-redirect')).toBeNull();
    const via = await get(front + new URL(url).pathname);
    expect(via.status).toBe(403);
    expect(via.headers.get('content-type')).toBe('application/problem+json');
    expect(via.body.includes(denied.body.subarray(0, 64))).toBe(false);
  });

  test('upstream bytes that do not match their hash: 502, no header, nothing stored for nginx to send', async () => {
    const url = await fileUrlFromPage(proxy.url, 'fresh4', forged.filename);
    up.setFault('file', { kind: 'wrong-bytes' });
    try {
      const direct = await get(url);
      expect(direct.status).toBe(502);
      expect(direct.headers.get('x-accel-redirect')).toBeNull();
      const via = await get(front + new URL(url).pathname);
      expect(via.status).toBe(502);
      expect(proxy.blobFiles().some((f) => f.endsWith(sha256(forged.body)))).toBe(false);
    } finally {
      up.clearFault();
    }
  });

  test('off by default: the proxy sends the bytes itself', async () => {
    const r = await get(await fileUrlFromPage(plain.url, 'demo', allowed.filename));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-accel-redirect')).toBeNull();
    expect(r.body.equals(allowed.body)).toBe(true);
  });
});
