// Worker-thread side of the scan pool: loads the analysis once, then scans one file per message.
import { parentPort, workerData } from 'node:worker_threads';
import { loadAnalyzer, scanOne, type Analyzer } from './scan.js';
import type { ArchiveLimits } from './archive/types.js';
import type { ScanInput } from './types.js';

interface Data {
  limits: ArchiveLimits;
  version: string;
  analyzerModule?: string;
}

const data = workerData as Data;
const analyzer: Promise<Analyzer> = loadAnalyzer(data.analyzerModule);
// A rejected load is reported per scan (verdict error); keep it from counting as unhandled.
analyzer.catch(() => undefined);

parentPort!.on('message', async (msg: { id: number; input: ScanInput }) => {
  const result = await scanOne(msg.input, analyzer, data.limits, data.version);
  parentPort!.postMessage({ id: msg.id, result });
});
