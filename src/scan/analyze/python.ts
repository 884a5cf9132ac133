// One tree-sitter pass over a Python file → a `PyView` that every rule reads. Comments never
// reach the view (tree-sitter keeps them as separate nodes we never look at) and bare string
// statements (docstrings) are left out of `strings`, so no rule fires on prose.
import { LRUCache } from 'lru-cache';
import Parser from 'tree-sitter';
import Python from 'tree-sitter-python';
import { literalValue } from './strings.js';
import { bytesToText, decodeLiteral, latin1, stringBytes, type Decoded, type Encoding } from './decode.js';
import { SyntaxTree, type Node } from './syntax-tree.js';

export interface Arg {
  /** The argument's value when it evaluates statically to a string (literals, joins, decodes). */
  str?: string;
  /** Resolved dotted name when the argument is itself a call. */
  call?: string;
  /** Resolved dotted name when the argument is a plain name or attribute (e.g. `os.environ`). */
  ref?: string;
  /** Source text, at most 200 chars. */
  text: string;
  /**
   * When `str` is unknown: the value with '?' for the parts not known statically
   * (`'curl ' + target` → 'curl ?'; an argv list kept in a name), for reading command lines.
   */
  partial?: string;
}

export interface CallSite {
  /** Dotted name with imports resolved: `import os as o; o.system` → `os.system`. */
  name: string;
  line: number;
  args: Arg[];
  kw: Record<string, Arg>;
  /** Enclosing function as `Class.method` or `func`; undefined at module level. */
  fn?: string;
  /** Resolved names of every call nested inside the arguments (e.g. exec(b64decode(...))). */
  inner: string[];
  /** The file's own function called, when `name` is the process or exec call it hands its argument to. */
  via?: string;
}

export interface DecodedBlob extends Decoded {
  line: number;
}

export interface ClassDef {
  name: string;
  bases: string[];
  line: number;
  methods: string[];
}

export interface PyView {
  /** Local alias → dotted module/attribute it stands for. */
  aliases: Record<string, string>;
  /** Every module imported (dotted, as written). */
  modules: string[];
  /** Import targets that may be modules: `a.b`, and for `from X import n` both `X` and `X.n` (dots kept for relative ones). */
  imports: string[];
  /**
   * Where each entry of `imports` is written: '' at module level, the enclosing function's name
   * (it runs only when that function does), or TYPE_CHECKING (never at run time).
   */
  importScopes: string[];
  calls: CallSite[];
  /** String literal values (docstrings excluded) with their line. */
  strings: { value: string; line: number }[];
  /** Attribute references that are not called (`os.environ`, `sys.executable`), resolved. */
  refs: { name: string; line: number }[];
  classes: ClassDef[];
  /** Function name (qualified `Class.method`) → names it calls or passes as callbacks (last segment). */
  callGraph: Record<string, string[]>;
  /** Literals written almost entirely in escapes (`"\\145\\166\\x61\\154"` = eval), and short strings spelled in character codes (`"".join(chr(c) for c in [...])`): value and line. */
  escaped: { value: string; line: number }[];
  /** Identifiers holding non-ASCII letters (homoglyph / CJK obfuscation). */
  nonAsciiIdents: string[];
  /** Values statically decoded from literals or decode calls (base64, hex, zlib, chr joins...). */
  decoded: DecodedBlob[];
  hasError: boolean;
}

let parser: Parser | undefined;
/** One parser per thread, reused (tree-sitter parsers are not thread-safe but are cheap to reset). */
export function getParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(Python as unknown as Parser.Language);
  }
  return parser;
}

const DECODERS: Record<string, Encoding> = {
  'base64.b64decode': 'base64',
  'base64.standard_b64decode': 'base64',
  'base64.urlsafe_b64decode': 'base64',
  'base64.decodebytes': 'base64',
  'base64.decodestring': 'base64',
  'binascii.a2b_base64': 'base64',
  'base64.b16decode': 'hex',
  'binascii.unhexlify': 'hex',
  'binascii.a2b_hex': 'hex',
  'bytes.fromhex': 'hex',
  'bytearray.fromhex': 'hex',
  'zlib.decompress': 'zlib',
  'gzip.decompress': 'gzip',
};

const MAX_STR = 2 * 1024 * 1024;
/** Text that may hold a decoder call, and a process or exec call: the cheap test before a function's calls are walked. */
const DECODE_WORDS = /decompress|b\d\ddecode|b64decode|decodebytes|decodestring|a2b_|unhexlify|fromhex|codecs|marshal/;
const SINK_WORDS = /system|popen|Popen|subprocess|exec|eval/;
const isDecoder = (name: string): boolean => DECODERS[name] !== undefined || name === 'codecs.decode' || name === 'marshal.loads';
/** Calls a wrapper may hand its parameter to (see `sinks` in parseUncached). */
const SINKS = /^(os\.(system|popen)|subprocess\.(Popen|run|call|check_call|check_output|getoutput|getstatusoutput)|exec|eval)$/;
/** Calls and methods static evaluation understands (everything else evaluates to nothing). */
const EVALUATED_CALLS = new Set(['chr', 'str', 'bytes', 'bytearray', 'codecs.decode', 'marshal.loads']);
const EVALUATED_METHODS = new Set(['decode', 'encode', 'replace', 'strip', 'lower', 'upper', 'join']);

/** An import statement's modules, import targets and aliases, into `view`. */
function importStatement(n: Node, view: PyView): void {
  if (n.type === 'import_statement') {
    for (const c of n.namedChildren) {
      if (c.type === 'dotted_name') {
        view.modules.push(c.text);
        view.imports.push(c.text);
        const top = c.text.split('.')[0];
        if (!(top in view.aliases)) view.aliases[top] = top;
      } else if (c.type === 'aliased_import') {
        const mod = c.childForFieldName('name')?.text ?? '?';
        view.modules.push(mod);
        view.imports.push(mod);
        const al = c.childForFieldName('alias')?.text;
        if (al) view.aliases[al] = mod;
      }
    }
    return;
  }
  const mod = n.childForFieldName('module_name')?.text ?? '?';
  view.modules.push(mod);
  view.imports.push(mod);
  const sep = mod.endsWith('.') ? '' : '.';
  for (const c of n.childrenForFieldName('name')) {
    if (c.type === 'dotted_name') {
      view.aliases[c.text] = `${mod}.${c.text}`;
      view.imports.push(`${mod}${sep}${c.text}`);
    } else if (c.type === 'aliased_import') {
      const nm = c.childForFieldName('name')?.text ?? '?';
      view.imports.push(`${mod}${sep}${nm}`);
      const al = c.childForFieldName('alias')?.text;
      if (al) view.aliases[al] = `${mod}.${nm}`;
    }
  }
}

/** '' for an import at module level, TYPE_CHECKING under `if TYPE_CHECKING:`, else the innermost enclosing function. */
function importScope(n: Node, fns: readonly { start: number; end: number; name: string }[]): string {
  for (let c: Node = n, p = n.parent; p; c = p, p = p.parent) {
    if (p.type === 'if_statement' && p.childForFieldName('consequence')?.startIndex === c.startIndex && /\bTYPE_CHECKING\b/.test(p.childForFieldName('condition')?.text ?? '')) return 'TYPE_CHECKING';
  }
  let inner: { start: number; end: number; name: string } | undefined;
  for (const f of fns) if (f.start <= n.startIndex && n.endIndex <= f.end && (!inner || f.start >= inner.start)) inner = f;
  return inner?.name ?? '';
}

/** Sources shorter than this are parsed every time (they cost little); see `parsePython`. */
const CACHED_FROM = 2048;
/**
 * Views of recently parsed sources, by the source text, up to 8 M characters of source: about
 * two large distributions' parse budgets, and about 40 MB of views (4.8 bytes per character of
 * source, measured on long-tail modules) besides the keys. The same modules come back in the
 * next version of a project, in its sdist and its wheel, in each sample of a malware family;
 * parsing is most of a scan.
 */
export const parseCache = new LRUCache<string, PyView>({ maxSize: 8 * 1024 * 1024, sizeCalculation: (_v, source) => source.length });

/**
 * The view of a Python source. A pure function of the text, so a cached view is as good as a new
 * one; the cached copy is frozen and each caller gets its own `strings` array (src/scan/analyze
 * adds decoded strings to it), so no caller sees another's additions.
 */
export function parsePython(source: string): PyView {
  if (source.length < CACHED_FROM) return parseUncached(source);
  let view = parseCache.get(source);
  if (!view) {
    view = parseUncached(source);
    for (const v of Object.values(view)) if (typeof v === 'object') Object.freeze(v);
    parseCache.set(source, Object.freeze(view));
  }
  return { ...view, strings: view.strings.slice() };
}

function parseUncached(source: string): PyView {
  const tree = getParser().parse(source, null, { bufferSize: Math.max(32 * 1024, source.length * 2 + 1024) });
  // Copied into plain arrays in one walk: the binding's per-node calls cost more than the parse.
  const root = new SyntaxTree(tree, source, Python as unknown as Parser.Language).rootNode;
  const view: PyView = {
    aliases: Object.create(null) as Record<string, string>,
    modules: [],
    imports: [],
    importScopes: [],
    calls: [],
    strings: [],
    refs: [],
    classes: [],
    callGraph: Object.create(null) as Record<string, string[]>,
    nonAsciiIdents: [],
    escaped: [],
    decoded: [],
    hasError: root.hasError,
  };
  // Prototype-free maps: Python names such as `constructor` or `__proto__` are ordinary keys.
  const consts: Record<string, string> = Object.create(null);
  /** Names bound to a list or tuple literal (`parts = ['...', '...']`), for `''.join(parts)`. */
  const lists: Record<string, Node> = Object.create(null);
  /**
   * One-parameter helpers written in the file that decode what they are given
   * (`_ = lambda __: zlib.decompress(b64decode(__[::-1]))`, `def b64d(s): b = b64decode(s); return b.decode()`):
   * their steps. A call of one on a literal is evaluated like the decoders it wraps.
   */
  const helpers: Record<string, { param: string; steps: Node[]; ret: Node }> = Object.create(null);
  /**
   * The file's functions that hand their first parameter to a process or exec
   * (`def subprocess_popen(statement): p = subprocess.Popen(statement, shell=True)`): a call of one
   * is read as that call, with the caller's arguments.
   */
  const sinks: Record<string, string> = Object.create(null);
  /** The file's module-level and nested functions and named lambdas: the candidates for `helpers` and `sinks`. */
  const localFns: { name: string; params: Node | null; body: Node }[] = [];
  /**
   * Decoders each of the file's functions or methods calls, by the name a call uses (`b64d`,
   * `self.decode`): `exec(self.decode(blob))` runs decoded data as much as `exec(b64decode(blob))`
   * does. Added to the `inner` names of the calls that take their result, after pass 2.
   */
  const decoders: Record<string, string[]> = Object.create(null);
  /** Names bound to a string's join method (`_ = "".join`): the separator. */
  const joiners: Record<string, string> = Object.create(null);
  /** Names bound to a concatenation with computed parts, as `Arg.partial` reads it ('curl -F file=@? https://...'). */
  const partials: Record<string, string> = Object.create(null);
  /** While a helper's body is evaluated: the line of the call, where what it decodes is reported. */
  let atLine: number | undefined;
  const nodes = root.descendantsOfType([
    'import_statement',
    'import_from_statement',
    'call',
    'string',
    'concatenated_string',
    'function_definition',
    'class_definition',
    'assignment',
    'augmented_assignment',
    'expression_statement',
  ]);
  // Docstrings and other bare string statements: their start offsets, to leave them out.
  const bare = new Set<number>();

  // Function spans in source order, for "which function is this call in" (innermost wins).
  const fnSpans: { start: number; end: number; name: string }[] = [];

  const resolveName = (n: Node | null, depth = 0): string => {
    if (!n || depth > 30) return '?';
    switch (n.type) {
      case 'identifier':
        return view.aliases[n.text] ?? n.text;
      case 'attribute': {
        const obj = n.childForFieldName('object');
        const attr = n.childForFieldName('attribute');
        return `${resolveName(obj, depth + 1)}.${attr?.text ?? '?'}`;
      }
      case 'call': {
        const fnName = resolveName(n.childForFieldName('function'), depth + 1);
        const dynamicImport = fnName === '__import__' || fnName === 'importlib.import_module';
        const dynamicAttr = fnName === 'getattr' || fnName === 'builtins.getattr';
        // Only these two look at their arguments (most calls resolve without reading them).
        if (!dynamicImport && !dynamicAttr) return `${fnName}()`;
        const args = n.childForFieldName('arguments');
        const first = args?.namedChildren[0];
        if (dynamicImport && first) {
          const s = evalStr(first, depth + 1);
          if (s) return s;
        }
        if (dynamicAttr && args && args.namedChildCount >= 2) {
          const s = evalStr(args.namedChildren[1], depth + 1);
          if (s) return `${resolveName(first ?? null, depth + 1)}.${s}`;
        }
        return `${fnName}()`;
      }
      case 'subscript':
        return `${resolveName(n.childForFieldName('value'), depth + 1)}[]`;
      case 'parenthesized_expression':
        return resolveName(n.namedChildren[0] ?? null, depth + 1);
      case 'string':
        return 'str';
      default:
        return '?';
    }
  };

  const noteDecoded = (text: string, layers: Encoding[], line: number): string | undefined => {
    const d = bytesToText(stringBytes(text), layers, 0);
    if (d) view.decoded.push({ ...d, line });
    return d && !d.executable ? d.text : text;
  };

  // Static evaluation of string-valued expressions; bounded by depth and size.
  const evalStr = (n: Node | undefined | null, depth = 0): string | undefined => {
    if (!n || depth > 40) return undefined;
    switch (n.type) {
      case 'string':
        return literalValue(n.text).value;
      case 'concatenated_string': {
        let s = '';
        for (const c of n.namedChildren) s += evalStr(c, depth + 1) ?? '';
        return s;
      }
      case 'parenthesized_expression':
        return evalStr(n.namedChildren[0], depth + 1);
      case 'identifier':
        return consts[n.text];
      case 'binary_operator': {
        if (n.child(1)?.type !== '+') return undefined;
        const l = evalStr(n.childForFieldName('left'), depth + 1);
        if (l === undefined) return undefined;
        const r = evalStr(n.childForFieldName('right'), depth + 1);
        if (r === undefined || l.length + r.length > MAX_STR) return undefined;
        return l + r;
      }
      case 'subscript': {
        const sl = n.childForFieldName('subscript');
        if (sl?.type === 'slice' && sl.text.replace(/\s/g, '') === '::-1') {
          const v = evalStr(n.childForFieldName('value'), depth + 1);
          if (v !== undefined) {
            const r = [...v].reverse().join('');
            if (r.length >= 24) noteDecoded(r, ['reversed'], atLine ?? n.startPosition.row + 1);
            return r;
          }
        }
        return undefined;
      }
      case 'call':
        return evalCall(n, depth + 1);
      default:
        return undefined;
    }
  };

  const intList = (n: Node | undefined | null): number[] | undefined => {
    if (!n || (n.type !== 'list' && n.type !== 'tuple')) return undefined;
    const out: number[] = [];
    for (const c of n.namedChildren) {
      if (c.type !== 'integer') return undefined;
      out.push(Number(c.text));
      if (out.length > MAX_STR) return undefined;
    }
    return out;
  };

  const evalCall = (n: Node, depth: number): string | undefined => {
    const fnNode = n.childForFieldName('function');
    if (!fnNode) return undefined;
    const name = resolveName(fnNode, depth);
    const attr = fnNode.type === 'attribute' ? fnNode.childForFieldName('attribute')?.text : undefined;
    const helper = helpers[name];
    // `_ = "".join` then `_([chr(c) for c in [95, 95, ...]])`.
    const joiner = fnNode.type === 'identifier' ? joiners[fnNode.text] : undefined;
    // Most calls evaluate to nothing: decide from the name before reading arguments or positions.
    if (!helper && joiner === undefined && !EVALUATED_CALLS.has(name) && !DECODERS[name] && (attr === undefined || !EVALUATED_METHODS.has(attr))) return undefined;
    const args = n.childForFieldName('arguments');
    if (!args) return undefined;
    const a0 = args.namedChildren[0];
    const line = atLine ?? n.startPosition.row + 1;
    if (helper) return a0 && args.namedChildCount === 1 ? callHelper(helper, evalStr(a0, depth), line, depth) : undefined;
    if (name === 'chr' && a0?.type === 'integer') return String.fromCharCode(Number(a0.text) & 0xffff);
    // marshal.loads: the decoder under it already reported the code object's readable strings.
    if ((name === 'str' || name === 'marshal.loads') && a0) return evalStr(a0, depth);
    if ((name === 'bytes' || name === 'bytearray') && a0) {
      const ints = intList(a0);
      if (ints) {
        const s = String.fromCharCode(...ints.map((x) => x & 0xff));
        if (s.length >= 24) noteDecoded(s, ['bytes'], line);
        return s;
      }
      return evalStr(a0, depth);
    }
    if (attr !== undefined) {
      const obj = fnNode.childForFieldName('object');
      if (attr === 'decode' || attr === 'encode') {
        const v = evalStr(obj, depth);
        if (v === undefined) return undefined;
        const codec = a0 ? evalStr(a0, depth)?.toLowerCase() : undefined;
        if (attr === 'decode' && codec && /rot.?13/.test(codec)) return rot13(v);
        return v;
      }
      if ((attr === 'replace' || attr === 'strip' || attr === 'lower' || attr === 'upper') && obj) {
        const v = evalStr(obj, depth);
        if (v === undefined) return undefined;
        if (attr === 'strip') return v.trim();
        if (attr === 'lower') return v.toLowerCase();
        if (attr === 'upper') return v.toUpperCase();
        const from = a0 ? evalStr(a0, depth) : undefined;
        const to = args.namedChildren[1] ? evalStr(args.namedChildren[1], depth) : undefined;
        return from !== undefined && to !== undefined && from.length ? v.split(from).join(to) : undefined;
      }
      if (attr === 'join' && obj && (obj.type === 'string' || obj.type === 'concatenated_string') && a0) return join(evalStr(obj, depth) ?? '', a0, line, depth);
    }
    if (joiner !== undefined && a0) return join(joiner, a0, line, depth);
    const enc = DECODERS[name];
    if (enc && a0) {
      const v = evalStr(a0, depth);
      if (v === undefined) return undefined;
      return decodeAs(v, enc, line);
    }
    if (name === 'codecs.decode' && a0) {
      const v = evalStr(a0, depth);
      const codec = args.namedChildren[1] ? evalStr(args.namedChildren[1], depth)?.toLowerCase() : undefined;
      if (v === undefined || !codec) return undefined;
      if (/rot.?13/.test(codec)) return rot13(v);
      if (codec.includes('hex')) return decodeAs(v, 'hex', line);
      if (codec.includes('base64')) return decodeAs(v, 'base64', line);
      if (codec.includes('zlib')) return decodeAs(v, 'zlib', line);
    }
    return undefined;
  };

  /** A decoding function's steps when it takes one parameter, assigns names and returns one value. */
  function decodingHelper(params: Node | null, body: Node): (typeof helpers)[string] | undefined {
    const ps = params?.namedChildren ?? [];
    if (ps.length !== 1 || ps[0].type !== 'identifier') return undefined;
    let steps: Node[] = [];
    let ret: Node | null = body;
    if (body.type === 'block') {
      const stmts = body.namedChildren.filter((c) => c.type !== 'comment');
      const last = stmts.pop();
      ret = last?.type === 'return_statement' ? last.namedChildren[0] ?? null : null;
      steps = stmts.map((st) => (st.type === 'expression_statement' && st.namedChildCount === 1 ? st.firstNamedChild : null)).filter((a): a is Node => a?.type === 'assignment');
      if (steps.length !== stmts.length || steps.some((a) => a.childForFieldName('left')?.type !== 'identifier')) return undefined;
    }
    return ret ? { param: ps[0].text, steps, ret } : undefined;
  }

  /** A decoding helper applied to a value: its steps evaluated with the parameter bound, names restored after. */
  function callHelper(h: (typeof helpers)[string], arg: string | undefined, line: number, depth: number): string | undefined {
    if (arg === undefined || depth > 30) return undefined;
    const names = [h.param, ...h.steps.map((a) => a.childForFieldName('left')!.text)];
    const saved = names.map((k) => consts[k]);
    const outer = atLine;
    atLine = line;
    try {
      consts[h.param] = arg;
      for (const a of h.steps) {
        const v = evalStr(a.childForFieldName('right'), depth + 1);
        if (v === undefined) return undefined;
        consts[a.childForFieldName('left')!.text] = v;
      }
      return evalStr(h.ret, depth + 1);
    } finally {
      atLine = outer;
      names.forEach((k, i) => (saved[i] === undefined ? delete consts[k] : (consts[k] = saved[i]!)));
    }
  }

  /** `sep.join(parts)` evaluated; code spelled in character codes is noted like decoded data. */
  function join(sep: string, a0: Node, line: number, depth: number): string | undefined {
    const parts = joinParts(a0, depth);
    if (!parts) return undefined;
    const s = parts.join(sep);
    // Readable pieces joined (code generators do it too) are 'joined', not an encoding: the
    // text is analysed as code all the same, but its exec is not "an encoded payload".
    const spelled = a0.type !== 'identifier' && /\bchr\b/.test(a0.text);
    if (s.length >= 24) noteDecoded(s, [a0.type === 'identifier' ? 'joined' : 'chr'], line);
    // A short name spelled in character codes (`__builtins__`, `getattr`): what `escaped` collects.
    else if (spelled && s.length >= 3 && view.escaped.length < 500) view.escaped.push({ value: s, line });
    return s;
  }

  const decodeAs = (v: string, enc: Encoding, line: number): string | undefined => {
    let b: Buffer;
    try {
      if (enc === 'base64') b = Buffer.from(v.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/'), 'base64');
      else if (enc === 'hex') b = Buffer.from(v.replace(/\s+/g, ''), 'hex');
      else b = latin1(v);
    } catch {
      return undefined;
    }
    const d = bytesToText(b, enc === 'zlib' || enc === 'gzip' ? [] : [enc], 0);
    if (d) view.decoded.push({ ...d, line });
    if (!d || d.executable) return b.toString('latin1');
    return d.text;
  };

  // ''.join(...) argument: a list of strings, map(chr, [..]) or (chr(x) for x in [..]).
  const joinParts = (n: Node, depth: number): string[] | undefined => {
    // Chunks kept in a list first (`exec(compile(''.join(parts), ...))`): reassembled like a literal.
    if (n.type === 'identifier' && lists[n.text]) n = lists[n.text];
    if (n.type === 'list' || n.type === 'tuple') {
      const out: string[] = [];
      for (const c of n.namedChildren) {
        const v = evalStr(c, depth + 1);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    if (n.type === 'call' && resolveName(n.childForFieldName('function'), depth) === 'map') {
      const [f, xs] = n.childForFieldName('arguments')?.namedChildren ?? [];
      const ints = intList(xs);
      if (f?.text === 'chr' && ints) return ints.map((x) => String.fromCharCode(x & 0xffff));
    }
    if (n.type === 'generator_expression' || n.type === 'list_comprehension') {
      const body = n.childForFieldName('body');
      const forIn = n.namedChildren.find((c) => c.type === 'for_in_clause');
      const ints = intList(forIn?.childForFieldName('right'));
      if (body && ints && /^chr\(\s*\w+\s*\)$/.test(body.text)) return ints.map((x) => String.fromCharCode(x & 0xffff));
    }
    return undefined;
  };

  // The enclosing function of a position, for positions visited in source order: the open spans
  // form a stack (one pass, instead of a search over every function for every call).
  let fnIdx = 0;
  const openFns: { end: number; name: string }[] = [];
  const fnAt = (idx: number): string | undefined => {
    while (fnIdx < fnSpans.length && fnSpans[fnIdx].start <= idx) openFns.push(fnSpans[fnIdx++]);
    // Spans that closed before idx can sit under the top; drop them from the top down.
    while (openFns.length && openFns[openFns.length - 1].end <= idx) openFns.pop();
    return openFns[openFns.length - 1]?.name;
  };

  // Pass 1: imports, definitions and constants (aliases must be known before calls resolve).
  const importNodes: Node[] = [];
  for (const n of nodes) {
    if (n.type === 'import_statement' || n.type === 'import_from_statement') {
      const before = view.imports.length;
      importStatement(n, view);
      for (let k = before; k < view.imports.length; k++) importNodes.push(n);
      continue;
    }
    switch (n.type) {
      case 'function_definition': {
        const name = n.childForFieldName('name')?.text ?? '?';
        const cls = n.parent?.parent?.type === 'class_definition' ? n.parent.parent.childForFieldName('name')?.text : undefined;
        fnSpans.push({ start: n.startIndex, end: n.endIndex, name: cls ? `${cls}.${name}` : name });
        const body = n.childForFieldName('body');
        if (body && !cls) localFns.push({ name, params: n.childForFieldName('parameters'), body });
        break;
      }
      case 'assignment': {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        const body = right?.type === 'lambda' ? right.childForFieldName('body') : null;
        if (left?.type === 'identifier' && right && body) localFns.push({ name: left.text, params: right.childForFieldName('parameters'), body });
        break;
      }
      case 'class_definition': {
        const sup = n.childForFieldName('superclasses');
        const body = n.childForFieldName('body');
        view.classes.push({
          name: n.childForFieldName('name')?.text ?? '?',
          bases: (sup?.namedChildren ?? []).filter((b) => b.type !== 'keyword_argument').map((b) => b.text),
          line: n.startPosition.row + 1,
          methods: (body?.namedChildren ?? [])
            .map((s) => (s.type === 'decorated_definition' ? s.childForFieldName('definition') : s))
            .filter((s): s is Node => s?.type === 'function_definition')
            .map((s) => s.childForFieldName('name')?.text ?? '?'),
        });
        break;
      }
    }
  }
  view.importScopes = importNodes.map((n) => importScope(n, fnSpans));
  for (const h of localFns) {
    // Most functions neither decode nor run their parameter: decide from the text before walking.
    const text = h.body.text;
    const first = h.params?.namedChildren[0];
    const decodeish = DECODE_WORDS.test(text);
    const sinkish = first?.type === 'identifier' && SINK_WORDS.test(text) && text.includes(first.text);
    if (!decodeish && !sinkish) continue;
    const calls = h.body.descendantsOfType(['call']).map((c) => ({ name: resolveName(c.childForFieldName('function')), first: c.childForFieldName('arguments')?.namedChildren[0]?.text }));
    const decodes = calls.map((c) => c.name).filter(isDecoder);
    if (decodes.length) {
      decoders[h.name] = decodes;
      const helper = decodingHelper(h.params, h.body);
      if (helper) helpers[h.name] = helper;
    }
    const sink = first?.type === 'identifier' ? calls.find((c) => SINKS.test(c.name) && c.first === first.text) : undefined;
    if (sink) sinks[h.name] = sink.name;
  }
  // Class bases name imports (`class C(install)` where install came from setuptools): resolve.
  for (const c of view.classes) c.bases = c.bases.map((b) => view.aliases[b.split('.')[0]] ? resolveDotted(b, view.aliases) : b);

  // Pass 2: calls, strings, assignments, in source order.
  let inConcat = -1;
  const openCalls: { argsStart: number; end: number; site: CallSite }[] = [];
  for (const n of nodes) {
    switch (n.type) {
      case 'assignment': {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        if (left?.type === 'identifier' && right) {
          const v = evalStr(right);
          if (v !== undefined && v.length <= MAX_STR) {
            consts[left.text] = v;
            // A command or code assembled from pieces ('python -c "...' + url + '...'): keep the whole.
            if (right.type === 'binary_operator' && v.length >= 40) view.strings.push({ value: v, line: n.startPosition.row + 1 });
          }
          else {
            // Rebound to something computed: the name no longer holds the earlier literal.
            delete consts[left.text];
            if (right.type === 'list' || right.type === 'tuple') lists[left.text] = right;
          }
          if (v === undefined && right.type === 'binary_operator') partials[left.text] = knownPart(right);
          else delete partials[left.text];
          if (right.type === 'attribute' && right.childForFieldName('attribute')?.text === 'join' && right.childForFieldName('object')?.type === 'string') joiners[left.text] = evalStr(right.childForFieldName('object')) ?? '';
          else delete joiners[left.text];
          if (v === undefined && (right.type === 'identifier' || right.type === 'attribute')) {
            // `s = os.system` makes `s(...)` an os.system call.
            const r = resolveName(right);
            // ... and `_x = exec` makes `_x(...)` an exec.
            if (r.includes('.') || /^(exec|eval|compile|execfile|getattr|__import__)$/.test(r)) view.aliases[left.text] = r;
          }
        }
        break;
      }
      case 'augmented_assignment': {
        // `s += chr(...)` in a loop: the value is built at run time, not the literal it started as.
        const left = n.childForFieldName('left');
        if (left?.type === 'identifier') delete consts[left.text];
        break;
      }
      case 'call': {
        const fnNode = n.childForFieldName('function');
        const via = fnNode?.type === 'identifier' && sinks[fnNode.text] ? fnNode.text : undefined;
        const name = via ? sinks[via] : resolveName(fnNode);
        const argsNode = n.childForFieldName('arguments');
        const args: Arg[] = [];
        const kw: Record<string, Arg> = {};
        for (const a of argsNode?.namedChildren ?? []) {
          if (a.type === 'keyword_argument') {
            const k = a.childForFieldName('name')?.text ?? '?';
            kw[k] = argOf(a.childForFieldName('value'));
          } else if (a.type !== 'comment') args.push(argOf(a));
        }
        const start = n.startIndex;
        const site: CallSite = { name, line: n.startPosition.row + 1, args, kw, fn: fnAt(start), inner: [] };
        if (via) site.via = via;
        view.calls.push(site);
        // Calls nested in the arguments (exec(b64decode(...))): the calls still open around this one
        // whose argument span holds it. Calls arrive in source order, so the open ones are a stack.
        while (openCalls.length && openCalls[openCalls.length - 1].end <= start) openCalls.pop();
        // A join through an alias that no call takes as an argument (`globals()[_([chr(95), ...])]`):
        // evaluated here, since no argument evaluation will reach it.
        if (fnNode?.type === 'identifier' && joiners[fnNode.text] !== undefined && !openCalls.some((o) => o.argsStart <= start)) evalCall(n, 0);
        for (const o of openCalls) if (o.argsStart <= start) o.site.inner.push(name);
        if (argsNode && argsNode.namedChildCount) openCalls.push({ argsStart: argsNode.startIndex, end: argsNode.endIndex, site });
        break;
      }
      case 'expression_statement': {
        const only = n.namedChildCount === 1 ? n.firstNamedChild : null;
        if (only && (only.type === 'string' || only.type === 'concatenated_string')) bare.add(only.startIndex);
        break;
      }
      case 'string':
      case 'concatenated_string': {
        if (bare.has(n.startIndex)) break; // docstring
        if (n.type === 'string' && inConcat >= n.endIndex) break; // part of a concatenation already taken
        if (n.type === 'concatenated_string') inConcat = n.endIndex;
        const value = evalStr(n);
        if (value === undefined) break;
        const line = n.startPosition.row + 1;
        view.strings.push({ value, line });
        if (n.type === 'string' && value.length >= 3 && value.length <= 200) {
          const raw = n.text;
          const esc = raw.match(/\\(?:x[0-9a-fA-F]{2}|[0-7]{1,3}|u[0-9a-fA-F]{4})/g)?.length ?? 0;
          if (esc >= 3 && esc >= value.length * 0.8 && view.escaped.length < 500) view.escaped.push({ value, line });
        }
        if (value.length >= 24) {
          const d = decodeLiteral(value);
          if (d) view.decoded.push({ ...d, line });
        }
        break;
      }
    }
  }

  // Attribute references that matter to rules (`os.environ`, `sys.executable`). Found from the
  // name's occurrences in the source rather than by walking every attribute of the tree.
  const refNodes: Node[] = [];
  for (const m of source.matchAll(/(?<![\w$])(?:environ|executable)(?![\w$])/g)) {
    const id = root.descendantForIndex(m.index);
    const attr = id.type === 'identifier' ? id.parent : null;
    if (attr?.type === 'attribute' && attr.childForFieldName('attribute')?.startIndex === id.startIndex) refNodes.push(attr);
  }
  // In tree order (outer before inner), as a walk would meet them.
  refNodes.sort((x, y) => x.startIndex - y.startIndex || y.endIndex - x.endIndex);
  for (const n of refNodes) if (n.endIndex - n.startIndex <= 100) view.refs.push({ name: resolveName(n), line: n.startPosition.row + 1 });
  // Methods that decode, from the calls' enclosing functions; then the decoders behind each inner name.
  for (const c of view.calls) {
    const method = c.fn?.includes('.') && isDecoder(c.name) ? `self.${c.fn.split('.').pop()}` : undefined;
    if (method) (decoders[method] ??= []).push(c.name);
  }
  for (const c of view.calls) {
    const behind = c.inner.flatMap((n) => decoders[n] ?? []);
    if (behind.length) c.inner.push(...behind);
  }
  for (const c of view.calls) {
    const edges = (view.callGraph[c.fn ?? '<module>'] ??= []);
    const callee = lastSegment(c.name);
    edges.push(callee.endsWith('()') ? callee.slice(0, -2) : callee);
    if (c.via) edges.push(c.via);
    // A function handed to another call is called by it: atexit.register(f), Thread(target=f),
    // signal.signal(s, f), map(f, xs). Only names of functions defined in the file are followed.
    for (const a of c.args) if (a.ref !== undefined) edges.push(lastSegment(a.ref));
    for (const a of Object.values(c.kw)) if (a.ref !== undefined) edges.push(lastSegment(a.ref));
  }
  // Identifiers holding non-ASCII letters, from the non-ASCII runs of the source.
  const seen = new Set<string>();
  for (const m of source.matchAll(/[^\x00-\x7f]+/g)) {
    const id = root.descendantForIndex(m.index);
    if (id.type !== 'identifier' || seen.has(id.text)) continue;
    seen.add(id.text);
    view.nonAsciiIdents.push(id.text);
    if (seen.size > 200) break;
  }
  return view;

  /** A literal's or a constant's value, '?' for anything else (read without evaluating calls again). */
  function knownPart(n: Node | null, depth = 0): string {
    if (n?.type === 'string') return literalValue(n.text).value;
    if (n?.type === 'identifier') return consts[n.text] ?? partials[n.text] ?? '?';
    if (n?.type === 'binary_operator' && n.child(1)?.type === '+' && depth < 20) return knownPart(n.childForFieldName('left'), depth + 1) + knownPart(n.childForFieldName('right'), depth + 1);
    return '?';
  }

  function argOf(a: Node | null): Arg {
    if (!a) return { text: '' };
    const out: Arg = { text: a.text.slice(0, 200) };
    let s = evalStr(a);
    if (s === undefined && (a.type === 'list' || a.type === 'tuple') && a.namedChildCount <= 64) {
      // argv lists (['/bin/sh', '-i']) read as the command line they form.
      const parts = a.namedChildren.map((c) => evalStr(c));
      if (parts.some((x) => x !== undefined)) s = parts.map((x) => x ?? '?').join(' ');
    }
    if (s !== undefined) out.str = s;
    else {
      const list = a.type === 'identifier' ? lists[a.text] : undefined;
      if (list && list.namedChildCount <= 64) out.partial = list.namedChildren.map((c) => knownPart(c)).join(' ');
      else if (a.type === 'binary_operator') out.partial = knownPart(a);
      else if (a.type === 'identifier' && partials[a.text] !== undefined) out.partial = partials[a.text];
    }
    if (a.type === 'call') out.call = resolveName(a.childForFieldName('function'));
    else if (a.type === 'identifier' || a.type === 'attribute') out.ref = resolveName(a);
    return out;
  }
}

/** `a.b.c` → `c` (what `split('.').pop()` gives, without the array). */
const lastSegment = (name: string): string => name.slice(name.lastIndexOf('.') + 1);

function resolveDotted(name: string, aliases: Record<string, string>): string {
  const [head, ...rest] = name.split('.');
  return [aliases[head] ?? head, ...rest].join('.');
}

function rot13(s: string): string {
  return s.replace(/[a-z]/gi, (c) => {
    const b = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - b + 13) % 26) + b);
  });
}
