// A small HTTP simple index for tests (JSON or HTML, with yanked files and PEP 792 status),
// serving real files from a folder. Counts hits so tests can prove single-flight and caching.
import { createServer, type Server } from 'node:http';
import { createReadStream, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { renderProjectHtml, renderProjectJson } from '../../src/index/index.js';
import type { IndexFile, ProjectPage } from '../../src/index/types.js';

export interface TestFile {
  filename: string;
  yanked?: boolean | string;
  requiresPython?: string;
  uploadTime?: string;
  /** PEP 658: core metadata served at <file URL>.metadata and listed with its hash. */
  metadata?: string;
}

export interface TestIndex {
  url: string;
  /** Fault switches: answer 503 to everything, or serve other bytes than listed. */
  faults: { down?: boolean; tamper?: boolean; serial?: number; delayMs?: number };
  hits: Map<string, number>;
  projects: Map<string, { status?: ProjectPage['status']; files: TestFile[] }>;
  format: 'json' | 'html';
  close(): Promise<void>;
}

export async function startIndexServer(dir: string, format: 'json' | 'html' = 'json'): Promise<TestIndex> {
  const hits = new Map<string, number>();
  const projects: TestIndex['projects'] = new Map();
  const state = { format };
  const faults: TestIndex['faults'] = {};
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
    if (faults.down) return void res.writeHead(503).end('down');
    const m = /^\/simple\/([^/]+)\/$/.exec(url.pathname);
    if (m) {
      const p = projects.get(m[1]);
      if (!p) return void res.writeHead(404).end('not found');
      const files: IndexFile[] = p.files.map((f) => {
        const data = readFileSync(path.join(dir, f.filename));
        return {
          filename: f.filename,
          url: `/files/${encodeURIComponent(f.filename)}`,
          hashes: { sha256: createHash('sha256').update(data).digest('hex') },
          size: data.length,
          yanked: f.yanked,
          requiresPython: f.requiresPython,
          uploadTime: f.uploadTime,
          coreMetadata: f.metadata === undefined ? undefined : { sha256: createHash('sha256').update(f.metadata).digest('hex') },
        };
      });
      const page: ProjectPage = { name: m[1], files, status: p.status };
      const json = state.format === 'json';
      const headers: Record<string, string> = { 'content-type': json ? 'application/vnd.pypi.simple.v1+json' : 'text/html' };
      if (faults.serial !== undefined) headers['x-pypi-last-serial'] = String(faults.serial);
      res.writeHead(200, headers);
      return void res.end(json ? renderProjectJson(page) : renderProjectHtml(page));
    }
    const meta = /^\/files\/([^/]+)\.metadata$/.exec(url.pathname);
    const listed = meta && [...projects.values()].flatMap((p) => p.files).find((x) => x.filename === decodeURIComponent(meta[1]) && x.metadata !== undefined);
    if (listed && listed.metadata !== undefined) return void res.writeHead(200).end(listed.metadata);
    const f = /^\/files\/([^/]+)$/.exec(url.pathname);
    if (f) {
      const file = path.join(dir, decodeURIComponent(f[1]));
      if (faults.tamper) {
        const data = readFileSync(file);
        data[data.length - 1] ^= 0xff;
        return void res.writeHead(200, { 'content-length': String(data.length) }).end(data);
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void createReadStream(file).on('error', () => res.destroy()).pipe(res);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    hits,
    faults,
    projects,
    get format() {
      return state.format;
    },
    set format(v) {
      state.format = v;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
