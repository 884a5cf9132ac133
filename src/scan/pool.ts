// A pool of up to `size` worker threads running the compiled scanner (dist/scan/pool-worker.js), so
// the proxy and the CLI scan on every core without blocking the event loop. Workers start when
// scans arrive and, with `idleMs`, stop after that long without one: each holds tree-sitter and
// the ONNX classifier (30-50 MiB), which a proxy serving from its cache does not need. Each scan
// has a hard time limit: a worker that overruns it is terminated, and the scan's verdict is
// `error` ('timeout'). A worker that crashes or runs out of memory yields `error` the same way.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ArchiveLimits } from './archive/types.js';
import { ArchiveError } from './archive/types.js';
import { errorResult } from './scan.js';
import type { ScanInput, ScanResult } from './types.js';

export interface PoolOptions {
  size: number;
  limits: ArchiveLimits;
  version: string;
  analyzerModule?: string;
  /** Heap cap per worker: a runaway scan dies alone instead of taking the proxy down. */
  maxHeapMb?: number;
  /** Stop a worker after this long without a scan (default: keep it). */
  idleMs?: number;
}

interface Task {
  id: number;
  input: ScanInput;
  resolve: (r: ScanResult) => void;
}

interface Slot {
  worker: Worker;
  task?: Task;
  timer?: NodeJS.Timeout;
  idle?: NodeJS.Timeout;
  started?: number;
}

/** Extra time past the reader's own deadline before the worker is killed (analysis included). */
const KILL_GRACE_MS = 2_000;

function workerFile(): URL {
  // From dist/ the worker sits beside this file; from src/ (vitest) use the compiled copy, which
  // `npm test` builds first: worker_threads cannot load TypeScript.
  const here = new URL('./pool-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const compiled = new URL(import.meta.url.replace(/\/src\/scan\/pool\.ts$/, '/dist/scan/pool-worker.js'));
  if (existsSync(fileURLToPath(compiled))) return compiled;
  throw new Error(`scan pool: compiled worker not found at ${fileURLToPath(compiled)}; run "npm run build"`);
}

export class ScanPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private readonly file = workerFile();

  constructor(private readonly opts: PoolOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new Error(`scan pool size must be ≥ 1, got ${opts.size}`);
  }

  /** Workers running now (started on demand, stopped when idle). */
  get workers(): number {
    return this.slots.length;
  }

  scan(input: ScanInput): Promise<ScanResult> {
    if (this.closed) return Promise.resolve(errorResult(new Error('scanner closed'), this.opts.version, 0, 'worker'));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, input, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.resolve(errorResult(new Error('scanner closed'), this.opts.version, 0, 'worker'));
    await Promise.all(
      this.slots.splice(0).map(async (s) => {
        const task = s.task;
        await this.stop(s);
        task?.resolve(errorResult(new Error('scanner closed'), this.opts.version, 0, 'worker'));
      }),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(this.file, {
      workerData: { limits: this.opts.limits, version: this.opts.version, analyzerModule: this.opts.analyzerModule },
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? 512 },
    });
    const slot: Slot = { worker };
    worker.on('message', (msg: { id: number; result: ScanResult }) => {
      if (!slot.task || slot.task.id !== msg.id) return;
      this.finish(slot, msg.result);
    });
    worker.on('error', (err) => this.fail(slot, err));
    worker.on('exit', (code) => this.fail(slot, new Error(`scan worker exited with code ${code}`)));
    // Idle workers must not keep a CLI process alive; busy ones are ref'd in pump().
    worker.unref();
    return slot;
  }

  private pump(): void {
    while (this.queue.length) {
      let slot = this.slots.find((x) => !x.task);
      if (!slot) {
        if (this.slots.length >= this.opts.size) return;
        slot = this.spawn();
        this.slots.push(slot);
      }
      const task = this.queue.shift()!;
      if (slot.idle) clearTimeout(slot.idle);
      slot.idle = undefined;
      slot.task = task;
      slot.started = performance.now();
      slot.worker.ref();
      slot.timer = setTimeout(() => this.timeout(slot), this.opts.limits.timeoutMs + KILL_GRACE_MS);
      slot.worker.postMessage({ id: task.id, input: task.input });
    }
  }

  private finish(slot: Slot, result: ScanResult): void {
    const task = slot.task!;
    if (slot.timer) clearTimeout(slot.timer);
    slot.task = undefined;
    slot.timer = undefined;
    slot.worker.unref();
    task.resolve(result);
    this.pump();
    if (!slot.task && this.opts.idleMs !== undefined) {
      slot.idle = setTimeout(() => this.retire(slot), this.opts.idleMs);
      slot.idle.unref();
    }
  }

  private elapsed(slot: Slot): number {
    return Math.round((performance.now() - (slot.started ?? performance.now())) * 100) / 100;
  }

  private timeout(slot: Slot): void {
    const task = slot.task;
    if (!task) return;
    const err = new ArchiveError('timeout', `scan took longer than ${this.opts.limits.timeoutMs} ms; worker terminated`);
    this.replace(slot, errorResult(err, this.opts.version, this.elapsed(slot)));
  }

  private fail(slot: Slot, err: Error): void {
    if (this.closed || !this.slots.includes(slot)) return;
    const result = slot.task
      ? errorResult(new Error(`scan worker died: ${err.message}`), this.opts.version, this.elapsed(slot), 'worker')
      : undefined;
    this.replace(slot, result);
  }

  /** A worker that timed out, crashed or exited: drop it and answer its task; the next scan starts a fresh one. */
  private replace(slot: Slot, result: ScanResult | undefined): void {
    const task = slot.task;
    this.retire(slot);
    if (task && result) task.resolve(result);
    this.pump();
  }

  /** Take a worker out of the pool and stop it. */
  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    void this.stop(slot);
  }

  private async stop(slot: Slot): Promise<void> {
    if (slot.timer) clearTimeout(slot.timer);
    if (slot.idle) clearTimeout(slot.idle);
    slot.task = undefined;
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => undefined);
    await slot.worker.terminate();
  }
}
