// Configuration: defaults < config file (YAML or JSON) < environment (PYWARDEN_*) < command line.
// Parsed and validated once, here; every message says what to fix (STYLE.md habit 6).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export type Mode = 'enforce' | 'monitor';
export type RefusedListing = 'hide' | 'yank' | 'show';

export interface Lists {
  /** Normalized project names. */
  projects: string[];
  /** "project==version" with a normalized project name. */
  versions: string[];
  /** Lower-case hex sha256 digests. */
  sha256: string[];
}

/** Credentials for an http(s) upstream: Basic (user and password) or a bearer token. Never logged. */
export type UpstreamAuth = { username: string; password: string } | { token: string };

/** One upstream of several (issue 12), validated. */
export interface UpstreamSpec {
  /** Shown on the review page and in logs; names the hosted index in /-/upload/<name>/. */
  name: string;
  kind: 'http' | 'folder' | 'hosted';
  /** http: the index URL ending in "/", without credentials; folder: an absolute path; hosted: ''. */
  url: string;
  /** A name found here is never looked up on a public upstream (dependency confusion). */
  private: boolean;
  /** Name patterns ("acme-*") served only from this upstream, whoever else has them. */
  routes: string[];
  /** Names on this private upstream whose public files are listed next to its own. */
  merge: string[];
  auth: UpstreamAuth | null;
  /** Origins besides its own that its pages' file URLs may point at. */
  fileOrigins: string[];
}

export interface Config {
  host: string;
  port: number;
  /** An http(s) simple index URL ending in "/", or an absolute folder path. */
  upstream: string;
  /** Several upstreams in priority order, private ones first; empty: `upstream` alone (named "default"). */
  upstreams: UpstreamSpec[];
  data: string;
  /** '' : the embedded SQLite file in `data`; a postgres:// URL: a PostgreSQL database shared by replicas (issue 13). */
  database: string;
  /** Seconds a cached index page is fresh before it is revalidated upstream. */
  pageTtl: number;
  /** Serving processes on the one port (node:cluster); 0: one per core, 1: a single process. */
  processes: number;
  /** Seconds a process's claim on a download or scan lasts unrenewed: how soon another takes over when it dies. */
  leaseSeconds: number;
  /** Seconds a cached "not found" from upstream is kept. */
  negativeTtl: number;
  /** Milliseconds to wait for upstream headers and between body chunks. */
  upstreamTimeout: number;
  mode: Mode;
  refusedListing: RefusedListing;
  /** Who developers ask about a refusal (an address or URL), named in every refusal's reason phrase; '' says nothing. */
  refusalContact: string;
  /** Hours a new upload is held back (PEP 700 upload-time); 0 disables. */
  cooldownHours: number;
  scanAhead: boolean;
  scanAheadConcurrency: number;
  scanWorkers: number;
  /** Scans run as jobs in the database, done by `pywarden scan-worker` processes; serving processes scan nothing. */
  scanJobs: boolean;
  /** Seconds a scan worker may sit without a scan before it stops (0: never). */
  scanWorkerIdle: number;
  /** MiB of resident memory one scan process may use; a scan over it is killed (verdict error). */
  scanMemoryLimit: number;
  requireTokenForDownloads: boolean;
  /** http(s) URL that receives a JSON POST for every newly held file; '' disables. */
  webhookUrl: string;
  /** http(s) URL of known-malicious advisories (OSV zip export or JSON) fetched on a schedule; '' disables. */
  intelUrl: string;
  /** Seconds between two fetches of intelUrl. */
  intelInterval: number;
  allow: Lists;
  deny: Lists;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Origins besides the upstream's own that listed file URLs may point at (PyPI's files host is implied). */
  fileOrigins: string[];
  /** Largest distribution file fetched, in bytes. */
  maxFileSize: number;
  /** Cold downloads (upstream fetches of files not yet stored) running at once. */
  maxColdDownloads: number;
  /** Cold downloads waiting for a slot; beyond this a request gets 503 with Retry-After. */
  coldDownloadQueue: number;
  /** Bytes of distribution files kept in the blob store; least recently used files are evicted. 0: no quota. */
  blobQuota: number;
  /** MiB of memory for index pages, half for parsed upstream pages and half for rendered bytes (LRU). */
  pageCacheMb: number;
  /** Largest upstream index page accepted, in MiB. */
  maxPageMb: number;
  /** Most files an upstream index page may list. */
  maxPageFiles: number;
  /** Seconds within which repeated refusals of one file to one client for one reason share an audit row. */
  auditCoalesceSeconds: number;
  /** /metrics needs a token of the reader role or above. */
  metricsRequireToken: boolean;
  /** Open client connections at most (0: no limit). */
  maxConnections: number;
  /** Open connections from one client address at most (0: no limit). */
  maxConnectionsPerClient: number;
  /** Milliseconds a client has to send its request headers. */
  headersTimeout: number;
  /** Milliseconds a client has to send its whole request (0: no limit). */
  requestTimeout: number;
  /** Milliseconds an idle keep-alive connection stays open. */
  keepAliveTimeout: number;
  /**
   * '' : the proxy sends file bytes itself. A URI prefix such as "/_pywarden/blobs/": a file whose
   * verdict allows serving is answered with `X-Accel-Redirect: <prefix><blob path>` and no body,
   * for an nginx in front whose `internal` location with that prefix aliases the blob folder (issue 13).
   */
  accelRedirect: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULTS: Config = {
  host: '127.0.0.1',
  port: 3141,
  upstream: 'https://pypi.org/simple/',
  upstreams: [],
  data: './data',
  database: '',
  pageTtl: 600,
  negativeTtl: 60,
  leaseSeconds: 30,
  processes: 0,
  upstreamTimeout: 30_000,
  mode: 'enforce',
  refusedListing: 'yank',
  refusalContact: '',
  cooldownHours: 0,
  scanAhead: true,
  scanAheadConcurrency: 2,
  scanWorkers: 0,
  scanJobs: false,
  scanWorkerIdle: 30,
  scanMemoryLimit: 1024,
  requireTokenForDownloads: false,
  webhookUrl: '',
  intelUrl: '',
  intelInterval: 3600,
  allow: { projects: [], versions: [], sha256: [] },
  deny: { projects: [], versions: [], sha256: [] },
  logLevel: 'info',
  fileOrigins: [],
  maxFileSize: 2 * 1024 ** 3,
  maxColdDownloads: 4,
  coldDownloadQueue: 64,
  blobQuota: 50 * 1024 ** 3,
  pageCacheMb: 32,
  maxPageMb: 32,
  maxPageFiles: 100_000,
  auditCoalesceSeconds: 3600,
  metricsRequireToken: false,
  maxConnections: 2000,
  maxConnectionsPerClient: 200,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  accelRedirect: '',
};

type Kind = 'prefix' | 'database' | 'upstreams' | 'string' | 'phrase' | 'url' | 'port' | 'int' | 'bool' | 'mode' | 'listing' | 'lists' | 'level' | 'origins' | 'bytes';
const KEYS: Record<keyof Config, Kind> = {
  host: 'string',
  port: 'port',
  upstream: 'string',
  upstreams: 'upstreams',
  data: 'string',
  database: 'database',
  pageTtl: 'int',
  negativeTtl: 'int',
  leaseSeconds: 'int',
  processes: 'int',
  upstreamTimeout: 'int',
  mode: 'mode',
  refusedListing: 'listing',
  refusalContact: 'phrase',
  cooldownHours: 'int',
  scanAhead: 'bool',
  scanAheadConcurrency: 'int',
  scanWorkers: 'int',
  scanJobs: 'bool',
  scanWorkerIdle: 'int',
  scanMemoryLimit: 'int',
  requireTokenForDownloads: 'bool',
  webhookUrl: 'url',
  intelUrl: 'url',
  intelInterval: 'int',
  allow: 'lists',
  deny: 'lists',
  logLevel: 'level',
  fileOrigins: 'origins',
  maxFileSize: 'bytes',
  maxColdDownloads: 'int',
  coldDownloadQueue: 'int',
  blobQuota: 'bytes',
  pageCacheMb: 'int',
  maxPageMb: 'int',
  maxPageFiles: 'int',
  auditCoalesceSeconds: 'int',
  metricsRequireToken: 'bool',
  maxConnections: 'int',
  maxConnectionsPerClient: 'int',
  headersTimeout: 'int',
  requestTimeout: 'int',
  keepAliveTimeout: 'int',
  accelRedirect: 'prefix',
};

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tib: 1024 ** 4 };

/** camelCase key → PYWARDEN_SNAKE_CASE environment variable. */
export function envName(key: string): string {
  return 'PYWARDEN_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

/** camelCase key → --kebab-case flag. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function coerce(key: keyof Config, kind: Kind, value: unknown, source: string): unknown {
  const bad = (want: string) =>
    new ConfigError(`${source}: "${key}" must be ${want}, got ${JSON.stringify(value)}`);
  switch (kind) {
    case 'upstreams': {
      // A list (config file), or the same list as JSON (environment, command line).
      let list = value;
      if (typeof value === 'string') {
        try {
          list = JSON.parse(value);
        } catch {
          throw bad('a JSON list of upstreams');
        }
      }
      if (!Array.isArray(list)) throw bad('a list of upstreams (each with a name and a url, path or hosted: true)');
      return list.map((e, i) => upstreamEntry(e, `${source}: "upstreams[${i}]"`));
    }
    case 'string':
      if (typeof value !== 'string' || value === '') throw bad('a non-empty string');
      return value;
    case 'phrase':
      // It goes into the status line: printable ASCII, short, '' for none.
      if (typeof value !== 'string' || !/^[\x20-\x7e]{0,80}$/.test(value)) throw bad('at most 80 printable ASCII characters (it is sent in the HTTP status line)');
      return value.trim();
    case 'prefix':
      // Becomes a header value nginx resolves as a URI: a plain absolute path that ends in "/".
      if (typeof value !== 'string' || (value !== '' && (!/^\/(?:[A-Za-z0-9._~-]+\/)+$/.test(value) || /\/\.\.?\//.test(value)))) {
        throw bad('"" (off) or a URI prefix such as "/_pywarden/blobs/" (starts and ends with "/", letters, digits, ".", "_", "~", "-" only)');
      }
      return value;
    case 'database':
      if (typeof value !== 'string' || (value !== '' && !/^postgres(ql)?:\/\/./i.test(value))) throw bad('a postgres:// URL, or "" for the SQLite file in the data folder');
      return value;
    case 'url':
      // '' switches the feature off.
      if (typeof value !== 'string' || (value !== '' && !/^https?:\/\/[^/]/i.test(value))) throw bad('an http(s) URL or ""');
      return value;
    case 'port':
    case 'int': {
      const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw bad('a non-negative integer');
      if (kind === 'port' && n > 65535) throw bad('a port number between 0 and 65535');
      return n;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1' || value === 'yes') return true;
      if (value === 'false' || value === '0' || value === 'no') return false;
      throw bad('true or false');
    case 'mode':
      if (value !== 'enforce' && value !== 'monitor') throw bad('"enforce" or "monitor"');
      return value;
    case 'listing':
      if (value !== 'hide' && value !== 'yank' && value !== 'show') throw bad('"hide", "yank" or "show"');
      return value;
    case 'bytes': {
      // A count of bytes, or a size with a binary unit: 2147483648, "2GiB", "512 MiB".
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
      const m = typeof value === 'string' ? /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(value) : null;
      const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
      if (!m || unit === undefined) throw bad('a number of bytes, or a size such as "2GiB" or "512MiB"');
      return Number(m[1]) * unit;
    }
    case 'origins': {
      // A list, or a comma-separated string (environment, command line).
      const list = typeof value === 'string' ? value.split(',').map((x) => x.trim()).filter(Boolean) : value;
      if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) throw bad('a list of http(s) origins');
      return list.map((o: string) => {
        let u: URL | null = null;
        try {
          u = new URL(o);
        } catch {
          /* reported below */
        }
        if (!u || !/^https?:$/.test(u.protocol) || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username) {
          throw new ConfigError(`${source}: "${key}" entries must be origins such as "https://files.example.com", got ${JSON.stringify(o)}`);
        }
        return u.origin;
      });
    }
    case 'level':
      if (!['debug', 'info', 'warn', 'error', 'silent'].includes(value as string))
        throw bad('one of debug, info, warn, error, silent');
      return value;
    case 'lists': {
      const v = typeof value === 'string' ? JSON.parse(value) : value;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('a map with projects, versions, sha256 lists');
      const out: Lists = { projects: [], versions: [], sha256: [] };
      for (const [k, list] of Object.entries(v as Record<string, unknown>)) {
        if (!(k in out)) throw new ConfigError(`${source}: "${key}.${k}" is not a known key (use projects, versions, sha256)`);
        if (list == null) continue;
        if (!Array.isArray(list) || list.some((x) => typeof x !== 'string'))
          throw new ConfigError(`${source}: "${key}.${k}" must be a list of strings`);
        out[k as keyof Lists] = normalizeList(k as keyof Lists, list as string[], `${source}: "${key}.${k}"`);
      }
      return out;
    }
  }
}

const normName = (s: string) => s.replace(/[-_.]+/g, '-').toLowerCase();

function normalizeList(kind: keyof Lists, list: string[], where: string): string[] {
  return list.map((item) => {
    if (kind === 'sha256') {
      if (!/^[0-9a-fA-F]{64}$/.test(item)) throw new ConfigError(`${where}: "${item}" is not a sha256 hex digest`);
      return item.toLowerCase();
    }
    if (kind === 'versions') {
      const m = /^\s*([A-Za-z0-9._-]+)\s*==\s*([^\s]+)\s*$/.exec(item);
      if (!m) throw new ConfigError(`${where}: "${item}" must look like "project==1.2.3"`);
      return `${normName(m[1])}==${m[2]}`;
    }
    return normName(item);
  });
}

export interface ConfigSources {
  /** Parsed command-line flags, camelCase keys. */
  flags?: Partial<Record<keyof Config, unknown>>;
  env?: NodeJS.ProcessEnv;
  /** Config file path (YAML or JSON). */
  file?: string;
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const merged: Record<string, unknown> = { ...DEFAULTS };
  const file = (sources.flags as Record<string, unknown> | undefined)?.['config'] ?? sources.file ?? env.PYWARDEN_CONFIG;
  if (typeof file === 'string' && file) Object.assign(merged, readConfigFile(file));
  for (const key of Object.keys(KEYS) as (keyof Config)[]) {
    const v = env[envName(key)];
    if (v !== undefined && v !== '') merged[key] = coerce(key, KEYS[key], v, `environment ${envName(key)}`);
  }
  for (const [key, v] of Object.entries(sources.flags ?? {})) {
    if (key === 'config' || v === undefined) continue;
    if (!(key in KEYS)) throw new ConfigError(`unknown option --${flagName(key)}`);
    merged[key] = coerce(key as keyof Config, KEYS[key as keyof Config], v, `option --${flagName(key)}`);
  }
  return validate(merged as unknown as Config, env);
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML is a superset of JSON, so one parser reads both.
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (doc == null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${file} must hold a map of keys`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!(key in KEYS)) {
      throw new ConfigError(`config file ${file}: unknown key "${key}" (known keys: ${Object.keys(KEYS).join(', ')})`);
    }
    out[key] = coerce(key as keyof Config, KEYS[key as keyof Config], value, `config file ${file}`);
  }
  return out;
}

function validate(c: Config, env: NodeJS.ProcessEnv = {}): Config {
  if (/^https?:\/\//i.test(c.upstream)) {
    let u: URL;
    try {
      u = new URL(c.upstream);
    } catch {
      throw new ConfigError('upstream is not a valid URL'); // not echoed: it may hold a password
    }
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    c.upstream = u.href;
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(c.upstream)) {
    throw new ConfigError(`upstream "${c.upstream}" must be an http(s) URL or a local folder`);
  } else {
    c.upstream = path.resolve(c.upstream);
  }
  c.upstreams = c.upstreams.length ? c.upstreams.map((u) => resolveUpstream(u, env)) : [resolveUpstream(legacyUpstream(c.upstream), env)];
  const names = new Set<string>();
  let seenPublic = '';
  for (const u of c.upstreams) {
    if (names.has(u.name)) throw new ConfigError(`upstreams: the name "${u.name}" is used twice; each upstream needs its own name`);
    names.add(u.name);
    // Written as it behaves: every private upstream is asked before any public one.
    if (!u.private) seenPublic ||= u.name;
    else if (seenPublic) throw new ConfigError(`upstreams: private upstream "${u.name}" comes after public upstream "${seenPublic}"; list private upstreams first`);
  }
  c.data = path.resolve(c.data);
  if (c.leaseSeconds < 1) throw new ConfigError('leaseSeconds must be at least 1');
  if (c.scanAheadConcurrency < 1) throw new ConfigError('scanAheadConcurrency must be at least 1');
  // A scan process holds the parser and the classifier (about 120 MiB after one scan).
  if (c.scanMemoryLimit < 256) throw new ConfigError(`scanMemoryLimit must be at least 256 (MiB), got ${c.scanMemoryLimit}`);
  if (c.maxColdDownloads < 1) throw new ConfigError('maxColdDownloads must be at least 1');
  if (c.maxFileSize < 1) throw new ConfigError('maxFileSize must be at least 1 byte');
  if (c.blobQuota && c.blobQuota < c.maxFileSize) {
    throw new ConfigError(`blobQuota (${c.blobQuota} bytes) is below maxFileSize (${c.maxFileSize} bytes): a file that large could never be stored; raise blobQuota or lower maxFileSize`);
  }
  if (c.pageCacheMb < 2) throw new ConfigError('pageCacheMb must be at least 2 (MiB)');
  if (c.maxPageMb < 1) throw new ConfigError('maxPageMb must be at least 1 (MiB)');
  if (c.maxPageFiles < 1) throw new ConfigError('maxPageFiles must be at least 1');
  if (c.headersTimeout < 1) throw new ConfigError('headersTimeout must be at least 1 (ms)');
  // Node refuses a header deadline longer than the whole-request deadline.
  if (c.requestTimeout > 0 && c.headersTimeout > c.requestTimeout) {
    throw new ConfigError(`headersTimeout (${c.headersTimeout} ms) must not exceed requestTimeout (${c.requestTimeout} ms); raise requestTimeout or set it to 0`);
  }
  // An export of all PyPI advisories is tens of MiB: not something to fetch every few seconds.
  if (c.intelInterval < 60) throw new ConfigError(`intelInterval must be at least 60 seconds, got ${c.intelInterval}`);
  return c;
}

/** Input keys of one `upstreams` entry. */
const UPSTREAM_KEYS = ['name', 'url', 'path', 'hosted', 'private', 'routes', 'merge', 'token', 'tokenEnv', 'username', 'password', 'passwordEnv', 'fileOrigins'];

/** Name patterns: normalized project names with "*" wildcards. */
function patterns(v: unknown, where: string): string[] {
  if (v == null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !/^[A-Za-z0-9*._-]+$/.test(x))) {
    throw new ConfigError(`${where} must be a list of project names or patterns such as "acme-*"`);
  }
  return (v as string[]).map(normName);
}

/** Checks one entry's shape; credentials named by environment variables are read in resolveUpstream. */
function upstreamEntry(e: unknown, where: string): UpstreamSpec & { tokenEnv?: string; passwordEnv?: string } {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new ConfigError(`${where} must be a map with name and url (or path, or hosted: true)`);
  const o = e as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!UPSTREAM_KEYS.includes(k)) throw new ConfigError(`${where}: unknown key "${k}" (known keys: ${UPSTREAM_KEYS.join(', ')})`);
  if (typeof o.name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(o.name)) {
    throw new ConfigError(`${where}.name must be lower-case letters, digits and "-" (it appears in URLs), got ${JSON.stringify(o.name)}`);
  }
  const sources = ['url', 'path', 'hosted'].filter((k) => o[k] !== undefined && o[k] !== false);
  if (sources.length !== 1) throw new ConfigError(`${where} ("${o.name}") needs exactly one of url, path or hosted: true`);
  for (const k of ['token', 'tokenEnv', 'username', 'password', 'passwordEnv', 'url', 'path']) {
    if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) throw new ConfigError(`${where}.${k} must be a non-empty string`);
  }
  for (const k of ['private', 'hosted']) if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new ConfigError(`${where}.${k} must be true or false`);
  const hosted = o.hosted === true;
  if (hosted && o.private === false) throw new ConfigError(`${where}: the hosted index "${o.name}" is private by definition; remove private: false`);
  const isPrivate = hosted || o.private === true;
  const merge = patterns(o.merge, `${where}.merge`);
  if (merge.length && !isPrivate) throw new ConfigError(`${where}.merge: only a private upstream's names can be merged with public ones`);
  const token = (o.token ?? undefined) as string | undefined;
  const user = (o.username ?? undefined) as string | undefined;
  if ((token || o.tokenEnv) && (user || o.password || o.passwordEnv)) throw new ConfigError(`${where}: give a token or a username and password, not both`);
  if ((hosted || o.path) && (token || o.tokenEnv || user || o.password || o.passwordEnv)) throw new ConfigError(`${where}: credentials apply only to an http(s) url`);
  return {
    name: o.name,
    kind: hosted ? 'hosted' : o.path ? 'folder' : 'http',
    url: hosted ? '' : ((o.url ?? o.path) as string),
    private: isPrivate,
    routes: patterns(o.routes, `${where}.routes`),
    merge,
    auth: token ? { token } : user || o.password ? { username: user ?? '', password: (o.password as string | undefined) ?? '' } : null,
    fileOrigins: o.fileOrigins === undefined ? [] : (coerce('fileOrigins', 'origins', o.fileOrigins, where) as string[]),
    tokenEnv: o.tokenEnv as string | undefined,
    passwordEnv: o.passwordEnv as string | undefined,
  };
}

function legacyUpstream(spec: string): UpstreamSpec {
  const http = /^https?:\/\//i.test(spec);
  return { name: 'default', kind: http ? 'http' : 'folder', url: spec, private: false, routes: [], merge: [], auth: null, fileOrigins: [] };
}

/** Normalizes the URL or path, moves credentials out of a URL, reads credentials named by environment variables. */
function resolveUpstream(u: UpstreamSpec & { tokenEnv?: string; passwordEnv?: string }, env: NodeJS.ProcessEnv): UpstreamSpec {
  const { tokenEnv, passwordEnv, ...spec } = u;
  const fromEnv = (name: string) => {
    const v = env[name];
    if (!v) throw new ConfigError(`upstream "${u.name}": environment variable ${name} is not set`);
    return v;
  };
  if (tokenEnv) spec.auth = { token: fromEnv(tokenEnv) };
  if (passwordEnv) spec.auth = { username: spec.auth && 'username' in spec.auth ? spec.auth.username : '', password: fromEnv(passwordEnv) };
  if (spec.kind === 'http' || (spec.kind === 'folder' && /^[a-z][a-z0-9+.-]*:\/\//i.test(spec.url))) {
    let url: URL;
    try {
      url = new URL(spec.url);
    } catch {
      // The URL may hold a password: do not echo it.
      throw new ConfigError(`upstream "${u.name}": the url is not a valid URL`);
    }
    if (!/^https?:$/.test(url.protocol)) throw new ConfigError(`upstream "${u.name}": the url must be http(s), or use path: for a local folder`);
    if (url.username || url.password) {
      if (spec.auth) throw new ConfigError(`upstream "${u.name}": credentials both in the url and as keys; keep one`);
      spec.auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
      url.username = '';
      url.password = '';
    }
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    spec.kind = 'http';
    spec.url = url.href;
  } else if (spec.kind === 'folder') {
    spec.url = path.resolve(spec.url);
  }
  return spec;
}
