// A scan that went wrong as verdict `error`, with a finding that says why: shared by the in-thread
// scanner (scan.ts) and the process pool (pool.ts), in a file of its own so that neither imports the other.
import { toArchiveError, ArchiveError } from './archive/index.js';
import type { Finding, ScanResult } from './types.js';

/**
 * The `error` result for a failure. While reading, any exception is the archive's fault (mapped to
 * an ArchiveError code); later ('analyze', 'worker') only a real ArchiveError (timeout) is. A
 * 'worker' failure (the scan process crashed, ran out of memory) is reported as it is: the
 * analysis did not fail, it never finished.
 */
export function errorResult(err: unknown, version: string, ms: number, phase: 'read' | 'analyze' | 'worker' = 'read'): ScanResult {
  const archiveErr = err instanceof ArchiveError ? err : phase === 'read' ? toArchiveError(err) : undefined;
  const reason = archiveErr
    ? `${archiveErr.code}: ${archiveErr.message}`
    : phase === 'worker'
      ? ((err as Error)?.message ?? String(err))
      : `analysis failed: ${(err as Error)?.message ?? String(err)}`;
  const finding: Finding = {
    rule: archiveErr ? `archive-${archiveErr.code}` : 'scan-failed',
    severity: 'medium',
    path: '',
    message: archiveErr
      ? `The archive could not be read safely (${reason}); it is held until a person looks at it.`
      : `The scanner failed on this file (${reason}); it is held until a person looks at it.`,
  };
  return { verdict: 'error', score: 0.5, findings: [finding], scannerVersion: version, ms, reason };
}
