// Shared pieces of the benchmarks: real wheels on disk, the proxy as a separate process, a
// static nginx as the baseline, and wrk as the load generator. Everything binds 127.0.0.1.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import net from 'node:net';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Projects whose pages start scan-ahead downloads while cached pages are measured (bench/run.mjs): 8 per repeat. */
export const AHEAD_PROJECTS = Array.from({ length: 24 }, (_, i) => `ahead${i}`);
export const PIP_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';

/** A stored (uncompressed) zip: enough for a valid wheel the scanner reads as benign. */
export function makeZip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = Buffer.from(name);
    const d = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const crc = crc32(d) >>> 0;
    const l = Buffer.alloc(30);
    l.writeUInt32LE(0x04034b50, 0);
    l.writeUInt16LE(20, 4);
    l.writeUInt16LE(0x800, 6);
    l.writeUInt32LE(crc, 14);
    l.writeUInt32LE(d.length, 18);
    l.writeUInt32LE(d.length, 22);
    l.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x800, 8);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(d.length, 20);
    c.writeUInt32LE(d.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    locals.push(l, n, d);
    centrals.push(c, n);
    offset += 30 + n.length + d.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Deterministic incompressible bytes (so gzip and the page cache cannot flatter a figure). */
export function pseudoRandom(n, seed) {
  const out = Buffer.alloc(n);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < n; i += 32) {
    block = createHash('sha256').update(block).digest();
    block.copy(out, i, 0, Math.min(32, n - i));
  }
  return out;
}

/** A benign wheel: a module, METADATA, WHEEL, RECORD, and optional incompressible data. */
export function wheel(name, version, padBytes = 0) {
  const mod = name.replace(/-/g, '_');
  const dist = `${mod}-${version}.dist-info`;
  const files = [
    [`${mod}/__init__.py`, `"""${name} benchmark package."""\n\n__version__ = "${version}"\n\n\ndef add(a, b):\n    return a + b\n`],
    [`${dist}/METADATA`, `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: benchmark package\nAuthor: Bench\nHome-page: https://example.org/${name}\n`],
    [`${dist}/WHEEL`, 'Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n'],
  ];
  if (padBytes) files.push([`${mod}/data.bin`, pseudoRandom(padBytes, name + version)]);
  const record = files.map(([p, d]) => `${p},sha256=${createHash('sha256').update(d).digest('base64url')},${Buffer.byteLength(d)}`);
  files.push([`${dist}/RECORD`, record.join('\n') + `\n${dist}/RECORD,,\n`]);
  return { filename: `${mod}-${version}-py3-none-any.whl`, body: makeZip(files) };
}

export function writeWheel(dir, name, version, padBytes = 0) {
  const w = wheel(name, version, padBytes);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, w.filename), w.body);
  return { ...w, sha256: createHash('sha256').update(w.body).digest('hex') };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `pywarden serve` as its own process; resolves once it listens. One serving process unless
 * extraArgs say `--processes N` (the last one wins): rss() reads this pid, which with N > 1 is the
 * cluster primary, not a serving process. `root` is the checkout whose bin/pywarden.js runs.
 */
export async function startProxy({ upstream, data, extraArgs = [], env = {}, root = ROOT }) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'bin/pywarden.js'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--upstream', upstream, '--data', data, '--log-level', 'info', '--processes', '1', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // The bench's synthetic wheels are allow-listed: the figures are about serving, and the
    // learned classifier may hold a synthetic three-file wheel. They are still scanned.
    env: { ...process.env, PYWARDEN_ALLOW: JSON.stringify({ projects: ['small', 'many', 'bigfile', 'coldfile', 'coldslow', 'mid', 'memtest', ...AHEAD_PROJECTS] }), ...env },
  });
  const lines = [];
  let buf = '';
  child.stderr.on('data', (c) => {
    buf += c;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`proxy exited with ${child.exitCode}: ${lines.join('\n')}`);
    try {
      const r = await fetch(`${url}/-/health`);
      if (r.ok) break;
    } catch {}
    if (i > 200) throw new Error('proxy did not start in 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid,
    lines,
    child,
    rss: () => rssOf(child.pid),
    stop: () => stopChild(child, 'SIGTERM'),
  };
}

/** Signals a child and waits for it to exit; SIGKILL after 5 s. */
async function stopChild(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

/** Resident and peak resident memory of a process, in MiB (Linux /proc). */
export function rssOf(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
  return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
}

/**
 * A static nginx on 127.0.0.1 with its own temporary config, one worker unless told (as the proxy
 * has one event loop). A second server on the same tree sends each response at no more than
 * throttleBytesPerSec (an upstream over a link of realistic speed): throttledUrl.
 */
export async function startNginx(root, scratch, { workers = 1, name = 'nginx', throttleBytesPerSec = 50_000_000 } = {}) {
  const port = await freePort();
  const slowPort = await freePort();
  const conf = path.join(scratch, `${name}.conf`);
  mkdirSync(path.join(scratch, 'nginx-tmp'), { recursive: true });
  writeFileSync(
    conf,
    `worker_processes ${workers};
daemon off;
pid ${scratch}/${name}.pid;
error_log ${scratch}/${name}-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${scratch}/nginx-tmp;
  proxy_temp_path ${scratch}/nginx-tmp;
  fastcgi_temp_path ${scratch}/nginx-tmp;
  uwsgi_temp_path ${scratch}/nginx-tmp;
  scgi_temp_path ${scratch}/nginx-tmp;
  types { text/html html; application/vnd.pypi.simple.v1+json json; application/octet-stream whl; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    index index.html;
    etag on;
  }
  server {
    listen 127.0.0.1:${slowPort};
    root ${root};
    index index.html;
    limit_rate ${throttleBytesPerSec};
  }
}
`,
  );
  const bin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => {
    try {
      execFileSync(p, ['-v'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!bin) throw new Error('nginx is not installed: apt-get install -y nginx');
  const child = spawn(bin, ['-c', conf, '-p', scratch], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${err}`);
    try {
      const r = await fetch(url + '/');
      await r.arrayBuffer();
      break;
    } catch {}
    if (i > 100) throw new Error('nginx did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    throttledUrl: `http://127.0.0.1:${slowPort}`,
    pid: child.pid,
    stop: () => stopChild(child, 'SIGQUIT'),
  };
}

/** One wrk run; returns requests/s, MB/s, p50/p99 latency (ms), errors. */
export function wrk(url, { connections, seconds, headers = {} }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '10s'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const num = (re) => {
    const m = re.exec(out);
    return m ? m : null;
  };
  const ms = (v, unit) => Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60000 }[unit] ?? NaN);
  const mb = (v, unit) => Number(v) * ({ B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 }[unit] ?? NaN);
  const p50 = num(/^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m);
  const p99 = num(/^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m);
  const rps = num(/Requests\/sec:\s+([\d.]+)/);
  const tput = num(/Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/);
  const non2xx = num(/Non-2xx or 3xx responses:\s+(\d+)/);
  const sockErr = num(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    rps: Number(rps?.[1]),
    mbps: tput ? mb(tput[1], tput[2]) : NaN,
    p50: p50 ? ms(p50[1], p50[2]) : NaN,
    p99: p99 ? ms(p99[1], p99[2]) : NaN,
    errors: (non2xx ? Number(non2xx[1]) : 0) + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
    raw: out,
  };
}

export async function timed(fn) {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}

export function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** A wheel's path under a static tree or the proxy (files/<sha256>/<name>). */
export const filePath = (f) => `/files/${f.sha256}/${f.filename}`;

/** The file straight from the upstream, best of 3 (ms). */
export async function directFetch(upstreamUrl, f) {
  let ms = Infinity;
  for (let k = 0; k < 3; k++) ms = Math.min(ms, (await timed(async () => (await fetch(upstreamUrl + filePath(f))).arrayBuffer()))[0]);
  return ms;
}

/**
 * One cold fetch of a file through the proxy: its time, and the scan's `ms` from the proxy's log
 * (a scan read while the file downloaded counts from the moment the file was whole).
 */
export async function coldFetch(proxy, f) {
  const [coldMs, status] = await timed(async () => {
    const r = await fetch(proxy.url + filePath(f));
    await r.arrayBuffer();
    return r.status;
  });
  if (status !== 200) throw new Error(`cold fetch of ${f.filename}: ${status}`);
  const scanned = proxy.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'scanned' && l.filename === f.filename);
  return { coldMs, scanMs: scanned?.ms ?? NaN, early: scanned?.early };
}
