#!/usr/bin/env node
// Writes the "Rules" section of docs/DETECTION.md (between <!-- rules:begin --> and
// <!-- rules:end -->) from the rule registry's own metadata, so the doc cannot drift.
// Needs `npx tsc -p tsconfig.json` first.   node scripts/rules-doc.mjs [--print]
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { RULES } from '../dist/scan/rules/index.js';
import { RULES_VERSION } from '../dist/scan/version.js';

// Optional: a file with the measured figures (from scripts/dev-analyze.mjs) to print under the table.
const figIdx = process.argv.indexOf('--figures');
const figures = figIdx > 0 ? readFileSync(process.argv[figIdx + 1], 'utf8') : '';
const lines = [
  '<!-- rules:begin -->',
  '## Rules',
  '',
  `Rules version \`${RULES_VERSION}\` (src/scan/version.ts). One file per rule in \`src/scan/rules/\`, each with must-flag and`,
  'must-not-flag snippets in `test/scan/rules/<rule>.test.ts`. A rule only grades a finding up when a capability',
  '(network, process, exec, file access) meets a threat (credential path, exfil endpoint, encoded payload, install-time',
  'location, hidden spawn) in the same file or flow. Verdict (`src/scan/analyze/verdict.ts`): **malicious** on any',
  'critical finding, two high findings from different behaviour rules in one file, or a high finding corroborated in the',
  'same file by another behaviour rule at medium (or two at low); **suspicious** on any high or medium behaviour finding;',
  'metadata rules (`metadata-signals`, `typosquat`, `dependency-url`) never hold or block alone.',
  '',
  '| rule | why | grading |',
  '| --- | --- | --- |',
  ...RULES.map((r) => `| \`${r.id}\` | ${r.why.replace(/\|/g, '\\|')} | ${r.severities.replace(/\|/g, '\\|')} |`),
  ...(figures ? ['', figures.trim()] : []),
  '<!-- rules:end -->',
];
const section = lines.join('\n');
const doc = new URL('../docs/DETECTION.md', import.meta.url);
if (process.argv.includes('--print') || !existsSync(doc)) {
  console.log(section);
} else {
  const text = readFileSync(doc, 'utf8');
  const re = /<!-- rules:begin -->[\s\S]*?<!-- rules:end -->/;
  writeFileSync(doc, re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}\n`);
  console.log('updated docs/DETECTION.md');
}
