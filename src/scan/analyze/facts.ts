// AnalysisFacts: everything the model helper needs for features, as a plain JSON-able object.
// All counts are over the members the analysis read; strings exclude docstrings and comments.
import type { Finding } from '../types.js';
import type { RuleContext } from './context.js';
import { isEager, SEVERITY_RANK } from './context.js';
import { callCaps, endpointIn, type Capability } from './capabilities.js';
import { entropy } from './strings.js';
import type { Location } from './location.js';

/**
 * - `format`, `container`, `fileBytes`, `totalBytes`, `members`: the archive.
 * - `files`: member counts by kind (`py`, `pth`, `so`, `pe`, `elf`, `macho`, `js`, `shell`,
 *   `other`), `pyParsed` (incl. decoded), `pyUnparsed` (over the parse budget), `links`.
 * - `meta`: parsed metadata (name, version, summary, descriptionLength, author, authorEmail,
 *   emailDomain, homePage, license, requiresDist, hasSetupPy, hasPyproject, wheelTags).
 * - `filesByLocation`: Python files per location (install/startup/import/module/test).
 * - `api[location][capability]`: count of calls per risky-API category (network, process, exec,
 *   decode, fileRead, fileWrite, collect, clipboard, dns) per location; `eagerApi` the same
 *   for calls that run when the file's trigger fires (module level, setuptools commands).
 * - `dynamic`: counts of getattr, __import__, globals/locals, chr, ord calls.
 * - `urls` (≤ 50 distinct), `ips` (raw IPv4 in strings), `endpoints` (exfil endpoint kind → count).
 * - `decoded`: blobs decoded, bytes, layers seen (→ count), executables, decoded Python files.
 * - `strings`: count, mean/max length, mean/max entropy, long high-entropy (≥40 chars, >4.5 bits).
 * - `lines`: total, longest line length, non-ASCII identifiers.
 * - `setup`: setup.py present, cmdclass classes, eager call sequence (names, ≤ 300) for clustering.
 * - `rules`: rule id → highest severity rank (0 info … 4 critical).
 */
export interface AnalysisFacts {
  format: string;
  container: string;
  fileBytes: number;
  totalBytes: number;
  members: number;
  files: Record<string, number>;
  meta: {
    name?: string;
    version?: string;
    summary?: string;
    descriptionLength: number;
    author?: string;
    authorEmail?: string;
    emailDomain?: string;
    homePage?: string;
    license?: string;
    requiresDist: string[];
    hasSetupPy: boolean;
    hasPyproject: boolean;
    wheelTags: string[];
  };
  filesByLocation: Record<Location, number>;
  api: Record<Location, Partial<Record<Capability, number>>>;
  eagerApi: Record<Location, Partial<Record<Capability, number>>>;
  dynamic: Record<string, number>;
  urls: string[];
  ips: string[];
  endpoints: Record<string, number>;
  decoded: { blobs: number; bytes: number; layers: Record<string, number>; executables: number; pyFiles: number };
  strings: { count: number; meanLength: number; maxLength: number; meanEntropy: number; maxEntropy: number; highEntropy: number };
  lines: { total: number; longest: number; nonAsciiIdents: number };
  setup: { present: boolean; cmdclass: string[]; callSequence: string[] };
  rules: Record<string, number>;
}

const LOCS: Location[] = ['install', 'startup', 'import', 'module', 'test'];

export function computeFacts(ctx: RuleContext, findings: Finding[], unparsed: number): AnalysisFacts {
  const d = ctx.dist;
  const files: Record<string, number> = { py: 0, pyParsed: 0, pyUnparsed: unparsed, pth: 0, so: 0, pe: 0, elf: 0, macho: 0, js: 0, shell: 0, other: 0, links: 0 };
  for (const m of d.members) {
    if (m.type === 'symlink' || m.type === 'hardlink') files.links++;
    if (m.type !== 'file') continue;
    const h = m.head;
    if (/\.(py|pyw|pyx)$/i.test(m.path)) files.py++;
    else if (m.path.endsWith('.pth')) files.pth++;
    else if (/\.js$/i.test(m.path)) files.js++;
    else if (/\.(sh|bat|cmd|ps1|vbs)$/i.test(m.path)) files.shell++;
    else if (/\.(so|pyd|dylib)(\.|$)/i.test(m.path)) files.so++;
    else files.other++;
    if (h[0] === 0x4d && h[1] === 0x5a) files.pe++;
    else if (h[0] === 0x7f && h[1] === 0x45 && h[2] === 0x4c && h[3] === 0x46) files.elf++;
    else if (h.length >= 4 && [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(h.readUInt32BE(0))) files.macho++;
  }
  files.pyParsed = ctx.py.length;
  const empty = () => Object.fromEntries(LOCS.map((l) => [l, {}])) as Record<Location, Partial<Record<Capability, number>>>;
  const api = empty();
  const eagerApi = empty();
  const filesByLocation = Object.fromEntries(LOCS.map((l) => [l, 0])) as Record<Location, number>;
  const dynamic: Record<string, number> = { getattr: 0, __import__: 0, globals: 0, chr: 0, ord: 0 };
  const urls = new Set<string>();
  const ips = new Set<string>();
  const endpoints: Record<string, number> = {};
  const decoded = { blobs: 0, bytes: 0, layers: {} as Record<string, number>, executables: 0, pyFiles: 0 };
  let sCount = 0, sLen = 0, sMax = 0, eSum = 0, eMax = 0, hiEnt = 0, total = 0, longest = 0, nonAscii = 0;
  const setup = { present: false, cmdclass: [] as string[], callSequence: [] as string[] };
  for (const f of ctx.py) {
    if (f.decodedFrom) decoded.pyFiles++;
    else filesByLocation[f.location]++;
    for (const c of f.view.calls) {
      const caps = callCaps(c.name);
      const eager = isEager(f, c);
      for (const k of caps) {
        api[f.location][k] = (api[f.location][k] ?? 0) + 1;
        if (eager) eagerApi[f.location][k] = (eagerApi[f.location][k] ?? 0) + 1;
      }
      const base = c.name.split('.').pop()!;
      if (base in dynamic) dynamic[base]++;
    }
    for (const s of f.view.strings) {
      sCount++;
      sLen += s.value.length;
      if (s.value.length > sMax) sMax = s.value.length;
      if (s.value.length >= 8 && s.value.length <= 100_000) {
        const e = entropy(s.value.length > 4096 ? s.value.slice(0, 4096) : s.value);
        eSum += e;
        if (e > eMax) eMax = e;
        if (s.value.length >= 40 && e > 4.5) hiEnt++;
      }
      if (s.value.length < 2000) {
        for (const m of s.value.matchAll(/\b(?:https?|ftp|wss?):\/\/[^\s'"<>]+/g)) if (urls.size < 50) urls.add(m[0].slice(0, 200));
        for (const m of s.value.matchAll(/\b(?:\d{1,3}\.){3}\d{1,3}\b/g)) if (ips.size < 50 && m[0].split('.').every((x) => Number(x) < 256)) ips.add(m[0]);
        const e = endpointIn(s.value);
        if (e) endpoints[e.kind] = (endpoints[e.kind] ?? 0) + 1;
      }
    }
    for (const b of f.view.decoded) {
      decoded.blobs++;
      decoded.bytes += b.text.length;
      if (b.executable) decoded.executables++;
      for (const l of b.layers) decoded.layers[l] = (decoded.layers[l] ?? 0) + 1;
    }
    if (!f.decodedFrom) {
      let lines = 1;
      let start = 0;
      for (let i = f.source.indexOf('\n'); i >= 0; i = f.source.indexOf('\n', i + 1)) {
        lines++;
        if (i - start > longest) longest = i - start;
        start = i + 1;
      }
      if (f.source.length - start > longest) longest = f.source.length - start;
      total += lines;
      nonAscii += f.view.nonAsciiIdents.length;
    }
    if (f.location === 'install' && /(^|\/)setup\.py$/.test(f.inner) && !f.decodedFrom) {
      setup.present = true;
      setup.cmdclass = f.view.classes.filter((c) => f.eager.has(`${c.name}.${c.methods[0]}`) || c.methods.some((m) => f.eager.has(`${c.name}.${m}`))).map((c) => c.name);
      setup.callSequence = f.view.calls.filter((c) => isEager(f, c)).map((c) => c.name).slice(0, 300);
    }
  }
  const rules: Record<string, number> = {};
  for (const f of findings) rules[f.rule] = Math.max(rules[f.rule] ?? 0, SEVERITY_RANK[f.severity]);
  const m = ctx.meta;
  return {
    format: d.format,
    container: d.container,
    fileBytes: d.fileBytes,
    totalBytes: d.totalBytes,
    members: d.members.length,
    files,
    meta: {
      name: m.name,
      version: m.version,
      summary: m.summary,
      descriptionLength: m.descriptionLength,
      author: m.author,
      authorEmail: m.authorEmail,
      emailDomain: /@([\w.-]+)/.exec(m.authorEmail ?? '')?.[1]?.toLowerCase(),
      homePage: m.homePage,
      license: m.license,
      requiresDist: m.requiresDist.slice(0, 100),
      hasSetupPy: ctx.py.some((f) => /(^|\/)setup\.py$/.test(f.inner) && f.location === 'install'),
      hasPyproject: ctx.texts.some((t) => t.inner === 'pyproject.toml'),
      wheelTags: ctx.wheelTags,
    },
    filesByLocation,
    api,
    eagerApi,
    dynamic,
    urls: [...urls],
    ips: [...ips],
    endpoints,
    decoded,
    strings: { count: sCount, meanLength: sCount ? sLen / sCount : 0, maxLength: sMax, meanEntropy: sCount ? eSum / sCount : 0, maxEntropy: eMax, highEntropy: hiEnt },
    lines: { total, longest, nonAsciiIdents: nonAscii },
    setup,
    rules,
  };
}
