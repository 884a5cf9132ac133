// The domain model of a simple-repository page (PEP 503 / 691), independent of its wire form.
// Parsers fill it from upstream HTML or JSON; renderers write it back out. Nothing here does I/O.

export interface IndexFile {
  filename: string;
  /** Absolute URL: parsers resolve relative hrefs against the page URL; the fragment is removed. */
  url: string;
  /** Hash name → lowercase hex, from the `#sha256=...` fragment (HTML) or `hashes` (JSON). */
  hashes: Record<string, string>;
  /** data-requires-python / requires-python, unescaped. */
  requiresPython?: string;
  /** PEP 592: absent/false = not yanked; true = yanked; a string = yanked with that reason. */
  yanked?: boolean | string;
  /** PEP 658/714: true = metadata exists, hash unknown; a record = its hashes. */
  coreMetadata?: boolean | Record<string, string>;
  /** PEP 700. */
  size?: number;
  /** PEP 700, ISO 8601 exactly as upstream gave it. */
  uploadTime?: string;
  /** PEP 740 provenance URL (https) as given; null when upstream says explicitly there is none. */
  provenance?: string | null;
  /** data-gpg-sig (legacy PEP 503). */
  gpgSig?: boolean;
  /** The named upstream whose page listed it (set when there are several; never rendered). */
  upstream?: string;
}

/** PEP 792 project status; `status` is active | archived | quarantined | deprecated (others kept as given). */
export interface ProjectStatus {
  status: string;
  reason?: string;
}

export interface ProjectPage {
  /** As upstream gives it (JSON "name"), else the normalized name. */
  name: string;
  files: IndexFile[];
  /** PEP 700. */
  versions?: string[];
  /** JSON meta._last-serial. */
  lastSerial?: number;
  /** PEP 792. */
  status?: ProjectStatus;
}

export interface RootPage {
  /** Project names as listed upstream. */
  projects: string[];
  lastSerial?: number;
}

export type Format = 'json' | 'html';
