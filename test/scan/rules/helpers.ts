// Builds a real in-memory Distribution (members with bytes and magic heads) and runs the whole
// analysis on it, so each rule test sees exactly what the scanner would.
import type { Distribution, ArchiveMember } from '../../../src/scan/archive/types.js';
import type { Finding } from '../../../src/scan/types.js';
import { analyze, wantsContent, type Analysis } from '../../../src/scan/analyze/index.js';

export function distOf(files: Record<string, string | Buffer>, format: Distribution['format'] = 'sdist-tar', filename = 'pkg-1.0.tar.gz'): Distribution {
  const members: ArchiveMember[] = Object.entries(files).map(([path, body]) => {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const m: ArchiveMember = { path, type: 'file', size: data.length, head: data.subarray(0, 64) };
    if (wantsContent(path, data.length)) m.data = data;
    return m;
  });
  return { filename, sha256: '0'.repeat(64), format, container: format === 'wheel' ? 'zip' : 'tar.gz', members, totalBytes: members.reduce((a, m) => a + m.size, 0), fileBytes: 1000 };
}

const PKG_INFO = 'Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\nSummary: A helpful package\nHome-page: https://github.com/o/pkg\nAuthor: Ann Author\nAuthor-email: ann@example.org\n\nA long description of this helpful package, long enough.\n';

/** An sdist `pkg-1.0/` with PKG-INFO plus the given files (paths relative to the top folder). */
export function sdist(files: Record<string, string | Buffer>): Distribution {
  const all: Record<string, string | Buffer> = { 'pkg-1.0/PKG-INFO': PKG_INFO };
  for (const [p, b] of Object.entries(files)) all[`pkg-1.0/${p}`] = b;
  return distOf(all);
}

export function run(dist: Distribution): Analysis {
  return analyze(dist);
}

export function hits(rule: string, files: Record<string, string | Buffer>): Finding[] {
  return analyze(sdist(files)).findings.filter((f) => f.rule === rule && f.severity !== 'info');
}

export const SEV = ['info', 'low', 'medium', 'high', 'critical'];
export function maxSev(fs: Finding[]): string {
  return fs.reduce((a, f) => (SEV.indexOf(f.severity) > SEV.indexOf(a) ? f.severity : a), 'none');
}
