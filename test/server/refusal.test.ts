// The reason phrase of a refusal: what pip prints, so it must stay one legal status-line phrase.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_PHRASE, refusalPhrase, refusalReason } from '../../src/server/refusal.js';
import type { Decision } from '../../src/policy/decide.js';
import type { Finding } from '../../src/scan/types.js';

const held: Decision = { action: 'quarantine', source: 'verdict', reason: 'held for review', enforced: true };
const f = (rule: string, severity: Finding['severity'], message: string): Finding => ({ rule, severity, path: 'x.py', message });

describe('refusal phrases', () => {
  it('a held file names its rules, strongest first, and the strongest finding, without repeating the verb', () => {
    const verdict = { verdict: 'suspicious' as const, reason: null, findings: [f('low-one', 'low', 'minor'), f('exfil-url', 'high', 'Sends data to a hard-coded URL.'), f('low-one', 'low', 'minor again')] };
    const p = refusalPhrase({ decision: held, filename: 'apsw-3.46.whl', verdict, reviewId: 'Q-3', requestId: 'abc123' });
    expect(p).toBe('Held for review by pywarden: exfil-url, low-one: Sends data to a hard-coded URL. in apsw-3.46.whl (Q-3, request abc123)');
    expect(p).not.toMatch(/held for review.*held for review/i);
  });

  it('more than three rules are counted, not listed', () => {
    const verdict = { verdict: 'suspicious' as const, reason: null, findings: ['a', 'b', 'c', 'd', 'e'].map((r) => f(r, 'medium', 'm')) };
    expect(refusalReason(held, verdict)).toBe('a, b, c (+2 more): m');
  });

  it('a scan error says why it could not be scanned', () => {
    expect(refusalReason({ ...held, reason: 'could not be scanned' }, { verdict: 'error', reason: 'scan timed out', findings: [] })).toBe('could not be scanned: scan timed out');
  });

  it('stays printable ASCII on one line, bounded, and keeps the ids when the reason is long', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 400 }), (message, filename) => {
        const verdict = { verdict: 'suspicious' as const, reason: null, findings: [f('r\r\nX-Evil: 1', 'high', message)] };
        const p = refusalPhrase({ decision: held, filename, verdict, reviewId: 'Q-9', requestId: 'ff00', contact: 'sec@example.com' });
        expect(p).toMatch(/^[\x20-\x7e]*$/);
        expect(p.length).toBeLessThanOrEqual(MAX_PHRASE);
        if (filename.length < 100) expect(p).toContain('(Q-9, request ff00, ask sec@example.com)');
      }),
    );
  });
});
