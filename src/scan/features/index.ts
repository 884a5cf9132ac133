// The model's input: one fixed-order vector of numbers per distribution, computed from the members
// the archive reader already holds in memory (no second read of the file). Groups follow Samaana
// et al. (2024): metadata, files, code, text. Every feature is listed with one sentence in
// FEATURES (and in models/MODEL.md, generated from it).
import type { Distribution } from '../archive/types.js';
import { CODE_FEATURES, CodeStats } from './code.js';
import { FILE_FEATURES, fileFeatures } from './files.js';
import { isPython, metadataMember, place, whereRuns } from './layout.js';
import { META_FEATURES, field, metadataFeatures, parseMetadata } from './metadata.js';
import { lexPython } from './pylex.js';
import type { FeatureSpec } from './spec.js';
import { TEXT_FEATURES, textFeatures } from './text.js';

export { featureWantsContent } from './layout.js';
export type { FeatureSpec } from './spec.js';

export type FeatureGroup = 'metadata' | 'files' | 'code' | 'text';

export const FEATURE_GROUPS: Record<FeatureGroup, readonly FeatureSpec[]> = {
  metadata: META_FEATURES,
  files: FILE_FEATURES,
  code: CODE_FEATURES,
  text: TEXT_FEATURES,
};

export const FEATURES: readonly (FeatureSpec & { group: FeatureGroup })[] = (Object.keys(FEATURE_GROUPS) as FeatureGroup[]).flatMap((group) =>
  FEATURE_GROUPS[group].map((f) => ({ ...f, group })),
);
export const FEATURE_NAMES: readonly string[] = FEATURES.map((f) => f.name);
const INDEX = new Map(FEATURE_NAMES.map((n, i) => [n, i]));
if (INDEX.size !== FEATURE_NAMES.length) throw new Error('duplicate feature name');

/** Largest Python source lexed per file; longer files are lexed up to this many bytes. */
const MAX_LEX_CHARS = 2_000_000;
/** Python bytes lexed per distribution (install-time files always are, up to MAX_LEX_CHARS each). */
const LEX_BUDGET = 1024 * 1024;

function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

export function extractFeatures(dist: Distribution): Float32Array {
  const out = new Float32Array(FEATURE_NAMES.length);
  const set = (name: string, value: number): void => {
    const i = INDEX.get(name);
    if (i === undefined) throw new Error(`unknown feature ${name}`);
    out[i] = Number.isFinite(value) ? value : 0;
  };
  const placed = place(dist);
  const mdFile = metadataMember(placed);
  const md = mdFile?.member.data ? parseMetadata(mdFile.member.data.toString('utf8')) : undefined;
  const fallbackName = /^(.+?)-\d/.exec(dist.filename)?.[1] ?? dist.filename.replace(/\.(tar\.gz|tgz|tar\.bz2|tar\.xz|tar|zip|whl|egg)$/i, '');
  const name = field(md, 'name') || fallbackName;
  const summary = field(md, 'summary');
  const description = (md?.body.trim() ? md.body : field(md, 'description')) ?? '';

  metadataFeatures(md, placed, fallbackName, set);
  fileFeatures(placed, {
    summary: !!summary,
    author: !!(field(md, 'author') || field(md, 'author-email') || field(md, 'maintainer')),
    url: !!(field(md, 'home-page') || md?.fields.get('project-url')?.length),
    version: !!field(md, 'version'),
    description: description.trim().length > 0,
  }, set);

  // Python is lexed in order of when it runs (install, import, other) up to LEX_BUDGET bytes per
  // distribution: malicious code sits early in that order, and a 10 MB library must not cost a
  // second. Lines are counted for every file (cheap), so size features stay whole.
  const stats = new CodeStats();
  const order: Record<string, number> = { install: 0, import: 1, other: 2 };
  const py = placed
    .filter((p) => p.member.data && !p.meta && (isPython(p) || p.base.toLowerCase().endsWith('.pth')))
    .map((p) => ({ p, where: whereRuns(p) }))
    .sort((a, b) => order[a.where] - order[b.where] || a.p.depth - b.p.depth);
  let budget = LEX_BUDGET;
  for (const { p, where } of py) {
    const data = p.member.data!;
    if (p.base.toLowerCase().endsWith('.pth')) {
      stats.addPth(data.toString('utf8'));
      continue;
    }
    if (budget <= 0 && where !== 'install') {
      stats.addLines(countLines(data), where);
      continue;
    }
    const take = Math.min(data.length, MAX_LEX_CHARS, Math.max(budget, where === 'install' ? MAX_LEX_CHARS : 0));
    budget -= take;
    stats.addPython(lexPython(data.subarray(0, take).toString('utf8')), where, p.base === 'setup.py' && p.depth <= 1);
    if (take < data.length) stats.addLines(countLines(data.subarray(take)), where);
  }
  stats.emit(set);
  textFeatures(name, summary, description, set);
  return out;
}
