// PEP 629 repository versions. The version we announce is computed from what a page actually
// emits, so a client never sees a promise the page does not keep. Feature → minimum version, from
// the PEPs' "api version" sections as collected in PROTOCOL.md (the searchable corpus here holds
// PEP 700/629/833 text but not the living spec's history table, so 1.2-1.4 rest on the PEPs):
//   1.0  PEP 629 itself (+ PEP 658/714 metadata, which did not bump the version)
//   1.1  PEP 700: versions, size, upload-time (JSON only; HTML gained nothing)
//   1.2  PEP 708: tracks / alternate-locations (not implemented here, never emitted)
//   1.3  PEP 740: provenance (JSON "provenance", HTML data-provenance)
//   1.4  PEP 792: project-status (JSON "project-status", HTML pypi:project-status meta)
// PEP 833 freezes the HTML form, so HTML never goes above 1.4.
import { IndexParseError } from './errors.js';
import type { Format, ProjectPage } from './types.js';

/** PEP 629: a client must refuse a page whose major version it does not know. */
export function checkApiVersion(version: string | undefined, where: string): void {
  if (version === undefined) return;
  const m = /^\s*(\d+)(?:\.\d+)?/.exec(version);
  if (!m) throw new IndexParseError(`${where}: unreadable api version ${JSON.stringify(version)}`);
  if (Number(m[1]) !== 1) throw new IndexParseError(`${where}: unsupported api version ${version} (this proxy speaks 1.x)`);
}

export function apiVersion(page: ProjectPage, format: Format): string {
  if (page.status) return '1.4';
  if (format === 'json') {
    // JSON always carries PEP 700 "versions" (and "size" when known); provenance may be null and
    // still counts as the PEP 740 key being emitted.
    return page.files.some((f) => f.provenance !== undefined) ? '1.3' : '1.1';
  }
  return page.files.some((f) => typeof f.provenance === 'string' && f.provenance !== '') ? '1.3' : '1.0';
}

/** Root pages carry none of the later features, in either form. */
export function rootApiVersion(_format: Format): string {
  return '1.0';
}
