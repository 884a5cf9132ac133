// How the learned classifier's score joins the rules' verdict (docs/DETECTION.md, "Policy";
// models/MODEL.md, "Combining"). Rules carry the verdict; the model ranks and corroborates. It may
// only raise a verdict, and only next to evidence a reviewer can read:
//   - never lowers anything, never touches `error` (fail closed stays closed);
//   - clean → suspicious when the score reaches `raise` AND a behaviour rule found something
//     concrete (a finding of at least low severity: a suspicious endpoint, an SSH key path, a
//     decode next to an exec...). The model alone never holds: on 1,240 small real sdists it held
//     14.7 % by itself (issue 11), mostly for looking small;
//   - suspicious → malicious only when the score reaches `block` (above every benign training
//     file's out-of-fold score: 3,814 files, the long tail included) AND the rules held the file
//     AND some behaviour finding is at least medium (a file held only for a lone medium in code
//     that runs only when called is rules-clean, src/scan/analyze/verdict.ts, so it is not
//     blocked; a medium lead beside some other reason to hold does count), and never for a
//     top-3,000 project: the model alone never blocks;
//   - clean → malicious when the score reaches `block` and the rules found hidden code run
//     (`encoded-exec` or `obfuscation` at medium) even where they call it a lead: an honest small
//     library does not hide what it runs, and no benign file measured scores that high (never for
//     a top-3,000 project).
import { readFileSync } from 'node:fs';
import type { Distribution } from './archive/types.js';
import { extractFeatures, FEATURE_NAMES } from './features/index.js';
import { POPULAR_NAMES } from './features/popular-names.js';
import { MODEL_PATH, modelInfo, scoreModel } from './model/index.js';
import { givenScore } from './model/given.js';
import type { Finding, Verdict } from './types.js';
import { CONTEXT_RULES } from './analyze/verdict.js';
import { SEVERITY_RANK } from './analyze/context.js';

export interface ModelThresholds {
  /** Score at which a rules-clean distribution is held for review. */
  raise: number;
  /** Score at which a rules-suspicious distribution is blocked. */
  block: number;
}

export interface Judged {
  verdict: Verdict;
  score: number;
  findings: Finding[];
  model?: number;
}

interface ModelCard {
  sha256: string;
  features: string[];
  thresholds: ModelThresholds & { quarantine: number };
}

let card: ModelCard | undefined;

/** Thresholds and feature order recorded by `npm run train` next to the model (models/pywarden-model.json). */
export function modelCard(): ModelCard {
  if (card) return card;
  const c = JSON.parse(readFileSync(MODEL_PATH.replace(/\.onnx$/, '.json'), 'utf8')) as ModelCard;
  // A model trained on another feature layout would score garbage: refuse it (scans fail closed).
  if (c.features.length !== FEATURE_NAMES.length || c.features.some((n, i) => n !== FEATURE_NAMES[i])) {
    throw new Error('models/pywarden-model.json lists other features than src/scan/features: retrain (npm run train)');
  }
  if (c.sha256 !== modelInfo().sha256) throw new Error('models/pywarden-model.onnx does not match the hash in models/pywarden-model.json');
  card = c;
  return c;
}

const POPULAR = new Set(POPULAR_NAMES.map((n) => n.toLowerCase().replace(/[-_.]+/g, '-')));

/** Rules whose findings say code is hidden from a reader and run. */
const HIDING = new Set(['encoded-exec', 'obfuscation']);

/** Findings about behaviour (not the name or the metadata) at `min` or above. */
const behaviour = (fs: Finding[], min: Finding['severity']): Finding[] => fs.filter((f) => !CONTEXT_RULES.has(f.rule) && f.rule !== 'model-score' && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[min]);

/** Pure: the combined verdict for a rules verdict and a model score. */
export function combine(rules: Judged, modelScore: number, t: ModelThresholds, popular: boolean): Judged {
  const s = Number.isFinite(modelScore) ? modelScore : 0;
  const pct = (x: number): string => x.toFixed(3);
  if (rules.verdict === 'clean' && s >= t.raise) {
    // Name and metadata signals never corroborate, even at the block threshold: a small internal
    // library named `acme-lib` "imitates acme" and a hand-made sdist still scores 0.999.
    const signal = behaviour(rules.findings, 'low')[0];
    if (!signal) return rules; // the model alone never holds
    const hidden = s >= t.block && !popular ? behaviour(rules.findings, 'medium').find((f) => HIDING.has(f.rule)) : undefined;
    if (hidden) {
      return {
        verdict: 'malicious',
        score: Math.max(rules.score, 0.85),
        findings: [...rules.findings, modelFinding('high', `The learned classifier scores this distribution ${pct(s)} (block threshold ${pct(t.block)}), with hidden code run (${hidden.rule}: ${hidden.message.replace(/\.$/, '')}).`)],
      };
    }
    return {
      verdict: 'suspicious',
      score: Math.max(rules.score, 0.5),
      findings: [...rules.findings, modelFinding('medium', `The learned classifier scores this distribution ${pct(s)} (hold threshold ${pct(t.raise)}), with ${signal.rule}: ${signal.message.replace(/\.$/, '')}; held for review.`)],
    };
  }
  if (rules.verdict === 'suspicious' && s >= t.block && !popular && behaviour(rules.findings, 'medium').length > 0) {
    return {
      verdict: 'malicious',
      score: Math.max(rules.score, 0.85),
      findings: [...rules.findings, modelFinding('high', `The learned classifier scores this distribution ${pct(s)} (block threshold ${pct(t.block)}) on top of the rule findings.`)],
    };
  }
  return rules;
}

function modelFinding(severity: 'medium' | 'high', message: string): Finding {
  return { rule: 'model-score', severity, path: '', message };
}

/** The project's name from the file name (PyPI makes it match the project it is listed under). */
function projectName(filename: string): string {
  const name = /^(.+?)-\d/.exec(filename)?.[1] ?? filename;
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Features from the same in-memory Distribution the rules saw, model score, combined verdict. */
export async function combineWithModel(rules: Judged, dist: Distribution): Promise<Judged> {
  if (rules.verdict === 'error' || rules.verdict === 'malicious') return rules; // nothing to raise
  const c = modelCard();
  const score = givenScore(dist.sha256) ?? (await scoreModel(extractFeatures(dist)));
  return { ...combine(rules, score, c.thresholds, POPULAR.has(projectName(dist.filename))), model: score };
}
