// The index layer's public face: PEP 503/691 parse and render, content negotiation and name
// rules. Pure functions over strings; no I/O.
export type { Format, IndexFile, ProjectPage, ProjectStatus, RootPage } from './types.js';
export { IndexParseError } from './errors.js';
export { normalizeName, validProjectName, MAX_NAME_LENGTH } from './names.js';
export { isWheel, safeFilename, sdistExtension, versionFromFilename } from './filename.js';
export { CONTENT_TYPE, LEGACY_HTML_TYPE, negotiate, negotiateContentType, type Negotiated } from './negotiate.js';
export { parseProjectHtml, parseRootHtml } from './parse-html.js';
export { parseProjectJson, parseRootJson } from './parse-json.js';
export { deriveVersions, renderProjectHtml, renderProjectJson, renderRootHtml, renderRootJson } from './render.js';
export { apiVersion, rootApiVersion } from './api-version.js';
export { decodeEntities, escapeHtml } from './entities.js';
export { parseHashPair, primaryHash } from './hashes.js';
