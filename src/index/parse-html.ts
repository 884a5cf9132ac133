// PEP 503 HTML pages (with PEP 592, 629, 658/714, 740, 792 attributes) → the domain model.
import { IndexParseError } from './errors.js';
import { scanTags, textContent, type Attributes, type Tag } from './html-tokenizer.js';
import { safeFilename } from './filename.js';
import { normalizeName } from './names.js';
import { checkApiVersion } from './api-version.js';
import { parseHashPair } from './hashes.js';
import { allowedProtocol, hrefOf, protocolOf, resolveUrl } from './resolve-url.js';
import type { IndexFile, ProjectPage, ProjectStatus, RootPage } from './types.js';

interface RawAnchor {
  attrs: Attributes;
  text: string;
}

interface RawPage {
  anchors: RawAnchor[];
  baseHref?: string;
  metas: Map<string, string>;
}

const WANTED: ReadonlySet<string> = new Set(['a', 'base', 'meta']);

function collect(html: string): RawPage {
  const page: RawPage = { anchors: [], metas: new Map() };
  scanTags(html, (tag: Tag) => {
    if (tag.name === 'a') {
      // The anchor's text is what precedes the next markup of any kind: PEP 503 anchors hold a
      // bare file name, and stopping at the first "<" means an unclosed anchor, nested markup or
      // a comment can neither swallow later links nor hide a <base>. Scanning resumes right
      // after the tag, so every later tag is seen exactly as if this anchor had no text.
      let stop = html.indexOf('<', tag.end);
      if (stop < 0) stop = html.length;
      page.anchors.push({ attrs: tag.attrs, text: textContent(html.slice(tag.end, stop)) });
      return;
    }
    if (tag.name === 'base') {
      // HTML: the first <base> with an href sets the document base URL.
      const href = tag.attrs.get('href');
      if (page.baseHref === undefined && href !== undefined) page.baseHref = href.trim();
    } else if (tag.name === 'meta') {
      const name = tag.attrs.get('name')?.toLowerCase();
      const content = tag.attrs.get('content');
      if (name && content !== undefined && !page.metas.has(name)) page.metas.set(name, content);
    }
  }, WANTED);
  return page;
}

function absolute(pageUrl: string): URL {
  try {
    return new URL(pageUrl);
  } catch {
    throw new IndexParseError(`page URL is not absolute: ${JSON.stringify(pageUrl)}`);
  }
}

function resolveBase(raw: RawPage, page: URL): URL {
  if (raw.baseHref) {
    try {
      return new URL(raw.baseHref, page);
    } catch {
      // An unusable <base> is ignored, as browsers do.
    }
  }
  return page;
}

function coreMetadataAttr(value: string | undefined): IndexFile['coreMetadata'] {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v.toLowerCase() === 'false') return undefined;
  if (v === '' || v.toLowerCase() === 'true') return true;
  // PEP 714: the attribute's presence says the metadata exists, even if its hash is unreadable.
  return parseHashPair(v) ?? true;
}

function filenameFromUrl(u: URL | string): string {
  const path = new URL(hrefOf(u)).pathname;
  const last = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function fileFromAnchor(a: RawAnchor, base: URL, page: URL): IndexFile | undefined {
  const href = a.attrs.get('href');
  if (href === undefined || href.trim() === '') return undefined;
  // Split the fragment off first: cheaper than URL's hash setter, and the fragment is ours to read.
  const trimmed = href.trim();
  const sharp = trimmed.indexOf('#');
  const url = resolveUrl(sharp < 0 ? trimmed : trimmed.slice(0, sharp), base);
  if (url === undefined || !allowedProtocol(protocolOf(url), page)) return undefined;
  let hashes: Record<string, string> = {};
  if (sharp >= 0 && sharp < trimmed.length - 1) {
    let frag = trimmed.slice(sharp + 1);
    if (frag.indexOf('%') >= 0) {
      try {
        frag = decodeURIComponent(frag);
      } catch {
        // keep it raw
      }
    }
    hashes = parseHashPair(frag) ?? hashes;
  }
  // PEP 503: the anchor text is the file name; fall back to the URL's last segment, which is
  // what pip itself uses.
  const filename = a.text || filenameFromUrl(url);
  if (!safeFilename(filename)) return undefined;
  const file: IndexFile = { filename, url: hrefOf(url), hashes };
  const attrs = a.attrs;
  const rp = attrs.get('data-requires-python');
  if (rp !== undefined && rp.trim() !== '') file.requiresPython = rp;
  // PEP 592: present = yanked; a non-empty value is the reason.
  const yanked = attrs.get('data-yanked');
  if (yanked !== undefined) file.yanked = yanked === '' ? true : yanked;
  // PEP 714 renamed data-dist-info-metadata to data-core-metadata; read either, prefer the new one.
  const cm = coreMetadataAttr(attrs.get('data-core-metadata') ?? attrs.get('data-dist-info-metadata'));
  if (cm !== undefined) file.coreMetadata = cm;
  const gpg = attrs.get('data-gpg-sig');
  if (gpg !== undefined) file.gpgSig = gpg.trim().toLowerCase() === 'true';
  // PEP 740 HTML form.
  const prov = attrs.get('data-provenance');
  if (prov !== undefined && prov !== '') file.provenance = prov;
  return file;
}

function nameFromUrl(page: URL): string {
  const segments = page.pathname.split('/').filter((s) => s !== '');
  const last = segments[segments.length - 1] ?? '';
  let name = last;
  try {
    name = decodeURIComponent(last);
  } catch {
    // keep it raw
  }
  return normalizeName(name);
}

export function parseProjectHtml(html: string, pageUrl: string): ProjectPage {
  if (typeof html !== 'string') throw new IndexParseError('project page is not text');
  const page = absolute(pageUrl);
  const raw = collect(html);
  checkApiVersion(raw.metas.get('pypi:repository-version'), 'project page');
  const base = resolveBase(raw, page);
  const files: IndexFile[] = [];
  for (const a of raw.anchors) {
    const f = fileFromAnchor(a, base, page);
    if (f) files.push(f);
  }
  const result: ProjectPage = { name: nameFromUrl(page), files };
  const status = raw.metas.get('pypi:project-status');
  if (status !== undefined && status.trim() !== '') {
    const s: ProjectStatus = { status: status.trim() };
    const reason = raw.metas.get('pypi:project-status-reason');
    if (reason !== undefined && reason !== '') s.reason = reason;
    result.status = s;
  }
  return result;
}

export function parseRootHtml(html: string): RootPage {
  if (typeof html !== 'string') throw new IndexParseError('root page is not text');
  const raw = collect(html);
  checkApiVersion(raw.metas.get('pypi:repository-version'), 'root page');
  const projects: string[] = [];
  for (const a of raw.anchors) if (a.text) projects.push(a.text);
  return { projects };
}
