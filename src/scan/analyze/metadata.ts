// Package metadata from PKG-INFO / METADATA (core metadata, PEP 566/643: RFC 822 headers with
// the description as body), completed from setup() keyword literals and pyproject [project].
import type { PyFile } from './context.js';

export interface PackageMeta {
  name?: string;
  version?: string;
  summary?: string;
  descriptionLength: number;
  description?: string;
  author?: string;
  authorEmail?: string;
  homePage?: string;
  license?: string;
  requiresDist: string[];
  /** `dependency_links` and URL/VCS requirements found anywhere in the metadata. */
  dependencyLinks: string[];
  /** Where the fields came from. */
  sources: string[];
}

export function emptyMeta(): PackageMeta {
  return { descriptionLength: 0, requiresDist: [], dependencyLinks: [], sources: [] };
}

export function parseCoreMetadata(text: string, meta: PackageMeta, source: string): void {
  const split = text.search(/\r?\n\r?\n/);
  const head = split >= 0 ? text.slice(0, split) : text;
  let body = split >= 0 ? text.slice(split).trim() : '';
  const fields: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^\s/.test(line) && fields.length) fields[fields.length - 1][1] += '\n' + line.trim();
    else {
      const i = line.indexOf(':');
      if (i > 0) fields.push([line.slice(0, i).toLowerCase(), line.slice(i + 1).trim()]);
    }
  }
  meta.sources.push(source);
  for (const [k, v] of fields) {
    const val = v === 'UNKNOWN' ? '' : v;
    switch (k) {
      case 'name': meta.name ??= val; break;
      case 'version': meta.version ??= val; break;
      case 'summary': meta.summary ??= val; break;
      case 'author': meta.author ||= val; break;
      case 'author-email': meta.authorEmail ||= val; break;
      case 'maintainer': meta.author ||= val; break;
      case 'maintainer-email': meta.authorEmail ||= val; break;
      case 'home-page': meta.homePage ||= val; break;
      case 'project-url': meta.homePage ||= val.split(',').pop()?.trim() ?? ''; break;
      case 'license': meta.license ||= val.split('\n')[0]; break;
      case 'license-expression': meta.license ||= val; break;
      case 'requires-dist': meta.requiresDist.push(val); break;
      case 'description': if (!body) body = val; break;
    }
  }
  if (body && body !== 'UNKNOWN' && body.length > meta.descriptionLength) {
    meta.descriptionLength = body.length;
    meta.description = body.slice(0, 4096);
  }
}

/** Literal keyword arguments of setup(...) in setup.py. */
export function setupKwargs(f: PyFile, meta: PackageMeta): void {
  const call = f.view.calls.find((c) => /(^|\.)setup$/.test(c.name) && Object.keys(c.kw).length > 0);
  if (!call) return;
  meta.sources.push('setup.py');
  const s = (k: string) => call.kw[k]?.str;
  meta.name ??= s('name');
  meta.version ??= s('version');
  meta.summary ??= s('description');
  meta.author ||= s('author') ?? s('maintainer');
  meta.authorEmail ||= s('author_email') ?? s('maintainer_email');
  meta.homePage ||= s('url') ?? s('download_url');
  meta.license ||= s('license');
  const ld = s('long_description');
  if (ld && ld.length > meta.descriptionLength) {
    meta.descriptionLength = ld.length;
    meta.description = ld.slice(0, 4096);
  }
  for (const k of ['install_requires', 'setup_requires', 'dependency_links']) {
    const t = call.kw[k]?.text;
    if (!t) continue;
    for (const m of t.matchAll(/['"]([^'"]*(?:https?:\/\/|git\+|svn\+|hg\+|file:)[^'"]*)['"]/g)) meta.dependencyLinks.push(m[1]);
  }
}

export function pyprojectMeta(text: string, meta: PackageMeta): void {
  const proj = /^\[project\]\s*$([\s\S]*?)(?=^\[|$(?![\s\S]))/m.exec(text)?.[1];
  if (!proj) return;
  meta.sources.push('pyproject.toml');
  const get = (k: string) => new RegExp(`^${k}\\s*=\\s*["']([^"'\\n]*)["']`, 'm').exec(proj)?.[1];
  meta.name ??= get('name');
  meta.version ??= get('version');
  meta.summary ??= get('description');
  const deps = /^dependencies\s*=\s*\[([\s\S]*?)\]/m.exec(proj)?.[1];
  if (deps) for (const m of deps.matchAll(/["']([^"']+)["']/g)) meta.requiresDist.push(m[1]);
}

/** URL or VCS requirements (PEP 508 `name @ url`) in Requires-Dist. */
export function urlRequirements(meta: PackageMeta): string[] {
  const out = meta.requiresDist.filter((r) => /@\s*(?:https?|git\+|svn\+|hg\+|file):|^(?:https?:\/\/|git\+[a-z]+:)/i.test(r));
  return [...out, ...meta.dependencyLinks];
}
