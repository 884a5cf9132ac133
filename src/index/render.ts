// The domain model → PEP 503 HTML and PEP 691 JSON. Output depends only on the input (no
// clock, no randomness), so the server can cache the bytes and derive a stable ETag from them.
import { apiVersion, rootApiVersion } from './api-version.js';
import { escapeHtml } from './entities.js';
import { versionFromFilename } from './filename.js';
import { primaryHash } from './hashes.js';
import { normalizeName } from './names.js';
import type { IndexFile, ProjectPage, RootPage } from './types.js';

function hashAttr(hashes: Record<string, string>): string | undefined {
  const h = primaryHash(hashes);
  return h ? `${h[0]}=${h[1]}` : undefined;
}

function anchor(f: IndexFile): string {
  const frag = hashAttr(f.hashes);
  let out = '<a href="' + escapeHtml(frag ? `${f.url}#${frag}` : f.url) + '"';
  // PEP 503: requires-python is HTML-escaped ("&gt;=3.8").
  if (f.requiresPython !== undefined) out += ' data-requires-python="' + escapeHtml(f.requiresPython) + '"';
  // PEP 592: empty attribute = yanked without reason.
  if (f.yanked === true) out += ' data-yanked=""';
  else if (typeof f.yanked === 'string' && f.yanked !== '') out += ' data-yanked="' + escapeHtml(f.yanked) + '"';
  else if (f.yanked === '') out += ' data-yanked=""';
  if (f.coreMetadata) {
    const v = f.coreMetadata === true ? 'true' : (hashAttr(f.coreMetadata) ?? 'true');
    // PEP 714: the new name plus the legacy twin that pip 22.x (< 23.2) reads.
    out += ' data-core-metadata="' + escapeHtml(v) + '" data-dist-info-metadata="' + escapeHtml(v) + '"';
  }
  if (f.gpgSig !== undefined) out += ' data-gpg-sig="' + (f.gpgSig ? 'true' : 'false') + '"';
  if (typeof f.provenance === 'string' && f.provenance !== '') out += ' data-provenance="' + escapeHtml(f.provenance) + '"';
  return out + '>' + escapeHtml(f.filename) + '</a><br />\n';
}

export function renderProjectHtml(page: ProjectPage): string {
  const title = escapeHtml(normalizeName(page.name));
  const parts: string[] = [
    '<!DOCTYPE html>\n<html>\n<head>\n',
    `<meta name="pypi:repository-version" content="${apiVersion(page, 'html')}">\n`,
  ];
  if (page.status) {
    parts.push(`<meta name="pypi:project-status" content="${escapeHtml(page.status.status)}">\n`);
    if (page.status.reason !== undefined && page.status.reason !== '') {
      parts.push(`<meta name="pypi:project-status-reason" content="${escapeHtml(page.status.reason)}">\n`);
    }
  }
  parts.push(`<title>Links for ${title}</title>\n</head>\n<body>\n<h1>Links for ${title}</h1>\n`);
  for (const f of page.files) parts.push(anchor(f));
  parts.push('</body>\n</html>\n');
  return parts.join('');
}

/**
 * PEP 700 `versions` for pages whose upstream gave none (HTML upstreams): the versions named by
 * the listed files, in order of first appearance, without duplicates.
 */
export function deriveVersions(page: ProjectPage): string[] {
  const seen = new Set<string>();
  for (const f of page.files) {
    const v = versionFromFilename(f.filename, page.name);
    if (v !== null) seen.add(v);
  }
  return [...seen];
}

function fileJson(f: IndexFile): Record<string, unknown> {
  const o: Record<string, unknown> = { filename: f.filename, url: f.url, hashes: f.hashes };
  if (f.requiresPython !== undefined) o['requires-python'] = f.requiresPython;
  // PEP 700 makes "size" mandatory, but an HTML upstream does not tell us the size before the
  // file is fetched. Writing 0 would be a lie that breaks clients checking lengths, so the key is
  // omitted when unknown (uv and pip treat it as optional); the server fills it in once known.
  if (f.size !== undefined) o.size = f.size;
  if (f.uploadTime !== undefined) o['upload-time'] = f.uploadTime;
  // PEP 691: yanked is always written, false when not yanked.
  o.yanked = f.yanked === true || f.yanked === '' ? true : typeof f.yanked === 'string' ? f.yanked : false;
  if (f.coreMetadata) {
    const cm = f.coreMetadata === true ? true : f.coreMetadata;
    o['core-metadata'] = cm;
    // The legacy twin as PyPI writes it. Never the PEP 691 spelling "dist-info-metadata": pip
    // 22.3-23.1 fail hard on it, which is why PEP 714 renamed the key.
    o['data-dist-info-metadata'] = cm;
  }
  if (f.gpgSig !== undefined) o['gpg-sig'] = f.gpgSig;
  if (f.provenance !== undefined) o.provenance = f.provenance;
  return o;
}

export function renderProjectJson(page: ProjectPage): string {
  const meta: Record<string, unknown> = { 'api-version': apiVersion(page, 'json') };
  if (page.lastSerial !== undefined) meta['_last-serial'] = page.lastSerial;
  const o: Record<string, unknown> = { meta, name: page.name };
  if (page.status) {
    const s: Record<string, string> = { status: page.status.status };
    if (page.status.reason !== undefined && page.status.reason !== '') s.reason = page.status.reason;
    o['project-status'] = s;
  }
  o.versions = page.versions ?? deriveVersions(page);
  o.files = page.files.map(fileJson);
  return JSON.stringify(o);
}

export function renderRootHtml(root: RootPage): string {
  const parts: string[] = [
    '<!DOCTYPE html>\n<html>\n<head>\n',
    `<meta name="pypi:repository-version" content="${rootApiVersion('html')}">\n`,
    '<title>Simple index</title>\n</head>\n<body>\n',
  ];
  // Relative hrefs: the root page works whatever prefix the proxy is mounted at.
  for (const name of root.projects) {
    parts.push(`<a href="${escapeHtml(encodeURIComponent(normalizeName(name)))}/">${escapeHtml(name)}</a><br />\n`);
  }
  parts.push('</body>\n</html>\n');
  return parts.join('');
}

export function renderRootJson(root: RootPage): string {
  const meta: Record<string, unknown> = { 'api-version': rootApiVersion('json') };
  if (root.lastSerial !== undefined) meta['_last-serial'] = root.lastSerial;
  return JSON.stringify({ meta, projects: root.projects.map((name) => ({ name })) });
}
