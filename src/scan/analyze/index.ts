// The analysis: one parse per Python file, one pass of every rule over the parsed views, one
// verdict. Pure over the `Distribution` the archive reader produced (no I/O except loading the
// popular-project list once at start-up).
import { readFileSync } from 'node:fs';
import type { Distribution } from '../archive/types.js';
import type { Finding, Verdict } from '../types.js';
import { parsePython, type DecodedBlob } from './python.js';
import { innerPath, locate, type Location } from './location.js';
import { looksLikePython } from './decode.js';
import { emptyMeta, parseCoreMetadata, pyprojectMeta, setupKwargs } from './metadata.js';
import { computeFacts, type AnalysisFacts } from './facts.js';
import { decide } from './verdict.js';
import { RULES } from '../rules/index.js';
import type { PyFile, RuleContext, TextFile } from './context.js';
import { normalizeName } from './names.js';

export type { AnalysisFacts } from './facts.js';

export interface Analysis {
  verdict: Verdict;
  score: number;
  findings: Finding[];
  facts: AnalysisFacts;
}

const PY = /\.(py|pyw|pyx|pxi)$/i;
const META = /(^|\/)(PKG-INFO|METADATA|WHEEL|RECORD|requires\.txt|entry_points\.txt|dependency_links\.txt|top_level\.txt|setup\.cfg|pyproject\.toml)$/;
const SCRIPT = /\.(pth|sh|bash|bat|cmd|ps1|vbs|js|json)$/i;

/** Which members the archive reader keeps in memory for `analyze` (everything else: head only). */
export function wantsContent(memberPath: string, size: number): boolean {
  if (PY.test(memberPath)) return size <= 2 * 1024 * 1024;
  if (META.test(memberPath)) return size <= 1024 * 1024;
  if (SCRIPT.test(memberPath)) return size <= 256 * 1024;
  return false;
}

/** A string literal holding code that acts (not a template or a message). */
const EMBEDDED_CODE = /\b(?:exec|eval|urlopen|urlretrieve|system|popen|Popen|dup2|socket|b64decode|requests\.(?:get|post))\b[\s\S]*\(|\b(?:exec|eval|system|popen|Popen|dup2|b64decode)\s*\(/;
/**
 * Bytes of Python parsed per distribution: hot files (install, start-up, import) and ordinary
 * modules have separate budgets. Parsing is most of the scan time of a large library; these sizes
 * bring the scan p99 to about the 500 ms aim of issue 3 (docs/DETECTION.md, npm run eval).
 */
const HOT_BUDGET = 768 * 1024;
const MODULE_BUDGET = 256 * 1024;
/** Tokens that make a module worth parsing before others (a count ranks them). */
const STRONG_TOKENS = /exec\(|eval\(|b64decode|marshal\.loads|__import__|webhook|api\.telegram|Login Data|leveldb|wallet|Startup|CurrentVersion|powershell|CREATE_NO_WINDOW|\/dev\/tcp|dup2|os\.system|Popen|urlopen|urlretrieve|requests\.(?:get|post)|getenv|environ|gethostname|getuser/g;
/** Runs of 200+ base64 characters (each counts as a strong token), matched only where a run starts. */
const BASE64_RUNS = /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/=]{200,}/g;
const strongTokens = (text: string): number => (text.match(STRONG_TOKENS)?.length ?? 0) + (text.match(BASE64_RUNS)?.length ?? 0);
const hotOrder = (l: keyof typeof ORDER): number => (l === 'module' || l === 'test' ? 3 : ORDER[l]);
/** A top-level package's `__init__.py` (also under `src/`): what `import pkg` runs first. */
const TOP_INIT = /^(?:src\/)?(?:[^/]+\/)?__init__\.py$/;
/**
 * Files parsed only when a cheap text check (`worthParsing`) finds something a rule could act on
 * (risky API, threat string, encoded blob): ordinary modules, tests, and sub-package `__init__.py`
 * files (a large library such as plotly ships thousands, and they ate the hot budget). setup.py,
 * start-up files and a top-level `__init__.py` are always parsed. Large libraries are mostly
 * pure computation.
 */
const gated = (m: { location: Location; inner: string }): boolean => m.location === 'module' || m.location === 'test' || (m.location === 'import' && !TOP_INIT.test(m.inner));
/** Names and calls a rule could act on. */
const WORTH_TOKENS = /exec\s*\(|eval\s*\(|compile\s*\(|b64decode|decodebytes|fromhex|unhexlify|marshal|decompress|__import__|getattr\(|import_module|discord|telegram|webhook|ngrok|paste|\/dev\/tcp|Login Data|Local State|leveldb|\.ssh|wallet|clipboard|CurrentVersion|schtasks|crontab|LaunchAgents|powershell|CREATE_NO_WINDOW|pythonw|urlopen|urlretrieve|requests|socket|subprocess|os\.system|popen|startfile|ShellExecute|https?:\/\/\d|chr\(\d|Fernet|pyarmor|Startup|winreg|systemctl|bashrc|dup2|\.pypirc|\.npmrc|credentials|cookies/i;
/** An encoded blob: a run of 160+ base64 characters, tried only where a run starts. */
const LONG_BASE64 = /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/=]{160}/;
const HEX_ESCAPES = /(?:\\x[0-9a-fA-F]{2}){16}/i;
/** Code pushed off screen by 150+ spaces or tabs, tried only where a run starts. */
const PADDING = /(?<![ \t])[ \t]{150,}\S/;
/**
 * The cheap text check (a latin1 view of the bytes): non-ASCII (any byte above 0x7f: homoglyphs,
 * CJK names), risky names, encoded blobs, padding. It was one regex whose `{160}` and `{150}`
 * runs were retried from every position of every identifier and indent; split, and anchored at
 * run starts, it gives the same answers on every dev-corpus module in about half the time.
 */
function worthParsing(text: string): boolean {
  return /[^\x00-\x7f]/.test(text) || WORTH_TOKENS.test(text) || LONG_BASE64.test(text) || HEX_ESCAPES.test(text) || PADDING.test(text);
}
const DECODE_BUDGET = 1024 * 1024;
const MAX_DECODE_DEPTH = 3;
const COMMAND_BASES = /(^|\.)(install|develop|egg_info|build_py|build_ext|build|sdist|bdist_wheel|bdist_egg|bdist|Command|install_lib|install_scripts|easy_install|build_clib|install_egg_info|install_data|BuildCommand|_install|_develop|_build_py)$/;

let top: { set: Set<string>; list: string[] } | undefined;
function topProjects(): { set: Set<string>; list: string[] } {
  if (!top) {
    let list: string[] = [];
    try {
      list = readFileSync(new URL('../../../config/top-projects.txt', import.meta.url), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
        .map(normalizeName);
    } catch {
      // Without the list typosquatting is not checked; every other rule still runs.
    }
    top = { set: new Set(list), list };
  }
  return top;
}

const ORDER = { install: 0, startup: 1, import: 2, module: 3, test: 4 } as const;

export function analyze(dist: Distribution): Analysis {
  const meta = emptyMeta();
  const texts: TextFile[] = [];
  const pyMembers: { path: string; inner: string; data: Buffer }[] = [];
  const wheelTags: string[] = [];
  for (const m of dist.members) {
    if (m.type !== 'file' || !m.data) continue;
    const inner = innerPath(m.path, dist.format);
    if (PY.test(m.path)) pyMembers.push({ path: m.path, inner, data: m.data });
    else texts.push({ path: m.path, inner, text: m.data.toString('utf8') });
  }
  // Metadata: the shallowest PKG-INFO / METADATA wins (nested egg-info copies agree or add).
  for (const t of [...texts].sort((a, b) => a.inner.split('/').length - b.inner.split('/').length)) {
    if (/(^|\/)(PKG-INFO|METADATA)$/.test(t.path)) parseCoreMetadata(t.text, meta, t.inner);
    else if (/(^|\/)WHEEL$/.test(t.path)) for (const m of t.text.matchAll(/^Tag:\s*(\S+)/gm)) wheelTags.push(m[1]);
    else if (t.inner === 'pyproject.toml') pyprojectMeta(t.text, meta);
    else if (/(^|\/)requires\.txt$/.test(t.path) && !meta.requiresDist.length) meta.requiresDist.push(...t.text.split('\n').filter((l) => l.trim() && !l.startsWith('[')));
    else if (/(^|\/)dependency_links\.txt$/.test(t.path)) meta.dependencyLinks.push(...t.text.split('\n').filter((l) => /:\/\//.test(l)).map((l) => l.trim()));
  }

  // Modules setup.py imports from the source tree run at install time too (build helpers).
  const installModules = new Set<string>();
  const py: PyFile[] = [];
  const ordered = pyMembers
    .map((m) => ({ ...m, location: locate(m.inner, installModules) }))
    .sort((a, b) => ORDER[a.location] - ORDER[b.location] || a.data.length - b.data.length);
  // Fast path: hot files (install, start-up, import) first, then ordinary modules ranked by how
  // many risky tokens they hold; modules with none are never parsed. Separate budgets keep a
  // large library from starving setup.py and bound the time per distribution.
  const rank = new Map<string, number>();
  for (const m of ordered) {
    if (!gated(m)) continue;
    // Too big for its budget: it will not be parsed (it counts as unparsed), so skip the text check.
    if (m.data.length > (m.location === 'import' ? HOT_BUDGET : MODULE_BUDGET)) {
      rank.set(m.inner, 1);
      continue;
    }
    const text = m.data.toString('latin1');
    let score = 0;
    if (worthParsing(text)) score = 1 + strongTokens(text) * (m.location === 'test' ? 0.2 : 1);
    rank.set(m.inner, score);
  }
  ordered.sort((a, b) => hotOrder(a.location) - hotOrder(b.location) || (rank.get(b.inner) ?? 0) - (rank.get(a.inner) ?? 0) || a.data.length - b.data.length);
  let hotBudget = HOT_BUDGET;
  let budget = MODULE_BUDGET;
  let decodeBudget = DECODE_BUDGET;
  let unparsed = 0;
  const byInner = new Map(ordered.map((m) => [m.inner, m]));
  for (let i = 0; i < ordered.length; i++) {
    const m = ordered[i];
    const hot = m.location !== 'module' && m.location !== 'test';
    if (gated(m) && !rank.get(m.inner)) continue;
    if (m.data.length > (hot ? hotBudget : budget)) {
      unparsed++;
      continue;
    }
    const source = m.data.toString('utf8');
    if (hot) hotBudget -= m.data.length;
    else budget -= m.data.length;
    const view = parsePython(source);
    const location = installModules.has(m.inner) ? 'install' : m.location;
    const file: PyFile = { path: m.path, inner: m.inner, location, view, source, eager: new Set() };
    // setup.py runs its commands; a helper module it imports runs only its own top level on import.
    file.eager = installModules.has(m.inner) ? new Set() : eagerFunctions(file);
    py.push(file);
    if (location === 'install') {
      // setup.py's own-tree imports (`from build_helpers import x`, `import _setup_ext`) are build hooks.
      const dir = m.inner.includes('/') ? m.inner.slice(0, m.inner.lastIndexOf('/') + 1) : '';
      for (const mod of view.modules) {
        const cand = `${dir}${mod.replace(/\./g, '/')}`;
        for (const p of [`${cand}.py`, `${cand}/__init__.py`]) {
          const hit = byInner.get(p);
          if (hit && !installModules.has(p) && hit.location !== 'install') {
            installModules.add(p);
            hit.location = 'install';
            // Move it next in line so it is parsed as an install-time file within budget.
            ordered.splice(ordered.indexOf(hit), 1);
            ordered.splice(i + 1, 0, hit);
          }
        }
      }
    }
    // Scan what was decoded: as code when it parses as Python, as strings otherwise. Code kept
    // in plain string literals (written to a temp file and run, or exec'd) is scanned the same way.
    const queue: { parent: PyFile; depth: number }[] = [{ parent: file, depth: 0 }];
    while (queue.length) {
      const { parent, depth } = queue.shift()!;
      const embedded = parent.view.strings
        .filter((s) => s.value.length >= 40 && s.value.length <= 256 * 1024 && EMBEDDED_CODE.test(s.value) && looksLikePython(s.value))
        .map((s): DecodedBlob => ({ text: s.value, layers: ['embedded'], line: s.line }));
      for (const d of [...parent.view.decoded, ...embedded]) {
        if (!d.text || d.executable) continue;
        if (depth < MAX_DECODE_DEPTH && decodeBudget >= d.text.length && looksLikePython(d.text)) {
          decodeBudget -= d.text.length;
          const v = parsePython(d.text);
          const child: PyFile = {
            path: `${parent.decodedFrom?.path ?? parent.path}#decoded@${d.line}`,
            inner: parent.inner,
            location: parent.location,
            view: v,
            source: d.text,
            decodedFrom: { path: parent.decodedFrom?.path ?? parent.path, line: parent.decodedFrom?.line ?? d.line, layers: d.layers },
            eager: new Set(),
          };
          // Decoded code runs when its parent exec()s it: all of its functions count as reachable.
          child.eager = eagerFunctions(child);
          py.push(child);
          queue.push({ parent: child, depth: depth + 1 });
        } else if (d.text.length <= 64 * 1024 && d.layers[0] !== 'embedded') {
          parent.view.strings.push({ value: d.text, line: d.line });
        }
      }
    }
  }
  for (const f of py) if (f.location === 'install' && /(^|\/)setup\.py$/.test(f.inner) && !f.decodedFrom) setupKwargs(f, meta);

  const { set, list } = topProjects();
  const ctx: RuleContext = { dist, py, texts, meta, wheelTags, topProjects: set, topList: list, members: dist.members };
  const findings: Finding[] = [];
  for (const rule of RULES) {
    try {
      findings.push(...rule.check(ctx));
    } catch (err) {
      // A rule bug must not turn a file clean: report it, and hold the file.
      findings.push({ rule: rule.id, severity: 'medium', path: '', message: `rule failed: ${(err as Error).message}` });
    }
  }
  const { verdict, score } = decide(findings, ctx);
  const facts = computeFacts(ctx, findings, unparsed);
  return { verdict, score, findings, facts };
}

/** Functions that run when the file's trigger fires: module-level callees, setuptools commands, transitively. */
function eagerFunctions(f: PyFile): Set<string> {
  const defined = new Map<string, string[]>();
  for (const q of Object.keys(f.view.callGraph)) {
    const short = q.split('.').pop()!;
    (defined.get(short) ?? defined.set(short, []).get(short)!).push(q);
  }
  // Functions with no calls are absent from callGraph; they do nothing we weigh anyway.
  const roots: string[] = ['<module>'];
  const cmdclassText = f.view.calls.filter((c) => /(^|\.)setup$/.test(c.name)).map((c) => c.kw.cmdclass?.text ?? '').join(' ');
  for (const c of f.view.classes) {
    const isCommand = c.bases.some((b) => COMMAND_BASES.test(b)) || (cmdclassText && new RegExp(`\\b${c.name}\\b`).test(cmdclassText));
    if ((f.location === 'install' && isCommand) || f.decodedFrom) for (const m of c.methods) roots.push(`${c.name}.${m}`);
  }
  if (f.decodedFrom) roots.push(...Object.keys(f.view.callGraph));
  const seen = new Set<string>();
  while (roots.length) {
    const r = roots.pop()!;
    if (seen.has(r)) continue;
    seen.add(r);
    for (const callee of f.view.callGraph[r] ?? []) for (const q of defined.get(callee) ?? []) if (!seen.has(q)) roots.push(q);
  }
  seen.delete('<module>');
  return seen;
}
