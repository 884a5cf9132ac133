// pywarden scan [--jsonl] [--fail-on malicious|suspicious] [--workers N] PATH...
// Scans distribution files, or folders searched recursively for files whose first bytes are an
// archive (names lie, so they are not used to pick files). Scans in child processes, one per core.
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { sniffFile } from '../scan/archive/index.js';
import { createScanner } from '../scan/scan.js';
import { MODEL_SCORES_ENV } from '../scan/model/given.js';
import type { Finding, ScanResult, Verdict } from '../scan/types.js';

const HELP = `usage: pywarden scan [options] PATH...

Scan Python distributions (wheels, sdists, eggs) or folders of them, without running any code.

options:
  --jsonl               one JSON object per file on stdout and nothing else
  --fail-on LEVEL       exit 1 when a file's verdict is at or above LEVEL:
                        malicious (default) or suspicious (an unreadable file, verdict
                        "error", counts as suspicious: it would be held)
  --workers N           scan in N child processes (default: number of cores)
  --model-scores FILE   evaluation: take the classifier's score for each file listed in FILE
                        (npm run train's out-of-fold scores, [{sha256, stack}]) instead of the
                        model's, so figures on training data stay out-of-fold
  -h, --help            show this help

exit status: 0 no verdict at or above --fail-on, 1 at least one, 2 usage error`;

// error ranks with suspicious: the proxy holds both.
const RANK: Record<Verdict, number> = { clean: 0, suspicious: 1, error: 1, malicious: 2 };

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        jsonl: { type: 'boolean', default: false },
        'fail-on': { type: 'string', default: 'malicious' },
        workers: { type: 'string' },
        'model-scores': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`pywarden scan: ${(err as Error).message}\n${HELP}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const failOn = values['fail-on'];
  if (failOn !== 'malicious' && failOn !== 'suspicious') {
    process.stderr.write(`pywarden scan: --fail-on must be "malicious" or "suspicious", got "${failOn}"\n`);
    return 2;
  }
  // The scan processes are forked from this one and read it from the environment.
  if (values['model-scores']) process.env[MODEL_SCORES_ENV] = resolve(values['model-scores']);
  const workers = values.workers === undefined ? availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    process.stderr.write(`pywarden scan: --workers must be a whole number from 1 to 256, got "${values.workers}"\n`);
    return 2;
  }
  if (positionals.length === 0) {
    process.stderr.write(`pywarden scan: give at least one file or folder\n${HELP}\n`);
    return 2;
  }

  const files: string[] = [];
  for (const p of positionals) {
    let st;
    try {
      st = await stat(p);
    } catch (err) {
      process.stderr.write(`pywarden scan: cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      return 2;
    }
    if (st.isDirectory()) {
      await collect(p, files);
    } else {
      // Named explicitly: scan it whatever it is (a non-archive yields verdict error).
      files.push(p);
    }
  }

  // `pywarden scan --jsonl dir | head`: a closed pipe ends the run quietly, not with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const scanner = createScanner({ workers });
  const threshold = RANK[failOn];
  // On a terminal only: a pipe or a log file gets no carriage returns.
  const progress = !values.jsonl && files.length > 1 && process.stderr.isTTY ? new Progress(files.length) : undefined;
  const counts: Record<Verdict, number> = { clean: 0, suspicious: 0, malicious: 0, error: 0 };
  const byRule = new Map<string, { files: number; findings: number }>();
  let failed = false;
  const started = performance.now();
  try {
    // Keep every worker busy: hash the next files while the pool scans the current ones.
    let next = 0;
    const lane = async () => {
      while (next < files.length) {
        const file = files[next++];
        const result = await scanPath(scanner, file);
        counts[result.verdict]++;
        for (const [rule, n] of countBy(result.findings, (f) => f.rule)) {
          const r = byRule.get(rule) ?? { files: 0, findings: 0 };
          r.files++;
          r.findings += n;
          byRule.set(rule, r);
        }
        if (RANK[result.verdict] >= threshold) failed = true;
        progress?.tick();
        if (values.jsonl) process.stdout.write(JSON.stringify(jsonLine(file, result)) + '\n');
        else if (result.verdict !== 'clean') report(file, result, progress);
      }
    };
    await Promise.all(Array.from({ length: Math.min(files.length, workers * 2) }, lane));
  } finally {
    progress?.done();
    await scanner.close?.();
  }
  if (!values.jsonl) {
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    if (files.length > 1) process.stdout.write(summaryTable(counts, byRule));
    process.stdout.write(
      `${files.length} file(s) scanned in ${secs} s: ${counts.malicious} malicious, ${counts.suspicious} suspicious, ` +
        `${counts.error} unreadable, ${counts.clean} clean\n`,
    );
  }
  return failed ? 1 : 0;
}

/** Recursively list regular files that start like an archive; symlinks are not followed. */
export async function collect(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await collect(p, out);
    else if (e.isFile() && (await lstat(p)).size > 0 && (await sniffFile(p).catch(() => undefined))) out.push(p);
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function scanPath(scanner: ReturnType<typeof createScanner>, file: string): Promise<ScanResult & { sha256: string }> {
  let sha256: string;
  try {
    sha256 = await sha256File(file);
  } catch (err) {
    return {
      sha256: '',
      verdict: 'error',
      score: 0.5,
      findings: [],
      scannerVersion: scanner.version,
      ms: 0,
      reason: `cannot read file: ${(err as Error).message}`,
    };
  }
  const result = await scanner.scan({ path: file, filename: basename(file), sha256 });
  return { ...result, sha256 };
}

function jsonLine(file: string, r: ScanResult & { sha256: string }) {
  return {
    file,
    sha256: r.sha256,
    verdict: r.verdict,
    score: Math.round(r.score * 1000) / 1000,
    ms: r.ms,
    findings: r.findings.map((f) => ({ rule: f.rule, severity: f.severity, path: f.path, line: f.line ?? null, message: f.message })),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.model !== undefined ? { model: r.model } : {}),
  };
}

const LABEL: Record<Verdict, string> = { malicious: 'MALICIOUS ', suspicious: 'SUSPICIOUS', error: 'UNREADABLE', clean: 'clean     ' };
const MAX_GROUPS = 20;

/** Paths exactly as the user gave them (a folder's files under the folder as typed), not rewritten relative to the working folder. */
function report(file: string, r: ScanResult, progress?: Progress): void {
  progress?.clear();
  const lines = [`${LABEL[r.verdict]} ${file}  score ${r.score.toFixed(2)}  (${r.ms.toFixed(0)} ms)`];
  if (r.reason) lines.push(`    reason: ${r.reason}`);
  // Identical findings (same rule, severity and message; apsw had 19) are one entry with a count.
  const groups = groupFindings(r.findings);
  for (const g of groups.slice(0, MAX_GROUPS)) {
    const f = g.first;
    const where = f.path ? `${f.path}${f.line ? `:${f.line}` : ''}` : '(archive)';
    const more = g.count > 1 ? `  (x${g.count}: ${g.count - 1} more place${g.count > 2 ? 's' : ''})` : '';
    lines.push(`    [${f.severity}] ${f.rule}  ${where}${more}`);
    lines.push(`        ${f.message}`);
    if (f.snippet) lines.push(`        > ${f.snippet.slice(0, 160)}`);
  }
  if (groups.length > MAX_GROUPS) lines.push(`    ... and ${groups.length - MAX_GROUPS} more kinds of finding`);
  process.stdout.write(lines.join('\n') + '\n');
}

export function groupFindings(findings: Finding[]): { first: Finding; count: number }[] {
  const groups = new Map<string, { first: Finding; count: number }>();
  for (const f of findings) {
    const key = `${f.rule}\0${f.severity}\0${f.message}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { first: f, count: 1 });
  }
  return [...groups.values()];
}

function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of items) m.set(key(t), (m.get(key(t)) ?? 0) + 1);
  return m;
}

/** Files by verdict, then the rules that fired, most files first. */
export function summaryTable(counts: Record<Verdict, number>, byRule: Map<string, { files: number; findings: number }>): string {
  const total = counts.clean + counts.suspicious + counts.malicious + counts.error;
  const rows: [string, string, string][] = [
    ['verdict', 'files', ''],
    ['malicious', String(counts.malicious), ''],
    ['suspicious', String(counts.suspicious), ''],
    ['unreadable', String(counts.error), ''],
    ['clean', String(counts.clean), ''],
    ['total', String(total), ''],
  ];
  const rules = [...byRule].sort((a, b) => b[1].files - a[1].files || a[0].localeCompare(b[0]));
  if (rules.length) {
    rows.push(['', '', ''], ['rule', 'files', 'findings']);
    for (const [rule, r] of rules) rows.push([rule, String(r.files), String(r.findings)]);
  }
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return '\n' + rows.map(([a, b, c]) => (a || b ? `${a.padEnd(w0)}  ${b.padStart(w1)}${c ? `  ${c.padStart(8)}` : ''}` : '').trimEnd()).join('\n') + '\n\n';
}

/**
 * A one-line progress bar on stderr, only when stderr is a terminal. Hand-written rather than a
 * library: thirty lines with no dependency to vet, and the only terminal feature it needs is a
 * carriage return and "erase line".
 */
class Progress {
  private n = 0;
  private last = 0;
  constructor(private readonly total: number) {}
  tick(): void {
    this.n++;
    const now = Date.now();
    if (now - this.last < 100 && this.n < this.total) return;
    this.last = now;
    const width = 30;
    const filled = this.total ? Math.round((this.n / this.total) * width) : width;
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.n}/${this.total}`);
  }
  clear(): void {
    process.stderr.write('\r\x1b[K');
  }
  done(): void {
    this.clear();
  }
}
