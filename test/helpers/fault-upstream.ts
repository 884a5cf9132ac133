// A controllable upstream simple index for tests: a real HTTP server on port 0 that serves
// PEP 691 JSON or PEP 503 HTML project pages and the files they list, counts every hit, and
// injects one fault at a time on demand (down, slow headers, body trickle, 5xx, reset mid-body,
// truncated body with a correct Content-Length, wrong bytes, oversized page, redirect, garbage).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { makeZip } from '../scan/archive/fixtures.js';

export interface UpFile {
  project: string;
  filename: string;
  body: Buffer;
  sha256: string;
  uploadTime?: string;
}

export type Fault =
  /** Connections are accepted and destroyed at once (the client sees a reset / socket hang up). */
  | { kind: 'reset-on-connect' }
  /** Headers only after `ms`. */
  | { kind: 'slow-headers'; ms: number }
  /** Headers at once, then `bytes` every `everyMs`. */
  | { kind: 'trickle'; bytes: number; everyMs: number }
  | { kind: 'status'; status: number }
  /** Half the body, then the socket is destroyed. */
  | { kind: 'reset-mid-body' }
  /** The real Content-Length, half the body, then a clean FIN. */
  | { kind: 'truncated' }
  /** The right length, other bytes (the listed sha256 no longer matches). */
  | { kind: 'wrong-bytes' }
  /** A page body of `bytes` (valid JSON padding) with the true Content-Length, or chunked when `chunked`. */
  | { kind: 'oversized'; bytes: number; chunked?: boolean }
  | { kind: 'redirect'; location: string }
  /** The right bytes without a Content-Length (chunked), in 16 KiB writes: only counting the bytes finds the size. */
  | { kind: 'chunked' }
  /** A 200 with a body that is neither a valid JSON nor a valid HTML page. */
  | { kind: 'garbage'; body: string; contentType: string };

export type Target = 'page' | 'file' | 'all';

export interface FaultUpstreamOptions {
  /** How project pages are served. */
  format?: 'json' | 'html';
}

export class FaultUpstream {
  readonly files = new Map<string, UpFile>();
  /** Hits per request path. */
  readonly hits = new Map<string, number>();
  private fault: { target: Target; fault: Fault } | null = null;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private timers = new Set<NodeJS.Timeout>();
  port = 0;
  format: 'json' | 'html';
  /** Extra or replaced pages: path → [contentType, body]. */
  readonly pages = new Map<string, { contentType: string; body: string }>();

  constructor(opts: FaultUpstreamOptions = {}) {
    this.format = opts.format ?? 'json';
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The simple index URL to give the proxy as its upstream. */
  get simple(): string {
    return `${this.base}/simple/`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      if (this.fault?.fault.kind === 'reset-on-connect' && this.fault.target === 'all') s.destroy();
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Really down: nothing listens on the port (ECONNREFUSED) until start() again. */
  get running(): boolean {
    return this.server !== null;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      for (const sock of this.sockets) sock.destroy();
    });
  }

  setFault(target: Target, fault: Fault): void {
    this.fault = { target, fault };
  }

  clearFault(): void {
    this.fault = null;
  }

  hitCount(prefix: string): number {
    let n = 0;
    for (const [p, c] of this.hits) if (p.startsWith(prefix)) n += c;
    return n;
  }

  resetHits(): void {
    this.hits.clear();
  }

  add(project: string, filename: string, body: Buffer, uploadTime?: string): UpFile {
    const f = { project, filename, body, sha256: sha256(body), uploadTime };
    this.files.set(filename, f);
    return f;
  }

  fileUrl(filename: string): string {
    return `${this.base}/files/${encodeURIComponent(filename)}`;
  }

  projectJson(project: string): string {
    const files = [...this.files.values()].filter((f) => f.project === project);
    return JSON.stringify({
      meta: { 'api-version': '1.1' },
      name: project,
      versions: [...new Set(files.map((f) => f.filename.split('-')[1]))],
      files: files.map((f) => ({
        filename: f.filename,
        url: this.fileUrl(f.filename),
        hashes: { sha256: f.sha256 },
        size: f.body.length,
        ...(f.uploadTime ? { 'upload-time': f.uploadTime } : {}),
      })),
    });
  }

  projectHtml(project: string): string {
    const files = [...this.files.values()].filter((f) => f.project === project);
    const links = files.map((f) => `<a href="${this.fileUrl(f.filename)}#sha256=${f.sha256}">${f.filename}</a><br/>`);
    return `<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.0"><title>Links for ${project}</title></head><body><h1>Links for ${project}</h1>${links.join('\n')}</body></html>`;
  }

  private applies(kind: 'page' | 'file'): Fault | null {
    if (!this.fault) return null;
    return this.fault.target === 'all' || this.fault.target === kind ? this.fault.fault : null;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.base);
    this.hits.set(url.pathname, (this.hits.get(url.pathname) ?? 0) + 1);
    let kind: 'page' | 'file';
    let body: Buffer;
    let contentType: string;
    const extra = this.pages.get(url.pathname);
    if (extra) {
      kind = 'page';
      body = Buffer.from(extra.body);
      contentType = extra.contentType;
    } else if (url.pathname === '/simple/') {
      kind = 'page';
      const projects = [...new Set([...this.files.values()].map((f) => f.project))];
      body = Buffer.from(JSON.stringify({ meta: { 'api-version': '1.0' }, projects: projects.map((name) => ({ name })) }));
      contentType = 'application/vnd.pypi.simple.v1+json';
    } else if (url.pathname.startsWith('/simple/')) {
      kind = 'page';
      const project = url.pathname.slice('/simple/'.length).replace(/\/$/, '');
      if (![...this.files.values()].some((f) => f.project === project)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      if (this.format === 'json') {
        body = Buffer.from(this.projectJson(project));
        contentType = 'application/vnd.pypi.simple.v1+json';
      } else {
        body = Buffer.from(this.projectHtml(project));
        contentType = 'text/html';
      }
    } else if (url.pathname.startsWith('/files/')) {
      kind = 'file';
      const f = this.files.get(decodeURIComponent(url.pathname.slice('/files/'.length)));
      if (!f) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      body = f.body;
      contentType = 'application/octet-stream';
    } else {
      res.writeHead(404).end();
      return;
    }
    const fault = this.applies(kind);
    this.respond(req, res, fault, body, contentType);
  }

  private respond(req: IncomingMessage, res: ServerResponse, fault: Fault | null, body: Buffer, contentType: string): void {
    const ok = () => res.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
    switch (fault?.kind) {
      case 'reset-on-connect':
        // Also on a kept-alive connection: reset without a status line.
        req.socket.destroy();
        return;
      case undefined:
        ok();
        res.end(body);
        return;
      case 'slow-headers':
        this.later(fault.ms, () => {
          if (res.destroyed) return;
          ok();
          res.end(body);
        });
        return;
      case 'trickle': {
        ok();
        let at = 0;
        const tick = () => {
          if (res.destroyed) return;
          const part = body.subarray(at, at + fault.bytes);
          at += part.length;
          if (at >= body.length) res.end(part);
          else {
            res.write(part);
            this.later(fault.everyMs, tick);
          }
        };
        tick();
        return;
      }
      case 'status':
        res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(`injected ${fault.status}`);
        return;
      case 'reset-mid-body':
        ok();
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => this.later(20, () => req.socket.destroy()));
        return;
      case 'truncated':
        ok();
        // A clean FIN after half the promised bytes: the length says more was coming.
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => this.later(20, () => req.socket.end()));
        return;
      case 'wrong-bytes': {
        const other = Buffer.from(body);
        other[Math.floor(other.length / 2)] ^= 0xff;
        ok();
        res.end(other);
        return;
      }
      case 'oversized': {
        // Streamed in 1 MiB chunks with back-pressure, so the fault itself holds no big buffer.
        const head = Buffer.from('{"meta":{"api-version":"1.0"},"name":"x","files":[]');
        const total = head.length + fault.bytes + 1;
        res.writeHead(200, fault.chunked ? { 'content-type': contentType } : { 'content-type': contentType, 'content-length': total });
        const pad = Buffer.alloc(1024 * 1024, 0x20);
        let left = fault.bytes;
        res.write(head);
        const pump = () => {
          while (left > 0 && !res.destroyed) {
            const part = left >= pad.length ? pad : pad.subarray(0, left);
            left -= part.length;
            if (!res.write(part)) return void res.once('drain', pump);
          }
          if (!res.destroyed) res.end('}');
        };
        res.on('close', () => (left = 0));
        pump();
        return;
      }
      case 'chunked':
        res.writeHead(200, { 'content-type': contentType });
        for (let at = 0; at < body.length; at += 16 * 1024) res.write(body.subarray(at, at + 16 * 1024));
        res.end();
        return;
      case 'redirect':
        res.writeHead(302, { location: fault.location }).end();
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': fault.contentType, 'content-length': Buffer.byteLength(fault.body) }).end(fault.body);
        return;
    }
  }
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A small, benign, well-formed wheel (real zip, METADATA, WHEEL, RECORD). */
export function benignWheel(name: string, version: string, padBytes = 0): { filename: string; body: Buffer } {
  const mod = name.replace(/-/g, '_');
  const dist = `${mod}-${version}.dist-info`;
  const files: [string, string | Buffer][] = [
    [`${mod}/__init__.py`, `"""${name}: a test package."""\n\n__version__ = "${version}"\n\n\ndef add(a, b):\n    return a + b\n`],
    [`${dist}/METADATA`, `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: test package\n`],
    [`${dist}/WHEEL`, 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'],
  ];
  // Incompressible padding in a data file makes the wheel as large as a test needs.
  if (padBytes > 0) files.push([`${mod}/data.bin`, pseudoRandom(padBytes, name + version)]);
  const record = files.map(([p, d]) => `${p},sha256=${createHash('sha256').update(d).digest('base64url')},${Buffer.byteLength(d)}`);
  files.push([`${dist}/RECORD`, record.join('\n') + `\n${dist}/RECORD,,\n`]);
  const body = makeZip(files.map(([n, d]) => ({ name: n, data: d, method: padBytes > 0 && n.endsWith('.bin') ? 0 : 8 })));
  return { filename: `${mod}-${version}-py3-none-any.whl`, body };
}

/** Deterministic incompressible bytes. */
export function pseudoRandom(n: number, seed: string): Buffer {
  const out = Buffer.alloc(n);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < n; i += 32) {
    block = createHash('sha256').update(block).digest();
    block.copy(out, i, 0, Math.min(32, n - i));
  }
  return out;
}

// A wheel with 3,000 real Python modules: the real scanner needs half a second or more for it
// (reading and the model's features; 250-600 ms with 1,500 once the scanner got faster), long
// enough to kill the server or its scan process while the scan runs.
export function heavyWheel(): { filename: string; body: Buffer } {
  const entries = [];
  for (let i = 0; i < 3000; i++) {
    const src = `import os\nimport json\n\n\ndef f${i}(x):\n    y = [j * ${i} for j in range(x)]\n    return json.dumps({"a": y, "b": os.sep})\n\n\nclass C${i}:\n    def m(self, a, b):\n        return a + b\n`;
    entries.push({ name: `heavy/mod${i}.py`, data: src.repeat(20) });
  }
  entries.push({ name: 'heavy-1.0.dist-info/METADATA', data: 'Metadata-Version: 2.1\nName: heavy\nVersion: 1.0\nAuthor: A\nHome-page: https://example.org\n' });
  entries.push({ name: 'heavy-1.0.dist-info/WHEEL', data: 'Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n' });
  entries.push({ name: 'heavy-1.0.dist-info/RECORD', data: '' });
  return { filename: 'heavy-1.0-py3-none-any.whl', body: makeZip(entries) };
}
