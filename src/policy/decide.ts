// Policy: turns what is known about a file into allow | quarantine | block, with the reason.
// Pure: no I/O, so every branch is a unit test.
import type { Verdict } from '../scan/types.js';
import type { Config, Lists, Mode } from '../config.js';
import type { ReviewState } from '../store/metadata.js';

export type Action = 'allow' | 'quarantine' | 'block';

export type DecisionSource =
  | 'verdict'
  | 'allowlist'
  | 'denylist'
  | 'advisory'
  | 'review'
  | 'cooldown'
  | 'upstream-quarantine'
  | 'waiver'
  /** A public project whose name imitates a private one (issue 12). */
  | 'private-name'
  | 'pending';

export interface Decision {
  action: Action;
  source: DecisionSource;
  /** A short human reason, used in the 403 reason phrase. */
  reason: string;
  /** False in monitor mode: the action is logged but the file is served. */
  enforced: boolean;
}

export interface FileFacts {
  sha256: string;
  project: string;
  version: string | null;
  uploadTime?: string | null;
}

export interface Knowledge {
  verdict?: Verdict;
  review?: ReviewState;
  projectStatus?: string | null;
  /** Rule ids of the verdict's findings (for per-rule monitor mode). */
  rules?: string[];
  /** Ids of known-malicious advisories (OSV, e.g. MAL-2024-1234) that list this name and version. */
  advisories?: string[];
  /** The organisation's private name that this public project's name imitates or takes (issue 12). */
  imitates?: string;
}

/** A reviewer's time-boxed exception: a project, a project version, or one sha256 of it. */
export interface Waiver {
  project: string;
  version: string | null;
  sha256: string | null;
  expiresAt: number;
}

export interface PolicyOptions {
  mode: Mode;
  allow: Lists;
  deny: Lists;
  cooldownHours: number;
  waivers?: Waiver[];
  /** Rules in monitor mode: a verdict resting only on them is logged, not enforced. */
  monitoredRules?: string[];
}

export function policyOptions(c: Config): PolicyOptions {
  return { mode: c.mode, allow: c.allow, deny: c.deny, cooldownHours: c.cooldownHours };
}

const VERDICT_ACTION: Record<Verdict, { action: Action; reason: string }> = {
  clean: { action: 'allow', reason: 'no findings' },
  suspicious: { action: 'quarantine', reason: 'held for review' },
  malicious: { action: 'block', reason: 'malware detected' },
  // Fail closed: a file that could not be scanned is never served as clean.
  error: { action: 'quarantine', reason: 'could not be scanned' },
};

function listed(l: Lists, f: FileFacts, bySha: boolean): boolean {
  return listedAs(l, f, bySha) !== null;
}

/** Which entry of a list names the file: the refusal says which, so the developer knows what to ask about. */
function listedAs(l: Lists, f: FileFacts, bySha: boolean): 'sha256' | 'project' | 'version' | null {
  if (bySha && l.sha256.includes(f.sha256)) return 'sha256';
  if (l.projects.includes(f.project)) return 'project';
  if (f.version !== null && l.versions.includes(`${f.project}==${f.version}`)) return 'version';
  return null;
}

const DENIED: Record<'sha256' | 'project' | 'version', (f: FileFacts) => string> = {
  sha256: () => 'this file is on the deny list',
  project: (f) => `project ${f.project} is on the deny list`,
  version: (f) => `${f.project} ${f.version} is on the deny list`,
};

function waives(w: Waiver, f: FileFacts, now: number): boolean {
  if (w.expiresAt <= now || w.project !== f.project) return false;
  if (w.sha256 && w.sha256 !== f.sha256) return false;
  if (w.version && w.version !== f.version) return false;
  return true;
}

// Reason phrases stay one short line: three ids at most.
function advisoryIds(ids: string[]): string {
  return ids.length > 3 ? `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more` : ids.join(', ');
}

/** A refusal already decided (not merely "not scanned yet") and enforced: what pages hide and URLs refuse. */
export function knownRefusal(d: Decision): boolean {
  return d.action !== 'allow' && d.source !== 'pending' && d.enforced;
}

/** True when the upload is younger than the cooldown (most malware is removed within a day or two). */
export function inCooldown(uploadTime: string | null | undefined, hours: number, now = Date.now()): boolean {
  if (!hours || !uploadTime) return false;
  const t = Date.parse(uploadTime);
  return Number.isFinite(t) && now - t < hours * 3_600_000;
}

/**
 * Precedence, strongest first: a denied sha256 / project / version; a known-malicious advisory (it
 * names a release, not a guess, so it beats a reviewer's release, a waiver and the allow list; a wrong
 * one is lifted by importing its withdrawn record); upstream quarantine (PEP 792);
 * a reviewer's decision, an allow-list entry or a live waiver; a public name imitating a private
 * one; the cooldown; the scanner's verdict.
 * `verdict` undefined means "not scanned yet": the caller must scan before serving (action 'quarantine', source 'pending').
 */
export function decide(f: FileFacts, k: Knowledge, o: PolicyOptions, now = Date.now()): Decision {
  const enforced = o.mode === 'enforce';
  const d = (action: Action, source: DecisionSource, reason: string): Decision => ({
    action,
    source,
    reason,
    enforced: action === 'allow' ? true : enforced,
  });
  const denied = listedAs(o.deny, f, true);
  if (denied) return d('block', 'denylist', DENIED[denied](f));
  if (k.advisories?.length) return d('block', 'advisory', `known malicious (${advisoryIds(k.advisories)})`);
  if (k.projectStatus === 'quarantined') return d('block', 'upstream-quarantine', 'project quarantined upstream');
  if (k.review === 'confirmed') return d('block', 'review', 'block confirmed by a reviewer');
  if (k.review === 'released') return d('allow', 'review', 'released by a reviewer');
  if (listed(o.allow, f, true)) return d('allow', 'allowlist', 'allowed by policy');
  if (o.waivers?.some((w) => waives(w, f, now))) return d('allow', 'waiver', 'waived by a reviewer');
  // Held whatever its bytes say: the name is the attack (a public look-alike of a private project).
  if (k.imitates) return d('quarantine', 'private-name', `public project named like private project ${k.imitates}`);
  if (inCooldown(f.uploadTime, o.cooldownHours, now)) return d('quarantine', 'cooldown', `uploaded less than ${o.cooldownHours} h ago`);
  if (!k.verdict) return d('quarantine', 'pending', 'not scanned yet');
  const v = VERDICT_ACTION[k.verdict];
  // Per-rule monitor mode (dry run): when every finding behind a held verdict comes from a
  // monitored rule, the refusal is logged and nothing is refused.
  if (v.action !== 'allow' && k.verdict !== 'error' && k.rules?.length && o.monitoredRules?.length && k.rules.every((r) => o.monitoredRules!.includes(r))) {
    return { action: v.action, source: 'verdict', reason: `${v.reason} (rules in monitor mode)`, enforced: false };
  }
  return d(v.action, 'verdict', v.reason);
}
