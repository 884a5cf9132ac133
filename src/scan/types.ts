// The contract between the proxy's verdict gate and the scanner. The proxy only ever sees
// `Scanner`; everything under src/scan/ may change behind it.

/** clean → allow, suspicious → quarantine, malicious → block, error → quarantine (fail closed). */
export type Verdict = 'clean' | 'suspicious' | 'malicious' | 'error';

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export interface Finding {
  /** Stable rule id, e.g. "exfil-webhook". */
  rule: string;
  severity: Severity;
  /** Member path inside the archive ("" for the archive itself). */
  path: string;
  /** 1-based line, when the finding points into a text member. */
  line?: number;
  /** A short excerpt (one line, at most ~200 chars) for reviewers. */
  snippet?: string;
  /** A sentence a reviewer understands. */
  message: string;
}

export interface ScanResult {
  verdict: Verdict;
  /** Risk in [0, 1]. */
  score: number;
  findings: Finding[];
  /** Version of rules + model that produced this result; cached verdicts with another version are re-evaluated. */
  scannerVersion: string;
  /** Wall-clock milliseconds spent scanning. */
  ms: number;
  /** Why the verdict is `error` (corrupt archive, limit exceeded, ...). */
  reason?: string;
  /** The learned classifier's score, when it ran (it ranks and corroborates; src/scan/combine.ts). */
  model?: number;
  /** A scan read while its file downloaded: bytes it read before the file was whole (not stored). */
  early?: number;
}

export interface ScanInput {
  /** A complete, hash-verified file on local disk. The scanner only reads it. */
  path: string;
  /** The distribution's file name as published (may lie about the format). */
  filename: string;
  sha256: string;
  /** Normalized project name when known (from the index page). */
  project?: string;
  /** Work nobody waits for (scan-ahead): its scan process yields the CPU to serving. */
  background?: boolean;
}

/** A file about to download: `path` is its temp file, which grows; `expectedSize` is the listed size, if any. */
export interface GrowingInput extends ScanInput {
  expectedSize: number | null;
}

/**
 * A scan that reads a file while it downloads (issue 13). Its result is only ever the scan of the
 * whole file at the listed sha256: the scanner re-hashes what it reads and fails closed otherwise.
 */
export interface GrowingScan {
  /** The file is whole at `size` bytes, its sha256 verified, and stored at `path`: the scan's result. */
  complete(size: number, path: string): Promise<ScanResult>;
  /**
   * The download failed: the scan stops, and nothing it found may be recorded. Resolves once it
   * has stopped reading (the temp file's descriptor closed: until then a deleted file keeps its space).
   */
  abort(): Promise<void>;
}

/** Work on a stored file other than its scan, run where scans run: the reviewer's extra views. */
export type SideJob = 'rank' | 'explain';

export interface Scanner {
  readonly version: string;
  scan(input: ScanInput): Promise<ScanResult>;
  /**
   * Runs a side job in a scan process (null when it failed there); absent when scans run in this
   * thread, and the caller runs the job itself. Keeps the parser and the classifier out of the
   * serving process.
   */
  sideJob?(job: SideJob, input: ScanInput): Promise<unknown>;
  /** A scan is coming (its file is downloading): get a scan process ready. Absent: nothing to start. */
  warm?(): void;
  /** Starts the scan of a file as it downloads (the gate then calls complete or abort). Absent: scan after the download. */
  scanGrowing?(input: GrowingInput): GrowingScan;
  close?(): Promise<void>;
}
