// Writes the model's runtime card (models/pywarden-model.json: hash, feature order, thresholds)
// and the generated sections of models/MODEL.md from train.py's report, its out-of-fold scores and
// the rules' verdicts on the same files. Every figure in the card comes from here.
// usage: node scripts/train/card.mjs REPORT.json OOF.json RULES.jsonl MODEL.md MODEL.json [SCORES.json]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { combine } from '../../dist/scan/combine.js';

const [reportPath, oofPath, rulesPath, mdPath, jsonPath, scoresPath] = process.argv.slice(2);
// The final model's (in-sample) scores, row for row with oof.json: what `npm run eval` sees on dev.
const finalScores = scoresPath && existsSync(scoresPath) ? JSON.parse(readFileSync(scoresPath, 'utf8')).score : undefined;
const r = JSON.parse(readFileSync(reportPath, 'utf8'));
const oof = JSON.parse(readFileSync(oofPath, 'utf8'));
const verdicts = new Map();
let rulesVersion = '';
if (existsSync(rulesPath)) {
  const [head, ...lines] = readFileSync(rulesPath, 'utf8').trim().split('\n');
  rulesVersion = JSON.parse(head).rulesVersion;
  for (const l of lines) {
    const v = JSON.parse(l);
    verdicts.set(v.sha256, { verdict: v.verdict, score: v.score, findings: v.findings ?? [] });
  }
}
const f3 = (x) => (x === undefined || x === null ? 'n/a' : x.toFixed(3));
const pct = (x) => `${(100 * x).toFixed(2)} %`;
const next = (x) => {
  // The smallest float32 above x: "just above the highest benign score".
  const b = new Float32Array([x]);
  const u = new Uint32Array(b.buffer);
  u[0] += x >= 0 ? 1 : -1;
  return b[0];
};

const { block, quarantine } = r.thresholds;

// ---- combining with the rules (out-of-fold model scores + the rules' verdicts on the same files)
let raise = block;
let ablation = null;
const rows = oof.length && oof.every((x) => verdicts.has(x.sha256))
  ? oof.map((x, i) => ({ label: x.label, family: x.family, popular: x.popular, rules: verdicts.get(x.sha256), model: x.stack, final: finalScores?.[i] }))
  : undefined;
if (rows) {
  // The policy is src/scan/combine.ts itself. The model may hold a rules-clean file only next to a
  // behaviour finding; raise = the lowest score at which it holds no benign file it could hold.
  const holdable = (x) => x.rules.verdict === 'clean' && combine(x.rules, 1, { raise: 0, block: 2 }, x.popular).verdict !== 'clean';
  const holdableBenign = rows.filter((x) => x.label === 'benign' && holdable(x)).map((x) => x.model).sort((a, b) => b - a);
  raise = Math.max(quarantine, holdableBenign.length ? next(holdableBenign[0]) : quarantine);
  const combined = (x, score) => combine(x.rules, score, { raise, block }, x.popular).verdict;
  const policies = {
    'rules alone': (x) => x.rules.verdict,
    'model alone (block / quarantine thresholds)': (x) => (x.model >= block ? 'malicious' : x.model >= quarantine ? 'suspicious' : 'clean'),
    [`rules + model (combine.ts, raise ${raise.toFixed(4)}, block ${block.toFixed(4)})`]: (x) => combined(x, x.model),
  };
  if (finalScores) policies['rules + model, in-sample final model (optimistic)'] = (x) => combined(x, x.final);
  ablation = Object.entries(policies).map(([name, fn]) => {
    const out = { name, mal: 0, malBlocked: 0, malHeld: 0, ben: 0, benBlocked: 0, benHeld: 0, fams: new Map() };
    for (const x of rows) {
      const v = fn(x);
      const blocked = v === 'malicious';
      const held = blocked || v === 'suspicious' || v === 'error';
      if (x.label === 'malicious') {
        out.mal++;
        out.malBlocked += blocked;
        out.malHeld += held;
        out.fams.set(x.family, (out.fams.get(x.family) ?? false) || held);
      } else {
        out.ben++;
        out.benBlocked += blocked;
        out.benHeld += held;
      }
    }
    const tp = out.malBlocked;
    const prec = tp + out.benBlocked ? tp / (tp + out.benBlocked) : 0;
    const rec = tp / out.mal;
    return {
      name,
      blockedRecall: rec,
      heldRecall: out.malHeld / out.mal,
      familyRecall: [...out.fams.values()].filter(Boolean).length / out.fams.size,
      benignBlocked: out.benBlocked / out.ben,
      benignHeld: out.benHeld / out.ben,
      blockF1: prec + rec ? (2 * prec * rec) / (prec + rec) : 0,
    };
  });
}

writeFileSync(jsonPath, JSON.stringify({
  model: r.model,
  sha256: r.sha256,
  features: r.features.map((f) => f.name),
  thresholds: { block, quarantine, raise },
}, null, 1) + '\n');

// ---- MODEL.md sections
const sections = {};
const d = r.data;
sections.data = [
  `| | files | families |`, `| --- | --- | --- |`,
  `| malicious (malicious-dev) | ${d.malicious} | ${d.families_malicious} |`,
  `| benign (benign-dev + benign-debian + the long tail: benign-longtail-dev rebuilt as sdists and wheels) | ${d.benign} | ${d.families_benign} |`,
  '', `By label and kind: ${Object.entries(d.by_label_kind).sort().map(([k, v]) => `${k} ${v}`).join(', ')}.`,
].join('\n');

sections.features = [
  `${r.n_features} features, in model input order.`, '',
  '| # | group | feature | meaning |', '| --- | --- | --- | --- |',
  ...r.features.map((f, i) => `| ${i} | ${f.group} | \`${f.name}\` | ${f.doc.replace(/\|/g, '\\|')} |`),
].join('\n');

const L = r.learners;
sections.learners = [
  `Out-of-fold scores of the outer ${r.protocol.outer_folds}-fold cross-validation grouped by family (seed ${r.protocol.seed}).`,
  'Each learner\'s "zero-FP" columns use its own block threshold (just above its highest benign score).', '',
  '| learner | ROC-AUC | PR-AUC | P @0.5 | R @0.5 | F1 @0.5 | zero-FP threshold | R @zero-FP | F1 @zero-FP |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...Object.values(L).map((x) => `| ${x.name} | ${f3(x.roc_auc)} | ${f3(x.pr_auc)} | ${f3(x['at_0.5'].precision)} | ${f3(x['at_0.5'].recall)} | ${f3(x['at_0.5'].f1)} | ${f3(x.block_threshold)} | ${f3(x.at_block.recall)} | ${f3(x.at_block.f1)} |`),
].join('\n');

const S = L.stack;
sections.thresholds = [
  '| threshold | value | benign flagged (OOF) | precision | malicious recall | family recall | F1 |', '| --- | --- | --- | --- | --- | --- | --- |',
  `| block | ${block.toFixed(6)} | ${S.at_block.fp} of ${d.benign} (${pct(S.at_block.benign_flagged_rate)}) | ${f3(S.at_block.precision)} | ${f3(S.at_block.recall)} | ${f3(S.at_block.family_recall)} | **${f3(S.at_block.f1)}** |`,
  `| quarantine | ${quarantine.toFixed(6)} | ${S.at_quarantine.fp} of ${d.benign} (${pct(S.at_quarantine.benign_flagged_rate)}) | ${f3(S.at_quarantine.precision)} | ${f3(S.at_quarantine.recall)} | ${f3(S.at_quarantine.family_recall)} | ${f3(S.at_quarantine.f1)} |`,
  `| raise (clean → held, see Combining) | ${raise.toFixed(6)} | | | | | |`,
  '', '![threshold sweep](../docs/model-threshold-sweep.svg)',
].join('\n');

sections.ablation = ablation
  ? [
    `Out-of-fold model scores joined with the rules' verdicts (${rulesVersion}) on the same files (the rules have no training step, so their verdicts are out-of-sample). "held" counts blocked, held and unreadable files.`, '',
    '| policy | blocked recall | held recall (blocked + held) | family recall (held) | benign blocked | benign held | F1 at block |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...ablation.map((a) => `| ${a.name} | ${f3(a.blockedRecall)} | ${f3(a.heldRecall)} | ${f3(a.familyRecall)} | ${pct(a.benignBlocked)} | ${pct(a.benignHeld)} | ${f3(a.blockF1)} |`),
  ].join('\n')
  : '_No rule verdicts for these files (scripts/train/rules.mjs did not run), so the ablation is missing._';

sections.model = `\`models/${r.model}\`: ${(r.bytes / 1024).toFixed(0)} KiB, sha256 \`${r.sha256}\`; trained in ${r.seconds} s.`;

let md = readFileSync(mdPath, 'utf8');
for (const [name, body] of Object.entries(sections)) {
  const re = new RegExp(`(<!-- generated:${name}:begin -->)[\\s\\S]*?(<!-- generated:${name}:end -->)`);
  if (!re.test(md)) throw new Error(`MODEL.md has no generated:${name} section`);
  md = md.replace(re, (_, a, b) => `${a}\n${body}\n${b}`);
}
writeFileSync(mdPath, md);
console.error(`card: thresholds block ${block} quarantine ${quarantine} raise ${raise}`);
if (ablation) for (const a of ablation) console.error(`card: ${a.name}: ${JSON.stringify(a)}`);
