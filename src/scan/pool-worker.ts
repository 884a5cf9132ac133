// Child-process side of the scan pool (src/scan/pool.ts): loads the analysis once, then runs one
// job per message (a scan, or a reviewer's side job on a stored file). Its own process, so a native
// crash, a runaway allocation or a hang here ends this process only; the pool answers the job
// (a scan with verdict `error`) and starts another.
import { Worker } from 'node:worker_threads';
import { growthSignal, loadAnalyzer, scanOne, type Analyzer } from './scan.js';
import type { ArchiveLimits } from './archive/types.js';
import type { ScanInput, SideJob } from './types.js';

export interface InitMessage {
  init: { limits: ArchiveLimits; version: string; analyzerModule?: string };
}
export interface JobMessage {
  id: number;
  job: 'scan' | SideJob;
  input: ScanInput;
  /** A scan of a file still downloading (input is a GrowingInput): a ControlMessage says when it is whole. */
  growing?: boolean;
}
/** For a growing scan: the file is whole and verified at `size` bytes and stored at `path`, or its download failed. */
export type ControlMessage = { id: number; control: 'complete'; size: number; path: string } | { id: number; control: 'abort' };
export interface ReplyMessage {
  id: number;
  reply: unknown;
}

let init: InitMessage['init'] | undefined;
let analyzer: Promise<Analyzer> | undefined;

// Side jobs are the reviewer's views (src/review/); loaded on first use, in this process only.
const SIDE_JOBS: Record<SideJob, (input: ScanInput) => Promise<unknown>> = {
  rank: async (input) => (await import('../review/rank.js')).rankInstallCode(input),
  explain: async (input) => (await import('../review/explain.js')).explainInput(input),
};

/** Growing scans in progress, by job id. */
const growths = new Map<number, ReturnType<typeof growthSignal>>();

function run(msg: JobMessage): Promise<unknown> {
  if (!init || !analyzer) throw new Error('scan process: job before init');
  if (msg.job === 'scan' && msg.growing) {
    const growth = growthSignal();
    growths.set(msg.id, growth);
    return scanOne(msg.input, analyzer, init.limits, init.version, growth).finally(() => growths.delete(msg.id));
  }
  if (msg.job === 'scan') return scanOne(msg.input, analyzer, init.limits, init.version);
  // Never throws back: a failed side job answers null, as it does in the serving process.
  return SIDE_JOBS[msg.job](msg.input).catch(() => null);
}

process.on('message', (msg: InitMessage | JobMessage | ControlMessage) => {
  if ('control' in msg) {
    const growth = growths.get(msg.id);
    if (msg.control === 'complete') growth?.complete(msg.size, msg.path);
    else growth?.abort();
    return;
  }
  if ('init' in msg) {
    init = msg.init;
    analyzer = loadAnalyzer(init.analyzerModule);
    // A rejected load is reported per scan (verdict error); keep it from counting as unhandled.
    analyzer.catch(() => undefined);
    return;
  }
  void run(msg).then((reply) => process.send!({ id: msg.id, reply } satisfies ReplyMessage));
});
// The pool went away (closed, or the serving process died): nothing is left to scan for.
process.on('disconnect', () => process.exit(0));
// 'disconnect' needs this thread's event loop, which a hung scan never gives back: if the serving
// process is SIGKILLed then, nothing else would ever stop this one. A thread of its own notices
// the parent is gone (this process is re-parented) and ends the process. Costs about 10 MiB.
const parent = process.ppid;
new Worker(
  `const { workerData } = require('node:worker_threads');
  setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL'); }, 500);`,
  { eval: true, workerData: parent },
).unref();
