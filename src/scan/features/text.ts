// Text features: the project's description as published (README as long description), its
// language signals, and how the summary relates to the name. Squatting campaigns copy a victim's
// README or ship none; proof-of-concept uploads say "test", "poc" or "bug bounty".
import type { FeatureSpec, Sink } from './spec.js';

export const TEXT_FEATURES: FeatureSpec[] = [
  { name: 'desc_len', doc: 'log1p length of the description (metadata body or Description field)' },
  { name: 'desc_lines', doc: 'log1p lines in the description' },
  { name: 'desc_markup', doc: 'the description uses Markdown/reST structure (headers, code blocks, links)' },
  { name: 'desc_urls', doc: 'log1p URLs in the description' },
  { name: 'desc_english', doc: 'share of words that are common English function words' },
  { name: 'desc_non_ascii', doc: 'share of non-ASCII characters in the description' },
  { name: 'desc_poc_words', doc: 'the description or summary says test / poc / bug bounty / security research / dummy / placeholder' },
  { name: 'summary_name_sim', doc: 'character-trigram Jaccard similarity of summary and name' },
  { name: 'summary_has_name', doc: 'the summary mentions the project name' },
  { name: 'desc_is_summary', doc: 'the description is empty or repeats the summary' },
];

const STOP = new Set('the a an and or of to in for is are be with this that it on by as from can you your use using which not if at'.split(' '));

function trigrams(s: string): Set<string> {
  const t = ` ${s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim()} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= t.length; i++) out.add(t.slice(i, i + 3));
  return out;
}

export function textFeatures(name: string, summary: string, description: string, set: Sink): void {
  const d = description.length > 200_000 ? description.slice(0, 200_000) : description;
  set('desc_len', Math.log1p(d.length));
  set('desc_lines', Math.log1p(d ? d.split('\n').length : 0));
  set('desc_markup', /^#{1,6}\s|^```|^=+\s*$|^-+\s*$|\]\(https?:|^\.\. /m.test(d) ? 1 : 0);
  set('desc_urls', Math.log1p((d.match(/https?:\/\//g) ?? []).length));
  const words = d.toLowerCase().match(/[a-z]+/g) ?? [];
  const sample = words.slice(0, 5000);
  set('desc_english', sample.length ? sample.filter((w) => STOP.has(w)).length / sample.length : 0);
  let non = 0;
  const head = d.slice(0, 20_000);
  for (let i = 0; i < head.length; i++) if (head.charCodeAt(i) > 127) non++;
  set('desc_non_ascii', head.length ? non / head.length : 0);
  set('desc_poc_words', /\b(poc|proof of concept|bug ?bounty|security research|dependency confusion|dummy|placeholder|do not (use|install)|test(ing)? package|hacked|pwned)\b/i.test(summary + '\n' + d.slice(0, 5000)) ? 1 : 0);
  const a = trigrams(summary);
  const b = trigrams(name);
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  set('summary_name_sim', a.size + b.size ? inter / (a.size + b.size - inter) : 0);
  const nameWords = name.toLowerCase().split(/[-_.\s]+/).filter((w) => w.length >= 3);
  set('summary_has_name', nameWords.length && nameWords.some((w) => summary.toLowerCase().includes(w)) ? 1 : 0);
  set('desc_is_summary', !d.trim() || d.trim() === summary.trim() ? 1 : 0);
}
