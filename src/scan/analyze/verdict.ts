// Findings → verdict and score. Blocking needs overwhelming evidence: a critical finding (which
// rules only emit when a capability meets a threat where code runs), or two high findings from
// different behaviour rules in one file. Metadata rules only ever add weight to a hold.
import type { Finding, Severity, Verdict } from '../types.js';
import type { RuleContext } from './context.js';
import { calledOnly, SEVERITY_RANK } from './context.js';

const WEIGHT: Record<Severity, number> = { info: 0, low: 0.06, medium: 0.25, high: 0.55, critical: 0.95 };
/** Rules that describe the package, not its code: they never block. */
export const CONTEXT_RULES = new Set(['metadata-signals', 'typosquat', 'dependency-url']);

/** The member a finding is in (decoded code counts as its parent file). */
const fileOf = (f: Finding): string => f.path.replace(/#decoded@\d+$/, '');

export function decide(findings: Finding[], ctx: RuleContext): { verdict: Verdict; score: number } {
  // Strongest finding per rule and file.
  const best = new Map<string, Finding>();
  for (const f of findings) {
    const key = `${f.rule}\0${fileOf(f)}`;
    const prev = best.get(key);
    if (!prev || SEVERITY_RANK[f.severity] > SEVERITY_RANK[prev.severity]) best.set(key, f);
  }
  const list = [...best.values()];
  let keep = 1;
  for (const f of list) keep *= 1 - WEIGHT[f.severity];
  let score = 1 - keep;

  const behaviour = list.filter((f) => !CONTEXT_RULES.has(f.rule));
  const context = list.filter((f) => CONTEXT_RULES.has(f.rule));
  const critical = behaviour.some((f) => f.severity === 'critical');
  const highByFile = new Map<string, Set<string>>();
  for (const f of behaviour) if (f.severity === 'high') (highByFile.get(fileOf(f)) ?? highByFile.set(fileOf(f), new Set()).get(fileOf(f))!).add(f.rule);
  const twoHigh = [...highByFile.values()].some((s) => s.size >= 2);
  // A high finding corroborated in the same file by another behaviour rule at medium, or by two more at low.
  const byFile = new Map<string, Map<string, number>>();
  for (const f of behaviour) {
    const file = fileOf(f);
    const m = byFile.get(file) ?? byFile.set(file, new Map()).get(file)!;
    m.set(f.rule, Math.max(m.get(f.rule) ?? 0, SEVERITY_RANK[f.severity]));
  }
  const corroborated = [...byFile.values()].some((m) => {
    const ranks = [...m.values()];
    if (!ranks.includes(SEVERITY_RANK.high)) return false;
    const others = ranks.filter((r) => r >= SEVERITY_RANK.low).length - 1;
    return ranks.filter((r) => r >= SEVERITY_RANK.medium).length >= 2 || others >= 2;
  });
  const anyHigh = highByFile.size > 0;
  // A medium finding in code that runs only when called (an ordinary module nothing unasked imports),
  // alone in its file, is a lead, not a hold: it counts as low (the classifier may still hold it,
  // src/scan/combine.ts). Large popular libraries have a download next to a subprocess somewhere
  // (meson's wrap resolver, ray's Prometheus installer, transformers' ffmpeg reader); droppers put
  // the payload where it runs unasked, and a medium there still holds.
  const called = new Set(ctx.py.filter(calledOnly).map((f) => f.path));
  const lead = (f: Finding): boolean => called.has(fileOf(f)) && [...byFile.get(fileOf(f))!.values()].filter((r) => r >= SEVERITY_RANK.low).length === 1;
  const mediums = new Set(behaviour.filter((f) => f.severity === 'medium' && !lead(f)).map((f) => f.rule));
  const lows = new Set(behaviour.filter((f) => f.severity === 'low' || (f.severity === 'medium' && lead(f))).map((f) => f.rule));
  const ctxWeight = context.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.low).length + (context.some((f) => f.rule === 'typosquat') ? 1 : 0);

  let verdict: Verdict = 'clean';
  if (critical || twoHigh || corroborated) verdict = 'malicious';
  else if (anyHigh || mediums.size >= 1) verdict = 'suspicious';
  // Name/metadata signals next to install-time behaviour: a typosquat that runs code at install.
  else if (lows.has('install-time-exec') && ctxWeight >= 2) verdict = 'suspicious';

  if (verdict === 'malicious') score = Math.max(score, 0.85);
  else if (verdict === 'suspicious') score = Math.min(Math.max(score, 0.5), 0.84);
  else score = Math.min(score, 0.49);
  return { verdict, score: Math.round(score * 1000) / 1000 };
}
