// The words of a refusal. pip prints nothing of a refused download but the status line's reason
// phrase (`403 Client Error: <phrase> for url: …`, pip 18.1, 23.2.1 and 24.2 alike), so the phrase
// alone must say that pywarden refused, what, why, and whom to ask; the problem+json body (uv)
// carries the same in more words.
import type { Decision } from '../policy/decide.js';
import type { Finding, Severity } from '../scan/types.js';
import type { VerdictRow } from '../store/metadata.js';

export interface RefusalFacts {
  decision: Decision;
  filename: string;
  verdict?: Pick<VerdictRow, 'verdict' | 'findings' | 'reason'>;
  reviewId?: string;
  requestId?: string;
  /** Where developers ask about a refusal (config refusalContact); empty: not said. */
  contact?: string;
}

/** A reason phrase is one line of printable ASCII; this long it still fits pip's one-line error. */
export const MAX_PHRASE = 300;
const MAX_RULES = 3;
const MAX_MESSAGE = 120;

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

export function refusalVerb(d: Decision): string {
  if (d.action === 'block') return 'Blocked by pywarden';
  return d.source === 'cooldown' ? 'Held by pywarden for its cooldown' : 'Held for review by pywarden';
}

/**
 * The reason in one line: for a scanner verdict, the rules that fired (strongest first) and the
 * strongest finding's message, not the policy's generic word ("held for review" said twice was issue 14).
 */
export function refusalReason(d: Decision, verdict?: RefusalFacts['verdict']): string {
  if (d.source !== 'verdict' || !verdict) return d.reason;
  if (verdict.verdict === 'error') return verdict.reason ? `${d.reason}: ${verdict.reason}` : d.reason;
  const findings = [...verdict.findings].sort((a, b) => RANK[b.severity] - RANK[a.severity]);
  if (!findings.length) return verdict.reason ? `${d.reason}: ${verdict.reason}` : d.reason;
  const rules = ruleList(findings);
  const message = oneLine(findings[0].message, MAX_MESSAGE);
  return d.action === 'block' ? `malware detected by ${rules}: ${message}` : `${rules}: ${message}`;
}

function ruleList(findings: Finding[]): string {
  const rules = [...new Set(findings.map((f) => f.rule))];
  const shown = rules.slice(0, MAX_RULES).join(', ');
  return rules.length > MAX_RULES ? `${shown} (+${rules.length - MAX_RULES} more)` : shown;
}

/** `<verb>: <reason> in <file> (<review id>, request <id>, ask <contact>)`, cut in the reason so the ids survive. */
export function refusalPhrase(r: RefusalFacts): string {
  const ids = [r.reviewId, r.requestId && `request ${r.requestId}`, r.contact && `ask ${r.contact}`].filter(Boolean).join(', ');
  const head = `${refusalVerb(r.decision)}: `;
  const tail = oneLine(` in ${r.filename}${ids ? ` (${ids})` : ''}`, MAX_PHRASE - head.length - 20);
  return head + oneLine(refusalReason(r.decision, r.verdict), MAX_PHRASE - head.length - tail.length) + tail;
}

/** Printable ASCII on one line, at most `max` characters (an ellipsis of three dots marks a cut). */
export function oneLine(s: string, max: number): string {
  const flat = s.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 3))}...`;
}
