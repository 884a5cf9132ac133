// OSV records written here by hand in the schema's shape (never real malware records).
import { describe, expect, it } from 'vitest';
import { affects, parseOsv, type Advisory } from '../../src/intel/osv.js';
import { record } from './records.js';

function advisory(o: Record<string, unknown> = {}): Advisory {
  const p = parseOsv(record(o));
  if (p.kind !== 'advisory') throw new Error(`expected an advisory, got ${JSON.stringify(p)}`);
  return p.advisory;
}

const ranges = (...events: Record<string, string>[]) => [{ package: { ecosystem: 'PyPI', name: 'evil-pkg' }, ranges: [{ type: 'ECOSYSTEM', events }] }];

describe('parseOsv', () => {
  it('keeps a malicious PyPI record, with a PEP 503 name and only http(s) references', () => {
    const a = advisory();
    expect(a).toMatchObject({ id: 'MAL-2099-0001', withdrawn: null, summary: 'Malicious code in Evil_Pkg (PyPI)' });
    expect(a.packages).toEqual([{ project: 'evil-pkg', versions: ['1.1'], ranges: [] }]);
    expect(a.references).toEqual([{ type: 'REPORT', url: 'https://example.invalid/report' }]);
    expect(a.modifiedMs).toBe(Date.parse('2099-01-02T00:00:00Z'));
  });

  it('skips other ecosystems, and keeps only the PyPI entries of a mixed record', () => {
    expect(parseOsv(record({ affected: [{ package: { ecosystem: 'npm', name: 'evil' }, versions: ['1.0'] }] }))).toEqual({ kind: 'non-pypi', id: 'MAL-2099-0001' });
    const a = advisory({ affected: [{ package: { ecosystem: 'npm', name: 'evil' }, versions: ['1.0'] }, { package: { ecosystem: 'PyPI', name: 'evil.pkg' }, versions: ['2.0'] }] });
    expect(a.packages.map((p) => p.project)).toEqual(['evil-pkg']);
  });

  it('skips vulnerability records (PYSEC, GHSA) that are not malicious-package reports', () => {
    expect(parseOsv(record({ id: 'PYSEC-2099-1', database_specific: {} })).kind).toBe('not-malicious');
    expect(parseOsv(record({ id: 'GHSA-xxxx-yyyy-zzzz', database_specific: {} })).kind).toBe('not-malicious');
    // A GHSA malware advisory that aliases a MAL id is kept.
    expect(parseOsv(record({ id: 'GHSA-xxxx-yyyy-zzzz', database_specific: {}, aliases: ['MAL-2099-0009'] })).kind).toBe('advisory');
  });

  it.each([
    ['not an object', [1, 2]],
    ['no id', record({ id: undefined })],
    ['a hostile id', record({ id: '../../etc/passwd' })],
    ['no modified', record({ modified: undefined })],
    ['a bad modified', record({ modified: 'yesterday' })],
    ['a bad project name', record({ affected: [{ package: { ecosystem: 'PyPI', name: '../x' }, versions: ['1'] }] })],
    ['versions not strings', record({ affected: [{ package: { ecosystem: 'PyPI', name: 'x' }, versions: [1] }] })],
    ['an event with two keys', record({ affected: ranges({ introduced: '0', fixed: '1.0' }) })],
    ['a range without introduced', record({ affected: ranges({ fixed: '1.0' }) })],
    ['no versions and no ranges', record({ affected: [{ package: { ecosystem: 'PyPI', name: 'x' } }] })],
  ])('counts a record with %s as invalid', (_what, doc) => {
    expect(parseOsv(doc).kind).toBe('invalid');
  });

  it('reads a withdrawn record as withdrawn, with nothing left to refuse', () => {
    const a = advisory({ withdrawn: '2099-02-01T00:00:00Z', modified: '2099-02-01T00:00:00Z' });
    expect(a.withdrawn).toBe('2099-02-01T00:00:00Z');
    expect(a.packages).toEqual([]);
  });

  it('bounds what one record may store', () => {
    const a = advisory({ details: 'x'.repeat(100_000), summary: 'y'.repeat(10_000), aliases: Array.from({ length: 500 }, (_, i) => `MAL-1-${i}`) });
    expect(a.details.length).toBe(8000);
    expect(a.summary.length).toBe(500);
    expect(a.aliases.length).toBe(50);
  });
});

describe('affects (the schema evaluation)', () => {
  const pkg = (o: Record<string, unknown>) => advisory({ affected: [{ package: { ecosystem: 'PyPI', name: 'evil-pkg' }, ...o }] }).packages[0];

  it('matches exact versions, PEP 440-equal spellings included', () => {
    const p = pkg({ versions: ['1.1', '2.0rc1'] });
    expect(affects(p, '1.1')).toBe(true);
    expect(affects(p, '1.1.0')).toBe(true);
    expect(affects(p, '2.0-RC1')).toBe(true);
    expect(affects(p, '1.0')).toBe(false);
    expect(affects(p, '1.10')).toBe(false);
    expect(affects(p, null)).toBe(false);
  });

  it('introduced "0" and nothing else: every version, and files whose version is unknown', () => {
    const p = pkg({ ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] });
    for (const v of ['0.0.1', '1.0', '99.0.post1', '1.0.dev0', 'not-a-version']) expect(affects(p, v), v).toBe(true);
    expect(affects(p, null)).toBe(true);
  });

  it('introduced / fixed, several intervals, unsorted events', () => {
    const p = pkg({ ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '3.0' }, { fixed: '1.2' }, { introduced: '1.0' }, { fixed: '3.2.5' }] }] });
    const want: Record<string, boolean> = { '0.9': false, '1.0': true, '1.1.9': true, '1.2': false, '1.2rc1': true, '2.0': false, '3.0': true, '3.2.4': true, '3.2.5': false, '4.0': false };
    for (const [v, expected] of Object.entries(want)) expect(affects(p, v), v).toBe(expected);
  });

  it('last_affected includes its version; limit bounds the range', () => {
    const last = pkg({ ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { last_affected: '2.1' }] }] });
    expect([affects(last, '2.1'), affects(last, '2.1.post1'), affects(last, '2.2')]).toEqual([true, false, false]);
    const limited = pkg({ ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.0' }, { limit: '2.0' }] }] });
    expect([affects(limited, '0.9'), affects(limited, '1.5'), affects(limited, '2.0')]).toEqual([false, true, false]);
  });

  it('ignores GIT ranges (commits, not versions)', () => {
    const a = parseOsv(record({ affected: [{ package: { ecosystem: 'PyPI', name: 'x' }, versions: ['1.0'], ranges: [{ type: 'GIT', repo: 'https://example.invalid/r', events: [{ introduced: '0' }] }] }] }));
    expect(a.kind === 'advisory' && a.advisory.packages[0].ranges).toEqual([]);
  });
});
