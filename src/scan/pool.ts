// A pool of up to `size` child processes running the compiled scanner (dist/scan/pool-worker.js),
// so the proxy and the CLI scan on every core without blocking the event loop. Processes, not
// worker threads: a native crash (SIGSEGV in onnxruntime or tree-sitter) in a worker thread ends
// the whole process, and with it the proxy (issue 10). Here a scan that crashes, runs past its time
// limit or past its memory limit ends as verdict `error` for that file (fail closed), its process
// is killed and the next scan starts a fresh one. The serving process never loads onnxruntime or
// tree-sitter; scan processes start when scans arrive and, with `idleMs`, stop after that long
// without one (each holds the parser and the classifier, 100+ MiB).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ArchiveLimits } from './archive/types.js';
import { ArchiveError } from './archive/types.js';
import type { ControlMessage, InitMessage, JobMessage, ReplyMessage } from './pool-worker.js';
import { errorResult } from './error-result.js';
import type { GrowingInput, GrowingScan, ScanInput, ScanResult, SideJob } from './types.js';

export interface PoolOptions {
  size: number;
  limits: ArchiveLimits;
  version: string;
  analyzerModule?: string;
  /**
   * Resident memory allowed to one scan process, in MiB (default 1024). Its JavaScript heap is
   * capped at half of it; native memory (parser, classifier, inflate buffers) is watched while it scans.
   */
  memoryLimitMb?: number;
  /** Stop a scan process after this long without a scan (default: keep it). */
  idleMs?: number;
}

export const DEFAULT_SCAN_MEMORY_MB = 1024;
const SCAN_NICENESS = 10;

interface Task {
  id: number;
  job: 'scan' | SideJob;
  input: ScanInput;
  resolve: (reply: unknown) => void;
  /** The answer when the process fails under this task (a scan's is verdict error). */
  failed: (err: Error, ms: number) => unknown;
  /** A scan of a file still downloading: its time limit starts when the file is whole (or the download failed). */
  growing?: boolean;
}

interface Slot {
  child: ChildProcess;
  task?: Task;
  timer?: NodeJS.Timeout;
  watch?: NodeJS.Timeout;
  idle?: NodeJS.Timeout;
  started?: number;
  /** The last few KB the process wrote to stderr: says whether it died of a full heap. */
  stderr: string;
  /** Running SCAN_NICENESS steps below the serving process (its last task was background work). */
  background: boolean;
}

/** Extra time past the reader's own deadline before the process is killed (analysis included). */
const KILL_GRACE_MS = 2_000;
/** How often a busy scan process's resident memory is read (Linux /proc). */
const MEMORY_POLL_MS = 100;

function workerFile(): string {
  // From dist/ the entry sits beside this file; from src/ (vitest) use the compiled copy, which
  // `npm test` builds first: a plain `node` child cannot load TypeScript.
  const here = fileURLToPath(new URL('./pool-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const compiled = fileURLToPath(new URL(import.meta.url.replace(/\/src\/scan\/pool\.ts$/, '/dist/scan/pool-worker.js')));
  if (existsSync(compiled)) return compiled;
  throw new Error(`scan pool: compiled scan process entry not found at ${compiled}; run "npm run build"`);
}

/** Resident set size of a process in MiB, or undefined where /proc is not available. */
function rssMiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined; // not Linux, or the process is gone (its exit is handled by 'close')
  }
}

export class ScanPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private readonly file = workerFile();
  private readonly memoryLimitMb: number;
  private readonly heapMb: number;

  constructor(private readonly opts: PoolOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new Error(`scan pool size must be ≥ 1, got ${opts.size}`);
    this.memoryLimitMb = opts.memoryLimitMb ?? DEFAULT_SCAN_MEMORY_MB;
    if (!Number.isInteger(this.memoryLimitMb) || this.memoryLimitMb < 64) {
      throw new Error(`scan memory limit must be a whole number of MiB ≥ 64, got ${opts.memoryLimitMb}`);
    }
    this.heapMb = Math.floor(this.memoryLimitMb / 2);
  }

  /** Scan processes running now (started on demand, stopped when idle). */
  get workers(): number {
    return this.slots.length;
  }

  /** Their process ids (metrics, and tests that crash one on purpose). */
  get pids(): number[] {
    return this.slots.map((s) => s.child.pid).filter((p): p is number => p !== undefined);
  }

  scan(input: ScanInput): Promise<ScanResult> {
    return this.run('scan', input, this.scanFailed) as Promise<ScanResult>;
  }

  private readonly scanFailed = (err: Error, ms: number) => errorResult(err, this.opts.version, ms, 'worker');

  /**
   * Starts the scan of a file while it downloads, in a scan process that reads it as its bytes
   * land (issue 13), when one is idle or can start. Otherwise (every process busy) the scan waits
   * its turn after the download as any other: a download must not hold a process that a whole
   * file could use. The process's time limit runs from complete() or abort().
   */
  scanGrowing(input: GrowingInput): GrowingScan {
    const free = !this.closed && !this.queue.length && (this.slots.some((s) => !s.task) || this.slots.length < this.opts.size);
    if (!free) return { complete: (_size, path) => this.scan({ ...input, path }), abort: () => Promise.resolve() };
    const task = this.task('scan', input, this.scanFailed);
    task.growing = true;
    const result = this.start(task) as Promise<ScanResult>;
    const tell = (msg: ControlMessage) => {
      const slot = this.slots.find((x) => x.task === task);
      if (!slot) return; // its process already failed: the result is that failure (verdict error)
      slot.child.send(msg);
      this.arm(slot);
    };
    return {
      complete: (size, path) => (tell({ id: task.id, control: 'complete', size, path }), result),
      // Its process answers once it has stopped reading (or is killed at the time limit).
      abort: () => (tell({ id: task.id, control: 'abort' }), result.then(() => undefined)),
    };
  }

  /**
   * Starts a scan process for a scan that is coming (its file is downloading), unless one is idle
   * or the pool is full: the process start and the classifier's load (~0.2 s) overlap the download
   * instead of following it. Stops after idleMs like any idle process if no scan comes.
   */
  warm(): void {
    if (this.closed || this.queue.length || this.slots.some((s) => !s.task) || this.slots.length >= this.opts.size) return;
    const slot = this.spawn();
    this.slots.push(slot);
    this.idleFrom(slot);
  }

  /** A side job under the same limits as a scan; null when it failed. */
  sideJob(job: SideJob, input: ScanInput): Promise<unknown> {
    return this.run(job, input, () => null);
  }

  private run(job: Task['job'], input: ScanInput, failed: Task['failed']): Promise<unknown> {
    return this.start(this.task(job, input, failed));
  }

  private task(job: Task['job'], input: ScanInput, failed: Task['failed']): Task {
    return { id: this.nextId++, job, input, resolve: () => undefined, failed };
  }

  private start(task: Task): Promise<unknown> {
    if (this.closed) return Promise.resolve(task.failed(new Error('scanner closed'), 0));
    return new Promise((resolve) => {
      task.resolve = resolve;
      this.queue.push(task);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.resolve(t.failed(new Error('scanner closed'), 0));
    await Promise.all(
      this.slots.splice(0).map(async (s) => {
        const task = s.task;
        await this.stop(s);
        task?.resolve(task.failed(new Error('scanner closed'), 0));
      }),
    );
  }

  private spawn(): Slot {
    const child = fork(this.file, [], {
      // Only the heap cap: the parent's own flags (a test runner's loaders) are not the scanner's.
      execArgv: [`--max-old-space-size=${this.heapMb}`],
      // stdout is the CLI's --jsonl output: nothing from a scan process may land there.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const slot: Slot = { child, stderr: '', background: false };
    child.stderr!.on('data', (c: Buffer) => {
      slot.stderr = (slot.stderr + c.toString('latin1')).slice(-4096);
    });
    child.on('message', (msg: ReplyMessage) => {
      if (!slot.task || slot.task.id !== msg.id) return;
      this.finish(slot, msg.reply);
    });
    child.on('error', (err) => this.fail(slot, `could not run a scan process: ${err.message}`));
    // 'close' rather than 'exit': stderr has been read to its end, so a full heap is recognised.
    child.on('close', (code, signal) => this.fail(slot, this.describeExit(code, signal, slot.stderr)));
    child.send({ init: { limits: this.opts.limits, version: this.opts.version, analyzerModule: this.opts.analyzerModule } } satisfies InitMessage);
    // Idle processes must not keep a CLI process alive; busy ones are ref'd in pump().
    this.unref(slot);
    return slot;
  }

  private describeExit(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
    if (/Reached heap limit|JavaScript heap out of memory/.test(stderr)) {
      return `scan process ran out of memory (JavaScript heap limit ${this.heapMb} MiB)`;
    }
    if (signal) return `scan process crashed (${signal})`;
    return `scan process exited with code ${code}`;
  }

  private ref(slot: Slot): void {
    slot.child.ref();
    slot.child.channel?.ref();
  }

  private unref(slot: Slot): void {
    slot.child.unref();
    slot.child.channel?.unref();
    (slot.child.stderr as { unref?: () => void } | null)?.unref?.();
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
      const s = slot;
      if (s.idle) clearTimeout(s.idle);
      s.idle = undefined;
      s.task = task;
      s.started = performance.now();
      this.ref(s);
      this.prioritize(s, task.input.background === true);
      if (!task.growing) this.arm(s);
      s.watch = setInterval(() => this.checkMemory(s), MEMORY_POLL_MS);
      s.child.send({ id: task.id, job: task.job, input: task.input, growing: task.growing } satisfies JobMessage);
    }
  }

  /**
   * Background scans (scan-ahead: nobody waits for them) yield the CPU to serving (issue 13:
   * scan-ahead must not slow cached pages): their process runs SCAN_NICENESS steps below the
   * serving process, and still gets every idle cycle. A scan a client waits for runs at the serving
   * process's own priority: niced, on a busy machine it fell behind a download it was reading.
   * Raising a priority again needs CAP_SYS_NICE (root has it); without it the process stays niced.
   */
  private prioritize(slot: Slot, background: boolean): void {
    const pid = slot.child.pid;
    if (pid === undefined || slot.background === background) return;
    try {
      setPriority(pid, background ? Math.min(19, getPriority() + SCAN_NICENESS) : getPriority());
      slot.background = background;
    } catch {
      /* not allowed here (some containers): the process keeps its priority */
    }
  }

  /** Starts the task's time limit (once). */
  private arm(slot: Slot): void {
    slot.started = performance.now();
    slot.timer ??= setTimeout(() => this.timeout(slot), this.opts.limits.timeoutMs + KILL_GRACE_MS);
  }

  private finish(slot: Slot, reply: unknown): void {
    const task = slot.task!;
    this.disarm(slot);
    slot.task = undefined;
    this.unref(slot);
    task.resolve(reply);
    this.pump();
    if (!slot.task) this.idleFrom(slot);
  }

  private idleFrom(slot: Slot): void {
    if (this.opts.idleMs === undefined) return;
    slot.idle = setTimeout(() => this.retire(slot), this.opts.idleMs);
    slot.idle.unref();
  }

  private disarm(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    if (slot.watch) clearInterval(slot.watch);
    slot.timer = undefined;
    slot.watch = undefined;
  }

  private elapsed(slot: Slot): number {
    return Math.round((performance.now() - (slot.started ?? performance.now())) * 100) / 100;
  }

  private timeout(slot: Slot): void {
    if (!slot.task) return;
    this.replace(slot, new ArchiveError('timeout', `scan took longer than ${this.opts.limits.timeoutMs} ms; scan process killed`));
  }

  /** The heap cap does not cover native memory (inflate buffers, parser trees): read the RSS. */
  private checkMemory(slot: Slot): void {
    const pid = slot.child.pid;
    const rss = pid === undefined ? undefined : rssMiB(pid);
    if (rss === undefined) {
      if (slot.watch) clearInterval(slot.watch);
      slot.watch = undefined;
      return;
    }
    if (rss <= this.memoryLimitMb || !slot.task) return;
    this.replace(slot, new Error(`scan process used ${Math.round(rss)} MiB, over the ${this.memoryLimitMb} MiB memory limit; killed`));
  }

  private fail(slot: Slot, reason: string): void {
    if (this.closed || !this.slots.includes(slot)) return;
    this.replace(slot, new Error(reason));
  }

  /** A process that timed out, crashed, exited or grew too big: drop it and answer its task; the next scan starts a fresh one. */
  private replace(slot: Slot, err: Error): void {
    const task = slot.task;
    const ms = this.elapsed(slot);
    this.retire(slot);
    task?.resolve(task.failed(err, ms));
    this.pump();
  }

  /** Take a process out of the pool and stop it. */
  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    void this.stop(slot);
  }

  private async stop(slot: Slot): Promise<void> {
    this.disarm(slot);
    if (slot.idle) clearTimeout(slot.idle);
    slot.task = undefined;
    const { child } = slot;
    child.removeAllListeners();
    child.on('error', () => undefined);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Held until it has exited: an unref'd child would let a CLI process end before close() returns.
    child.ref();
    // A scan process holds no state worth a graceful stop, and one that is stuck ignores anything gentler.
    child.kill('SIGKILL');
    await exited;
  }
}
