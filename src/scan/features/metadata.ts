// Metadata features (core metadata, PEP 566 / PyPA spec): which fields are there, whether the
// e-mail and URLs are well formed, license declared vs. shipped, version shape, name distance to
// popular projects, dependencies. Samaana et al. found invalid maintainer e-mail and home page
// among the strongest signals; throw-away uploads leave most of these fields empty.
import type { FeatureSpec, Sink } from './spec.js';
import type { Placed } from './layout.js';
import { POPULAR_NAMES } from './popular-names.js';
import { editDistance } from '../analyze/names.js';

export interface CoreMetadata {
  fields: Map<string, string[]>;
  body: string;
}

export function parseMetadata(text: string): CoreMetadata {
  const fields = new Map<string, string[]>();
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  let key = '';
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') break;
    if (/^[ \t]/.test(line) && key) {
      const vals = fields.get(key)!;
      vals[vals.length - 1] += '\n' + line.replace(/^ {7,8}\|?/, '').trimStart();
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
    if (!m) break;
    key = m[1].toLowerCase();
    if (!fields.has(key)) fields.set(key, []);
    fields.get(key)!.push(m[2]);
  }
  return { fields, body: lines.slice(i + 1).join('\n') };
}

export const field = (md: CoreMetadata | undefined, k: string): string => {
  const v = md?.fields.get(k)?.[0]?.trim() ?? '';
  return v === 'UNKNOWN' || v === 'None' ? '' : v;
};

export const META_FEATURES: FeatureSpec[] = [
  { name: 'meta_present', doc: 'a PKG-INFO / METADATA file was found' },
  { name: 'meta_summary_len', doc: 'log1p length of Summary' },
  { name: 'meta_has_author', doc: 'Author or Maintainer given' },
  { name: 'meta_has_email', doc: 'Author-email or Maintainer-email given' },
  { name: 'meta_email_valid', doc: 'the e-mail parses as local@host.tld' },
  { name: 'meta_email_free', doc: 'the e-mail domain is a free mail provider (gmail, qq, proton, ...)' },
  { name: 'meta_email_disposable', doc: 'the e-mail domain is a throw-away or placeholder domain (example.com, temp mail, ...)' },
  { name: 'meta_home_valid', doc: 'Home-page is an http(s) URL with a dotted host' },
  { name: 'meta_home_repo', doc: 'Home-page or a Project-URL points at a code host (GitHub, GitLab, Bitbucket, ...)' },
  { name: 'meta_project_urls', doc: 'log1p number of Project-URL entries' },
  { name: 'meta_license_declared', doc: 'License, License-Expression or a License classifier present' },
  { name: 'meta_license_files', doc: 'log1p number of LICENSE/COPYING/NOTICE files shipped' },
  { name: 'meta_license_mismatch', doc: 'a license is declared but no license file ships, or the reverse' },
  { name: 'meta_classifiers', doc: 'log1p number of Trove classifiers' },
  { name: 'meta_requires_python', doc: 'Requires-Python given' },
  { name: 'meta_requires', doc: 'log1p number of Requires-Dist entries (all extras)' },
  { name: 'meta_url_requires', doc: 'Requires-Dist entries that point at a URL (PEP 508 `@ url`)' },
  { name: 'meta_extras', doc: 'log1p number of Provides-Extra entries' },
  { name: 'meta_keywords', doc: 'Keywords given' },
  { name: 'ver_parts', doc: 'number of dot-separated release parts in Version' },
  { name: 'ver_pep440', doc: 'Version is a canonical PEP 440 version' },
  { name: 'ver_zero', doc: 'Version starts 0. or is 0' },
  { name: 'ver_big_part', doc: 'some release part has 4+ digits (random or date-like versions; 99.0.0 dependency confusion)' },
  { name: 'ver_high_major', doc: 'major version 50 or more (dependency-confusion uploads claim 99.x to win)' },
  { name: 'name_len', doc: 'length of the project name' },
  { name: 'name_digits', doc: 'the name contains digits' },
  { name: 'name_typo', doc: '1 / (edit distance) to the nearest of the 3,000 most downloaded projects when 1-2 edits away (0 otherwise, and 0 for an exact match)' },
  { name: 'name_popular_affix', doc: 'the name is a popular project name plus a prefix/suffix (`requests-toolkit`, `py-colorama`)' },
];

const FREE_MAIL = new Set(('gmail.com googlemail.com yahoo.com yahoo.co.jp hotmail.com outlook.com live.com msn.com qq.com 163.com 126.com ' +
  'yeah.net sina.com foxmail.com protonmail.com proton.me pm.me mail.ru yandex.ru yandex.com icloud.com me.com aol.com gmx.de gmx.net ' +
  'web.de tutanota.com zoho.com mail.com inbox.ru bk.ru list.ru rambler.ru naver.com daum.net').split(' '));
const DISPOSABLE = /(^|\.)(example\.(com|org|net)|test\.com|email\.com|mailinator\.com|guerrillamail\.\w+|10minutemail\.\w+|tempmail\.\w+|temp-mail\.\w+|yopmail\.com|sharklasers\.com|dispostable\.com|trashmail\.\w+|maildrop\.cc|getnada\.com|fakemail\.\w+|xxx\.com|abc\.com|a\.com|qwe\.com|123\.com|localhost)$/i;
const CODE_HOST = /^https?:\/\/(www\.)?(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|sr\.ht|git\.sr\.ht|sourceforge\.net|launchpad\.net|gitee\.com|foss\.heptapod\.net)\/[^/\s]+\/[^/\s]+/i;
const URL_OK = /^https?:\/\/[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?(\/\S*)?$/;
const PEP440 = /^([1-9][0-9]*!)?(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*((a|b|rc)(0|[1-9][0-9]*))?(\.post(0|[1-9][0-9]*))?(\.dev(0|[1-9][0-9]*))?$/;

const normName = (s: string): string => s.toLowerCase().replace(/[-_.\s]+/g, '-');

// Bucket popular names by length: an edit distance of at most 2 needs a length within 2.
const BY_LEN = new Map<number, string[]>();
const POPULAR_SET = new Set<string>();
for (const n of POPULAR_NAMES) {
  const k = normName(n);
  POPULAR_SET.add(k);
  if (!BY_LEN.has(k.length)) BY_LEN.set(k.length, []);
  BY_LEN.get(k.length)!.push(k);
}

// One capped optimal-string-alignment distance serves the rules and the features.
export { editDistance };

export function typoDistance(name: string): number {
  const k = normName(name);
  if (!k || POPULAR_SET.has(k)) return 0;
  let best = 3;
  for (let len = k.length - 2; len <= k.length + 2; len++) {
    for (const p of BY_LEN.get(len) ?? []) {
      if (p.length < 4) continue; // short names are one edit from everything
      const d = editDistance(k, p, best - 1);
      if (d < best) best = d;
      if (best === 1) return 1;
    }
  }
  return best <= 2 ? best : 0;
}

function popularAffix(name: string): boolean {
  const k = normName(name);
  if (POPULAR_SET.has(k)) return false;
  const parts = k.split('-');
  if (parts.length < 2) return false;
  for (let i = 0; i < parts.length; i++) {
    const rest = parts.filter((_, j) => j !== i).join('-');
    if (rest.length >= 4 && POPULAR_SET.has(rest)) return true;
  }
  return false;
}

export function metadataFeatures(md: CoreMetadata | undefined, placed: Placed[], fallbackName: string, set: Sink): void {
  set('meta_present', md ? 1 : 0);
  set('meta_summary_len', Math.log1p(field(md, 'summary').length));
  set('meta_has_author', field(md, 'author') || field(md, 'maintainer') ? 1 : 0);
  const emailRaw = field(md, 'author-email') || field(md, 'maintainer-email');
  set('meta_has_email', emailRaw ? 1 : 0);
  const em = /([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/.exec(emailRaw);
  const domain = em?.[2].toLowerCase() ?? '';
  set('meta_email_valid', em ? 1 : 0);
  set('meta_email_free', FREE_MAIL.has(domain) ? 1 : 0);
  set('meta_email_disposable', domain && DISPOSABLE.test(domain) ? 1 : 0);
  const home = field(md, 'home-page');
  const urls = (md?.fields.get('project-url') ?? []).map((u) => u.split(',').slice(1).join(',').trim());
  set('meta_home_valid', URL_OK.test(home) ? 1 : 0);
  set('meta_home_repo', [home, ...urls].some((u) => CODE_HOST.test(u)) ? 1 : 0);
  set('meta_project_urls', Math.log1p(urls.length));
  const classifiers = md?.fields.get('classifier') ?? [];
  const licDeclared = !!(field(md, 'license') || field(md, 'license-expression') || classifiers.some((c) => c.startsWith('License ::')));
  const licFiles = placed.filter((p) => /^(licen[cs]e|copying|notice|unlicense)([-._].*)?$/i.test(p.base)).length;
  set('meta_license_declared', licDeclared ? 1 : 0);
  set('meta_license_files', Math.log1p(licFiles));
  set('meta_license_mismatch', licDeclared !== licFiles > 0 ? 1 : 0);
  set('meta_classifiers', Math.log1p(classifiers.length));
  set('meta_requires_python', field(md, 'requires-python') ? 1 : 0);
  const reqs = md?.fields.get('requires-dist') ?? [];
  set('meta_requires', Math.log1p(reqs.length));
  set('meta_url_requires', reqs.filter((r) => /@\s*\w+:\/\//.test(r)).length);
  set('meta_extras', Math.log1p((md?.fields.get('provides-extra') ?? []).length));
  set('meta_keywords', field(md, 'keywords') ? 1 : 0);

  const version = field(md, 'version');
  const release = (/^(\d+(?:\.\d+)*)/.exec(version)?.[1] ?? '').split('.').filter(Boolean);
  set('ver_parts', release.length);
  set('ver_pep440', PEP440.test(version) ? 1 : 0);
  set('ver_zero', release[0] === '0' ? 1 : 0);
  set('ver_big_part', release.some((p) => p.length >= 4) ? 1 : 0);
  set('ver_high_major', release.length && Number(release[0]) >= 50 && release[0].length < 4 ? 1 : 0);

  const name = field(md, 'name') || fallbackName;
  set('name_len', normName(name).length);
  set('name_digits', /\d/.test(name) ? 1 : 0);
  const d = typoDistance(name);
  set('name_typo', d ? 1 / d : 0);
  set('name_popular_affix', popularAffix(name) ? 1 : 0);
}
