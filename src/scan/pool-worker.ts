// Child-process side of the scan pool (src/scan/pool.ts): loads the analysis once, then scans one
// file per message. Its own process, so a native crash, a runaway allocation or a hang here ends
// this process only; the pool answers the scan with verdict `error` and starts another.
import { loadAnalyzer, scanOne, type Analyzer } from './scan.js';
import type { ArchiveLimits } from './archive/types.js';
import type { ScanInput } from './types.js';

export interface InitMessage {
  init: { limits: ArchiveLimits; version: string; analyzerModule?: string };
}
export interface ScanMessage {
  id: number;
  input: ScanInput;
}

let init: InitMessage['init'] | undefined;
let analyzer: Promise<Analyzer> | undefined;

process.on('message', (msg: InitMessage | ScanMessage) => {
  if ('init' in msg) {
    init = msg.init;
    analyzer = loadAnalyzer(init.analyzerModule);
    // A rejected load is reported per scan (verdict error); keep it from counting as unhandled.
    analyzer.catch(() => undefined);
    return;
  }
  if (!init || !analyzer) throw new Error('scan process: scan before init');
  void scanOne(msg.input, analyzer, init.limits, init.version).then((result) => process.send!({ id: msg.id, result }));
});
// The pool went away (closed, or the serving process died): nothing is left to scan for.
process.on('disconnect', () => process.exit(0));
