// Scan-ahead: when a project page is served, fetch and scan the files the client will most likely
// ask for next (the newest release, matching its Python and platform), so the download that
// follows finds its verdict ready and blocking adds no latency. Bounded concurrency, best effort.
import { isWheel } from '../index/index.js';
import type { CachedProject, ProxiedFile } from '../pages/cache.js';
import type { Gate } from './gate.js';
import type { Logger } from '../log.js';

export interface ClientInfo {
  /** "311" for CPython 3.11; null when unknown. */
  python: string | null;
  system: string | null;
  cpu: string | null;
}

/** pip's User-Agent is `pip/X {json}` with python, implementation, system and cpu (pip/_internal/network/session.py). */
export function clientFromUserAgent(ua: string | undefined): ClientInfo {
  const info: ClientInfo = { python: null, system: null, cpu: null };
  if (!ua) return info;
  const brace = ua.indexOf('{');
  if (brace >= 0) {
    try {
      const j = JSON.parse(ua.slice(brace)) as { python?: string; system?: { name?: string }; cpu?: string };
      const m = /^(\d+)\.(\d+)/.exec(j.python ?? '');
      if (m) info.python = m[1] + m[2];
      info.system = j.system?.name?.toLowerCase() ?? null;
      info.cpu = j.cpu?.toLowerCase() ?? null;
      return info;
    } catch {
      /* not pip's JSON: fall through */
    }
  }
  const py = /python\/(\d+)\.(\d+)/i.exec(ua); // uv: "uv/0.x ... python/3.12"
  if (py) info.python = py[1] + py[2];
  if (/linux/i.test(ua)) info.system = 'linux';
  return info;
}

/** Does a wheel's tag set plausibly install on this client? Unknown facts count as a match. */
export function wheelMatches(filename: string, c: ClientInfo): boolean {
  const [pyTags, abi, platTags] = filename.slice(0, -4).split('-').slice(-3);
  const major = c.python?.[0];
  const pyOk =
    !c.python || abi === 'abi3' || pyTags.split('.').some((t) => t === `py${major}` || t === `py${c.python}` || t === `cp${c.python}`);
  const plat = platTags.toLowerCase();
  const sysOk =
    plat === 'any' ||
    !c.system ||
    { linux: plat.includes('linux'), darwin: plat.startsWith('macosx'), windows: plat.startsWith('win') }[c.system] !== false;
  const cpuOk = plat === 'any' || !c.cpu || plat.includes(c.cpu) || plat.includes('universal');
  return pyOk && sysOk && cpuOk;
}

/** The files of the newest release a client would pick: matching wheels, else the sdist. */
export function likelyNext(page: CachedProject, client: ClientInfo, max = 3): ProxiedFile[] {
  const live = page.files.filter((f) => f.version && !f.yanked);
  if (!live.length) return [];
  const newest = live.reduce((a, b) => (b.uploadTime && a.uploadTime ? (b.uploadTime >= a.uploadTime ? b : a) : b));
  const release = live.filter((f) => f.version === newest.version);
  const wheels = release.filter((f) => isWheel(f.filename) && wheelMatches(f.filename, client));
  return (wheels.length ? wheels : release.filter((f) => !isWheel(f.filename))).slice(0, max);
}

export class ScanAhead {
  private running = 0;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();

  constructor(
    private readonly gate: Gate,
    private readonly log: Logger,
    private readonly concurrency: number,
    private readonly maxQueue = 256,
  ) {}

  /** Pages (by identity: a new upstream copy is a new object) and the client kinds already offered for them. */
  private readonly offered = new WeakMap<CachedProject, Set<string>>();

  offer(page: CachedProject, userAgent: string | undefined): void {
    const client = clientFromUserAgent(userAgent);
    // Fast path: every cached page request offers, but picking the likely files walks the whole
    // file list (3,000 files: ~1 ms), so do it once per page copy and kind of client.
    const key = `${client.python}/${client.system}/${client.cpu}`;
    let seen = this.offered.get(page);
    if (!seen) this.offered.set(page, (seen = new Set()));
    if (seen.has(key)) return;
    seen.add(key);
    for (const f of likelyNext(page, client)) {
      if (this.queued.has(f.sha256) || this.queue.length >= this.maxQueue) continue;
      this.queued.add(f.sha256);
      this.queue.push(f.sha256);
    }
    this.pump();
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running || this.queue.length) await new Promise((r) => setTimeout(r, 20));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length) {
      const sha = this.queue.shift()!;
      this.running++;
      this.gate
        .ensure(sha, undefined, { background: true })
        .catch((err: Error) => this.log.debug('scan-ahead failed', { sha256: sha, reason: err.message }))
        .finally(() => {
          this.running--;
          this.queued.delete(sha);
          this.pump();
        });
    }
  }
}
