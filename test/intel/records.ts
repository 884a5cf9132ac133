// OSV records for tests, written by hand in the schema's shape (never real malware records), and
// real zip exports of them made with Python's zipfile.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/** A malicious-package record for evil-pkg 1.1; fields in `o` replace the defaults. */
export function record(o: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schema_version: '1.5.0',
    id: 'MAL-2099-0001',
    modified: '2099-01-02T00:00:00Z',
    published: '2099-01-01T00:00:00Z',
    summary: 'Malicious code in Evil_Pkg (PyPI)',
    details: 'The package runs a payload from setup.py.',
    affected: [{ package: { ecosystem: 'PyPI', name: 'Evil_Pkg' }, versions: ['1.1'] }],
    references: [{ type: 'REPORT', url: 'https://example.invalid/report' }, { type: 'WEB', url: 'javascript:alert(1)' }],
    database_specific: { 'malicious-packages-origins': [{ source: 'test' }] },
    ...o,
  };
}

/** Writes an OSV zip export (one JSON per record, osv.dev's all.zip layout) with Python's zipfile. */
export function writeZip(file: string, entries: Record<string, unknown>): void {
  const members = Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  const py = 'import sys, json, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)\nfor k, v in json.load(sys.stdin).items(): z.writestr(k, v)\nz.close()';
  execFileSync('python3', ['-c', py, file], { input: JSON.stringify(members) });
}

export function writeJson(file: string, doc: unknown): void {
  writeFileSync(file, JSON.stringify(doc));
}

/** A zip whose one entry declares `claimed` bytes but inflates to `content` (both headers patched). */
export function writeLyingZip(file: string, name: string, content: string, claimed: number): void {
  const py = [
    'import sys, struct, zipfile',
    'z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED); z.writestr(sys.argv[2], sys.stdin.read()); z.close()',
    'b = bytearray(open(sys.argv[1], "rb").read()); n = int(sys.argv[3])',
    'struct.pack_into("<I", b, 22, n)',
    'c = b.find(b"PK\\x01\\x02"); struct.pack_into("<I", b, c + 24, n)',
    'open(sys.argv[1], "wb").write(b)',
  ].join('\n');
  execFileSync('python3', ['-c', py, file, name, String(claimed)], { input: content });
}
