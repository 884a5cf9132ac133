// PEP 691 JSON pages (with PEP 592, 658/714, 700, 740, 792 keys) → the domain model.
// Validated field by field: a wrong type anywhere throws IndexParseError (the server answers 502
// and caches nothing) rather than letting a half-understood page through.
import { IndexParseError } from './errors.js';
import { checkApiVersion } from './api-version.js';
import { parseHashPair, validHash } from './hashes.js';
import { allowedProtocol, hrefOf, protocolOf, resolveUrl } from './resolve-url.js';
import { safeFilename } from './filename.js';
import { normalizeName } from './names.js';
import type { IndexFile, ProjectPage, ProjectStatus, RootPage } from './types.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function load(body: string | unknown, what: string): Json {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch (err) {
      throw new IndexParseError(`${what} is not JSON: ${(err as Error).message}`);
    }
  } else if (body instanceof Uint8Array) {
    return load(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'), what);
  }
  if (!isObject(value)) throw new IndexParseError(`${what} is not a JSON object`);
  return value;
}

function fail(where: string, msg: string): never {
  throw new IndexParseError(`${where}: ${msg}`);
}

function optString(o: Json, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(where, `"${key}" must be a string`);
  return v;
}

function readMeta(o: Json, where: string): { lastSerial?: number } {
  const meta = o.meta;
  if (meta === undefined) return {};
  if (!isObject(meta)) fail(where, '"meta" must be an object');
  const version = meta['api-version'];
  if (version !== undefined && typeof version !== 'string') fail(where, '"meta.api-version" must be a string');
  checkApiVersion(version, where);
  const serial = meta['_last-serial'];
  if (serial === undefined || serial === null) return {};
  if (typeof serial !== 'number' || !Number.isSafeInteger(serial)) fail(where, '"meta._last-serial" must be an integer');
  return { lastSerial: serial };
}

// Hash names lowercased, values lowercase hex. A value that is not hex cannot be verified, so it
// is dropped (the file then has no usable hash and the server refuses to serve it: fail closed).
const LOWER_HEX = /^[0-9a-f]+$/;

function readHashes(v: unknown, where: string): Record<string, string> {
  if (!isObject(v)) fail(where, 'hashes must be an object');
  // Fast path: PyPI's `{"sha256": "<lowercase hex>"}`; a literal key keeps V8's fast object shape.
  const sha256 = v.sha256;
  if (typeof sha256 === 'string' && LOWER_HEX.test(sha256)) {
    let only = true;
    for (const k in v) if (k !== 'sha256') only = false;
    if (only) return { sha256 };
  }
  const out: Record<string, string> = {};
  for (const [k, h] of Object.entries(v)) {
    if (typeof h !== 'string') fail(where, `hash "${k}" must be a string`);
    if (validHash(k, h)) out[k.toLowerCase()] = h.toLowerCase();
  }
  return out;
}

function readCoreMetadata(v: unknown, where: string): IndexFile['coreMetadata'] {
  if (v === undefined || v === null || v === false) return undefined;
  if (v === true) return true;
  if (isObject(v)) return readHashes(v, where);
  // Some servers copy the HTML form into JSON; accept "true" / "sha256=..." too.
  if (typeof v === 'string') return v.toLowerCase() === 'true' ? true : (parseHashPair(v) ?? fail(where, 'unreadable core-metadata'));
  fail(where, 'core-metadata must be a boolean or an object of hashes');
}

function readFile(v: unknown, i: number, page: URL): IndexFile | undefined {
  const where = `files[${i}]`;
  if (!isObject(v)) fail(where, 'must be an object');
  const filename = v.filename;
  if (typeof filename !== 'string' || filename === '') fail(where, '"filename" must be a non-empty string');
  if (typeof v.url !== 'string' || v.url === '') fail(where, '"url" must be a non-empty string');
  // Same rule as the HTML parser: a name that could act as a path is not offered.
  if (!safeFilename(filename)) return undefined;
  // PEP 691: the URL may be relative to the page. A fragment is not part of the file's address.
  const sharp = v.url.indexOf('#');
  const url = resolveUrl(sharp < 0 ? v.url : v.url.slice(0, sharp), page);
  // An unparseable URL hides that one file (as in HTML) instead of failing the whole page.
  if (url === undefined) return undefined;
  // Same rule as the HTML parser: a file on another scheme (file:, data:, ...) is not offered.
  if (!allowedProtocol(protocolOf(url), page)) return undefined;
  // PEP 691 makes "hashes" mandatory; a page without it is tolerated as "no known hash".
  const file: IndexFile = { filename, url: hrefOf(url), hashes: v.hashes === undefined ? {} : readHashes(v.hashes, where) };
  const rp = optString(v, 'requires-python', where);
  if (rp !== undefined && rp.trim() !== '') file.requiresPython = rp;
  // PEP 691: a boolean or a non-empty reason, and only a truthy value means yanked. An empty
  // string is therefore not yanked, which is also how pip reads it (Link.from_json).
  const y = v.yanked;
  if (y === true) file.yanked = true;
  else if (typeof y === 'string') {
    if (y !== '') file.yanked = y;
  } else if (y !== undefined && y !== null && y !== false) fail(where, '"yanked" must be a boolean or a string');
  // PEP 714 name first; then PyPI's historical "data-dist-info-metadata" and PEP 691's original
  // "dist-info-metadata" (read, never written: pip 22.3-23.1 crash on the latter).
  const cm = readCoreMetadata(v['core-metadata'] ?? v['data-dist-info-metadata'] ?? v['dist-info-metadata'], where);
  if (cm !== undefined) file.coreMetadata = cm;
  const size = v.size;
  if (size !== undefined && size !== null) {
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) fail(where, '"size" must be a non-negative integer');
    file.size = size;
  }
  const ut = optString(v, 'upload-time', where);
  if (ut !== undefined) file.uploadTime = ut;
  if ('provenance' in v) {
    // PEP 740: a URL or null ("no provenance"); both are carried through.
    const p = v.provenance;
    if (p === null) file.provenance = null;
    else if (typeof p === 'string') file.provenance = p;
    else fail(where, '"provenance" must be a string or null');
  }
  const gpg = v['gpg-sig'];
  if (gpg !== undefined && gpg !== null) {
    if (typeof gpg !== 'boolean') fail(where, '"gpg-sig" must be a boolean');
    file.gpgSig = gpg;
  }
  return file;
}

function readStatus(v: unknown, where: string): ProjectStatus | undefined {
  if (v === undefined || v === null) return undefined;
  // PEP 792 final form is an object; a bare string is accepted from early implementations.
  if (typeof v === 'string') return v.trim() ? { status: v.trim() } : undefined;
  if (!isObject(v)) fail(where, '"project-status" must be an object');
  const status = v.status;
  if (status === undefined) return undefined;
  if (typeof status !== 'string') fail(where, '"project-status.status" must be a string');
  const s: ProjectStatus = { status };
  const reason = optString(v, 'reason', where);
  if (reason !== undefined && reason !== '') s.reason = reason;
  return s;
}

export function parseProjectJson(body: string | unknown, pageUrl: string): ProjectPage {
  let page: URL;
  try {
    page = new URL(pageUrl);
  } catch {
    throw new IndexParseError(`page URL is not absolute: ${JSON.stringify(pageUrl)}`);
  }
  const o = load(body, 'project page');
  const where = 'project page';
  const meta = readMeta(o, where);
  let name = optString(o, 'name', where);
  if (name === undefined || name === '') {
    const segments = page.pathname.split('/').filter((s) => s !== '');
    name = normalizeName(segments[segments.length - 1] ?? '');
  }
  if (!Array.isArray(o.files)) fail(where, '"files" must be an array');
  const files: IndexFile[] = [];
  o.files.forEach((f, i) => {
    const file = readFile(f, i, page);
    if (file) files.push(file);
  });
  const result: ProjectPage = { name, files };
  if (o.versions !== undefined && o.versions !== null) {
    if (!Array.isArray(o.versions) || !o.versions.every((x) => typeof x === 'string')) {
      fail(where, '"versions" must be an array of strings');
    }
    result.versions = o.versions as string[];
  }
  if (meta.lastSerial !== undefined) result.lastSerial = meta.lastSerial;
  const status = readStatus(o['project-status'], where);
  if (status) result.status = status;
  return result;
}

export function parseRootJson(body: string | unknown): RootPage {
  const o = load(body, 'root page');
  const where = 'root page';
  const meta = readMeta(o, where);
  if (!Array.isArray(o.projects)) fail(where, '"projects" must be an array');
  const projects = o.projects.map((p, i) => {
    if (!isObject(p) || typeof p.name !== 'string') fail(where, `projects[${i}].name must be a string`);
    return p.name;
  });
  const root: RootPage = { projects };
  if (meta.lastSerial !== undefined) root.lastSerial = meta.lastSerial;
  return root;
}
