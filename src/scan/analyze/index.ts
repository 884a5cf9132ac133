// The analysis: one parse per Python file, one pass of every rule over the parsed views, one
// verdict. Pure over the `Distribution` the archive reader produced (no I/O except loading the
// popular-project list once at start-up).
import { readFileSync } from 'node:fs';
import type { Distribution } from '../archive/types.js';
import type { Finding, Verdict } from '../types.js';
import { parsePython, type DecodedBlob } from './python.js';
import { innerPath, locate, type Location } from './location.js';
import { bytesToText, looksLikePython } from './decode.js';
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
  /**
   * Summary counts of what the analysis read, computed when asked: no part of a scan reads them
   * (the model's features come from src/scan/features), and computing them took 1-3 % of the
   * slowest scans.
   */
  facts: () => AnalysisFacts;
  /** The learned classifier's score, once src/scan/combine.ts has run it. */
  model?: number;
}

const PY = /\.(py|pyw|pyx|pxi)$/i;
const META = /(^|\/)(PKG-INFO|METADATA|WHEEL|RECORD|requires\.txt|entry_points\.txt|dependency_links\.txt|top_level\.txt|setup\.cfg|pyproject\.toml)$/;
const SCRIPT = /\.(pth|sh|bash|bat|cmd|ps1|vbs|js|json)$/i;

/**
 * Which members the archive reader keeps in memory for `analyze`: Python always (one too large to
 * keep is marked `contentOmitted`, and an omitted file that runs at install is held), metadata and
 * scripts up to a size, and any other small member as 'data' (best effort), because code can read
 * a data member and exec it. Everything else: its first bytes only.
 */
export function wantsContent(memberPath: string, size: number): boolean | 'data' {
  if (PY.test(memberPath)) return true;
  if (META.test(memberPath)) return size <= 1024 * 1024;
  if (SCRIPT.test(memberPath)) return size <= 256 * 1024;
  return 'data';
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
const WORTH_TOKENS = /sys\.path\.(?:insert|append)|exec\s*\(|eval\s*\(|compile\s*\(|b64decode|decodebytes|fromhex|unhexlify|marshal|decompress|__import__|getattr\(|import_module|discord|telegram|webhook|ngrok|paste|\/dev\/tcp|Login Data|Local State|leveldb|\.ssh|wallet|clipboard|CurrentVersion|schtasks|crontab|LaunchAgents|powershell|CREATE_NO_WINDOW|pythonw|urlopen|urlretrieve|requests|socket|subprocess|os\.system|popen|startfile|ShellExecute|https?:\/\/\d|chr\(\d|Fernet|pyarmor|Startup|winreg|systemctl|bashrc|dup2|\.pypirc|\.npmrc|credentials|cookies|pynput|smtplib|GetAsyncKeyState|SetWindowsHookEx|[=(,]\s*(?:exec|eval|compile)\s*(?:[,)]|$)|\bord\([^)\n]*\)\s*\^|\^\s*ord\(|globals\(\)\s*\[|\bchr\(\s*\w+\s*\)\s+for\b/im;
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
/**
 * Modules that install-, start-up- or import-time code imports (and what they import) are parsed
 * next, past the module budget, up to this much: budgets are spent on what runs first.
 */
const IMPORTED_BUDGET = 2 * 1024 * 1024;
/** Bytes of risky lines read from files over budget (see `excerpt`). */
const EXCERPT_BUDGET = 1024 * 1024;
const EXCERPT_LINE = new RegExp(`${STRONG_TOKENS.source}|^\\s*(?:import|from)\\s|^[A-Za-z_]\\w*\\s*=\\s*(?:lambda|__import__)`);

/**
 * The lines of a file worth a rule's look (imports, risky calls and names, lambdas and dynamic
 * imports bound at top level), every other line blanked so that line numbers stay true.
 */
function excerpt(source: string): { text: string; kept: number } {
  let kept = 0;
  const lines = source.split('\n').map((l) => {
    if (!EXCERPT_LINE.test(l)) return '';
    kept += l.length;
    return l;
  });
  return { text: lines.join('\n'), kept };
}
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
/** Copies of other projects shipped inside this one (pip's `_vendor`, `third_party`, ...). */
const VENDORED = /(^|\/)(_?vendor(ed)?|third_party|extern(al)?|_?bundled?)\//i;
const EXEC_CALL = /^(exec|eval|compile|execfile|builtins\.(exec|eval|compile)|runpy\.run_path)$/;

/** Calls that load a module from a file path rather than by name. */
const PATH_LOAD = /(?:^|\.)(?:spec_from_file_location|run_path|SourceFileLoader|load_source)$/;

/**
 * Files an import in `f` names, as inner paths present in the archive: relative imports from the
 * file's package, absolute ones from its folder, the root, `src/`, and any folder the file names
 * in a string (`sys.path.insert(0, os.path.join(here, 'docs'))` then `import helper`), and `.py`
 * files it loads by path. Each with whether the import runs when `f` runs: at module level or in a
 * function that runs then, not under TYPE_CHECKING or in a function something must call.
 */
function importedFiles(f: PyFile, byInner: ReadonlyMap<string, unknown>, dirs: ReadonlyMap<string, string[]>): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const loads = f.view.calls.filter((c) => PATH_LOAD.test(c.name));
  if (!f.view.imports.length && !loads.length) return out;
  const here = f.inner.slice(0, f.inner.lastIndexOf('/') + 1);
  const names = new Set(f.view.strings.map((s) => s.value.replace(/^\.?\/+|\/+$/g, '')).filter((v) => v.length >= 2 && v.length <= 200 && !/\s/.test(v)));
  // Folders by last segment: one lookup per string instead of every folder against every string.
  const named = [...names].flatMap((v) => (dirs.get(v.slice(v.lastIndexOf('/') + 1)) ?? []).filter((d) => d === `${v}/` || d.endsWith(`/${v}/`)));
  // Loaded by file path (`spec_from_file_location(..., "pkg/_postinstall.py")`, runpy.run_path):
  // an import all the same, run when the loading call runs.
  if (loads.length) {
    const runs = loads.some((c) => c.fn === undefined || f.eager.has(c.fn));
    for (const v of names) {
      if (!v.endsWith('.py')) continue;
      for (const p of byInner.keys()) if (p === v || p.endsWith(`/${v}`)) out.set(p, runs || (out.get(p) ?? false));
    }
  }
  f.view.imports.forEach((imp, i) => {
    const scope = f.view.importScopes[i];
    const runs = scope === '' || f.eager.has(scope);
    const dots = /^\.*/.exec(imp)![0].length;
    const rest = imp.slice(dots).replace(/\./g, '/');
    let bases: string[];
    if (dots) {
      let base = here;
      for (let k = 1; k < dots; k++) base = base.slice(0, base.slice(0, -1).lastIndexOf('/') + 1);
      bases = [base];
    } else bases = [here, '', 'src/', ...named];
    for (const b of bases) {
      const cand = `${b}${rest}`;
      for (const p of rest ? [`${cand}.py`, `${cand}/__init__.py`] : [`${b}__init__.py`]) if (byInner.has(p)) out.set(p, runs || (out.get(p) ?? false));
    }
  });
  return out;
}

/**
 * Data members `f` hands to exec/eval/compile: a string naming one on the exec's own line or
 * the two above it (`exec(compile(open(os.path.join(here, 'x.dat')).read(), 'x', 'exec'))`).
 */
function execedData(f: PyFile, data: ReadonlyMap<string, { path: string; data?: Buffer }>): { path: string; data?: Buffer; line: number }[] {
  if (!data.size) return [];
  const execs = f.view.calls.filter((c) => EXEC_CALL.test(c.name));
  if (!execs.length) return [];
  const byBase = new Map<string, string[]>();
  for (const inner of data.keys()) {
    const base = inner.slice(inner.lastIndexOf('/') + 1);
    (byBase.get(base) ?? byBase.set(base, []).get(base)!).push(inner);
  }
  const out = new Map<string, { path: string; data?: Buffer; line: number }>();
  for (const s of f.view.strings) {
    const v = s.value.trim().replace(/^\.?\//, '');
    if (v.length < 3 || v.length > 300) continue;
    const cands = byBase.get(v.slice(v.lastIndexOf('/') + 1));
    if (!cands) continue;
    const exec = execs.find((c) => c.line >= s.line && c.line - s.line <= 2);
    if (!exec) continue;
    for (const inner of cands) if (inner === v || inner.endsWith(`/${v}`)) out.set(inner, { ...data.get(inner)!, line: exec.line });
  }
  return [...out.values()];
}

export function analyze(dist: Distribution): Analysis {
  const meta = emptyMeta();
  const texts: TextFile[] = [];
  const pyMembers: { path: string; inner: string; data: Buffer }[] = [];
  const wheelTags: string[] = [];
  /** Other small members kept best effort (wantsContent's 'data'), by inner path: code may exec one. */
  const dataMembers = new Map<string, { path: string; data?: Buffer }>();
  const omitted: { path: string; inner: string; size: number }[] = [];
  for (const m of dist.members) {
    if (m.type !== 'file') continue;
    const inner = innerPath(m.path, dist.format);
    if (m.contentOmitted && PY.test(m.path)) omitted.push({ path: m.path, inner, size: m.size });
    if (!m.data) {
      if (!PY.test(m.path) && !META.test(m.path)) dataMembers.set(inner, { path: m.path }); // named by an exec: still a finding
      continue;
    }
    if (PY.test(m.path)) pyMembers.push({ path: m.path, inner, data: m.data });
    else if (META.test(m.path) || SCRIPT.test(m.path)) texts.push({ path: m.path, inner, text: m.data.toString('utf8') });
    else dataMembers.set(inner, { path: m.path, data: m.data });
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
  // large library from starving setup.py and bound the time per distribution. Vendored copies of
  // other projects go last: an attacker adds one to spend the budgets before the payload.
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
    if (worthParsing(text)) score = (1 + strongTokens(text) * (m.location === 'test' ? 0.2 : 1)) * (VENDORED.test(m.inner) ? 0.01 : 1);
    rank.set(m.inner, score);
  }
  ordered.sort((a, b) => hotOrder(a.location) - hotOrder(b.location) || (rank.get(b.inner) ?? 0) - (rank.get(a.inner) ?? 0) || a.data.length - b.data.length);
  let hotBudget = HOT_BUDGET;
  let budget = MODULE_BUDGET;
  let decodeBudget = DECODE_BUDGET;
  let importedBudget = IMPORTED_BUDGET;
  let excerptBudget = EXCERPT_BUDGET;
  let unparsed = 0;
  const oversized: { path: string; location: Location; size: number }[] = [];
  const dataExec: { from: PyFile; line: number; member: string }[] = [];
  const byInner = new Map(ordered.map((m) => [m.inner, m]));
  const dirs = new Map<string, string[]>();
  for (const d of new Set(ordered.map((m) => m.inner.slice(0, m.inner.lastIndexOf('/') + 1)))) {
    if (!d) continue;
    const last = d.slice(0, -1).split('/').pop()!;
    (dirs.get(last) ?? dirs.set(last, []).get(last)!).push(d);
  }
  /** Parsed, and queued for parsing: a module imported twice is promoted once. */
  const promoted = new Set<string>();
  const parsed = new Set<string>();
  /** Which modules each parsed hot or promoted file imports when it runs (inner paths), for `reached`. */
  const imports = new Map<string, string[]>();
  /** The package's own modules setup.py imports (for its version, say): only their top level counts as run at install. */
  const topOnly = new Set<string>();
  const parse = (path: string, inner: string, source: string, location: Location): PyFile => {
    const view = parsePython(source);
    const file: PyFile = { path, inner, location, view, source, eager: new Set() };
    // What runs when the file runs: its top level and what that calls, and setup.py's commands; a
    // helper setup.py imports from outside the package runs what its top level calls too
    // (`threading.Thread(target=exfiltrate).start()`), the package's own modules only their top
    // level (bottle.py's import-time setup is not install code).
    file.eager = topOnly.has(inner) ? new Set() : eagerFunctions(file);
    py.push(file);
    return file;
  };
  for (let i = 0; i < ordered.length; i++) {
    const m = ordered[i];
    const hot = m.location !== 'module' && m.location !== 'test';
    if (gated(m) && !rank.get(m.inner) && !promoted.has(m.inner)) continue;
    // What runs unasked is always read, whatever its size (up to the reader's content limit): a
    // payload padded past the budget must not escape, and such a size is itself a signal.
    const always = m.location === 'install' || m.location === 'startup' || (m.location === 'import' && TOP_INIT.test(m.inner));
    const imported = !always && promoted.has(m.inner) && m.data.length <= importedBudget;
    if (!always && !imported && m.data.length > (hot ? hotBudget : budget)) {
      unparsed++;
      // Over budget: its risky lines are still read (an excerpt, line numbers kept), so padding a
      // payload past the budget does not hide it.
      if (m.location !== 'test' && excerptBudget > 0) {
        const ex = excerpt(m.data.toString('utf8'));
        if (ex.kept > 0 && ex.kept <= excerptBudget) {
          excerptBudget -= ex.kept;
          parse(m.path, m.inner, ex.text, m.location);
        }
      }
      continue;
    }
    if (hot && m.data.length > HOT_BUDGET / 3) oversized.push({ path: m.path, location: m.location, size: m.data.length });
    if (imported) importedBudget -= m.data.length;
    else if (hot) hotBudget -= m.data.length;
    else budget -= m.data.length;
    const location = installModules.has(m.inner) ? 'install' : m.location;
    parsed.add(m.inner);
    const file = parse(m.path, m.inner, m.data.toString('utf8'), location);
    // Modules that code running unasked imports run with it: setup.py's helpers run at install
    // (also from a folder it put on sys.path, such as docs/), and a test or docs module imported
    // by a package __init__ runs on import. They are parsed next, whatever their location. An
    // ordinary module's imports are followed only into tests/ and docs/: what the package imports
    // is package code, wherever it sits.
    const follows = (location !== 'module' && location !== 'test') || promoted.has(m.inner);
    if (follows || location === 'module') {
      for (const [p, runs] of importedFiles(file, byInner, dirs)) {
        const hit = byInner.get(p)!;
        if (!follows && hit.location !== 'test') continue;
        if (runs) (imports.get(m.inner) ?? imports.set(m.inner, []).get(m.inner)!).push(p);
        if (promoted.has(p)) continue;
        if (parsed.has(p)) {
          // Read already as a test or docs file: imported by package code, it is package code.
          if (hit.location === 'test' && location !== 'test') for (const f of py) if (f.inner === p && f.location === 'test') f.location = hit.location = location === 'install' ? 'install' : location === 'module' ? 'module' : 'import';
          continue;
        }
        if (location === 'install') {
          if (hit.location === 'install') continue;
          if (hit.location === 'module' || hit.location === 'import') topOnly.add(p);
          installModules.add(p);
          hit.location = 'install';
        } else if (hit.location === 'test') hit.location = location === 'module' ? 'module' : 'import';
        else if (hit.location !== 'module' && !gated(hit)) continue; // hot already: parsed in its turn
        // A module with nothing a rule could act on stays skipped (the cheap text check); a
        // subpackage __init__ is read for what it imports, which then runs on import too.
        const subpackage = hit.location === 'import';
        // A rank of 0 is that check's answer already (a module imported by many is checked once).
        if (gated(hit) && !subpackage && !rank.get(p) && (rank.has(p) || !worthParsing(hit.data.toString('latin1')))) continue;
        promoted.add(p);
        // Move it next in line so it is parsed within budget.
        const at = ordered.indexOf(hit);
        if (at > i) {
          ordered.splice(at, 1);
          ordered.splice(i + 1, 0, hit);
        }
      }
    }
    // Data members this file execs (`exec(compile(open(... 'x.dat').read(), ...))`) are its code.
    for (const d of execedData(file, dataMembers)) {
      dataExec.push({ from: file, line: d.line, member: d.path });
      if (!d.data) continue; // too large to keep: the finding stands, the content is not read
      const text = d.data.toString('utf8');
      const code = looksLikePython(text) ? text : bytesToText(d.data, [], 0)?.text;
      if (code && looksLikePython(code) && decodeBudget >= code.length) {
        decodeBudget -= code.length;
        const child = parse(d.path, file.inner, code, file.location);
        child.decodedFrom = { path: file.path, line: d.line, layers: ['data-file'] };
        child.eager = eagerFunctions(child);
      }
    }
  }
  // Scan what was decoded: as code when it parses as Python, as strings otherwise. Code kept
  // in plain string literals (written to a temp file and run, or exec'd) is scanned the same way.
  for (let k = 0; k < py.length; k++) {
    const root = py[k];
    if (root.decodedFrom && !root.decodedFrom.layers.includes('data-file')) continue; // visited from its parent
    const queue: { parent: PyFile; depth: number }[] = [{ parent: root, depth: 0 }];
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
  markReached(py, imports);

  const { set, list } = topProjects();
  const hiding = { dataExec: dataExec.map((d) => ({ file: d.from, line: d.line, member: d.member })), oversized, omitted: omitted.map((o) => ({ ...o, location: locate(o.inner, installModules) })) };
  const ctx: RuleContext = { dist, py, texts, meta, wheelTags, topProjects: set, topList: list, members: dist.members, hiding };
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
  return { verdict, score, findings, facts: () => computeFacts(ctx, findings, unparsed) };
}

/**
 * `reached`: code that runs with no caller (install, start-up, the top package's __init__ on
 * import) and every module it imports, transitively (code it decoded or exec'd shares its path).
 * A subpackage's __init__ runs only when something imports that subpackage.
 */
function markReached(py: PyFile[], imports: ReadonlyMap<string, string[]>): void {
  const seen = new Set(py.filter((f) => f.location === 'install' || f.location === 'startup' || (f.location === 'import' && TOP_INIT.test(f.inner))).map((f) => f.inner));
  const queue = [...seen];
  while (queue.length) {
    for (const p of imports.get(queue.pop()!) ?? []) {
      if (seen.has(p)) continue;
      seen.add(p);
      queue.push(p);
    }
  }
  for (const f of py) if (seen.has(f.inner)) f.reached = true;
}

/** Functions that run when the file's trigger fires: module-level callees, setuptools commands, transitively. */
function eagerFunctions(f: PyFile): Set<string> {
  const defined = new Map<string, string[]>();
  // Functions with no calls are absent from callGraph: only those that import matter (what runs on import).
  for (const q of new Set([...Object.keys(f.view.callGraph), ...f.view.importScopes.filter((s) => s && s !== 'TYPE_CHECKING')])) {
    const short = q.split('.').pop()!;
    (defined.get(short) ?? defined.set(short, []).get(short)!).push(q);
  }
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
