// API-call sequences from install-time Python, as MPHunter (Liang et al., ASE 2023) builds them:
// the calls along the control flow in a canonical order, so that two scripts doing the same
// thing produce the same sequence whatever their variable names, layout or helper functions.
//
// Order: depth-first through the module's top-level statements in source order (arguments
// before the call that consumes them, i.e. evaluation order), a call to a function or class
// defined in the same file inlines that callee's body the first time (bounded depth), then
// breadth-first over the definitions nothing called (cmdclass `run` methods are invoked by
// setuptools, not by the file), in definition order.
//
// Names are resolved through the file's imports (`import os as o; o.system` → `os.system`,
// `from x import y as z; z()` → `x.y`, `__import__('os').system` → `os.system`). Calls on values
// whose type is unknown keep only the method (`.read`). A base64 literal decoded in place
// (`b64decode("...")`) is parsed and its calls inlined: the obfuscated payload is what runs.
import type Parser from 'tree-sitter';
import { getParser } from '../analyze/python.js';

/**
 * A plain copy of the named nodes of a tree-sitter tree, built in one cursor pass. Reading
 * `namedChildren` through the native binding costs about 10 µs a node (a 70 KB `__init__.py`
 * took 300 ms); the cursor copy takes a few ms and keeps the extractor below unchanged.
 */
class Node {
  readonly namedChildren: Node[] = [];
  constructor(
    private readonly src: string,
    readonly type: string,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly field: string | null,
  ) {}
  get text(): string {
    return this.src.slice(this.startIndex, this.endIndex);
  }
  get namedChildCount(): number {
    return this.namedChildren.length;
  }
  childForFieldName(name: string): Node | null {
    return this.namedChildren.find((c) => c.field === name) ?? null;
  }
  childrenForFieldName(name: string): Node[] {
    return this.namedChildren.filter((c) => c.field === name);
  }
}

function liteTree(tree: Parser.Tree, src: string): Node {
  const c = tree.walk();
  const root = new Node(src, c.nodeType, c.startIndex, c.endIndex, null);
  const stack: Node[] = [root];
  // Iterative pre-order walk: obfuscated files nest thousands deep.
  if (!c.gotoFirstChild()) return root;
  for (;;) {
    let descended = false;
    if (c.nodeIsNamed) {
      const n = new Node(src, c.nodeType, c.startIndex, c.endIndex, c.currentFieldName || null);
      stack[stack.length - 1].namedChildren.push(n);
      if (c.gotoFirstChild()) {
        stack.push(n);
        descended = true;
      }
    }
    if (descended) continue;
    while (!c.gotoNextSibling()) {
      if (!c.gotoParent() || stack.length <= 1) return root;
      stack.pop();
    }
  }
}

/** Syntactic nesting beyond which the walk stops (obfuscators build `a+a+a+...` chains thousands deep). */
const MAX_NEST = 300;

export interface CallSequenceOptions {
  /** Stop after this many tokens (huge generated files). */
  maxTokens?: number;
  /** How deep callee bodies are inlined. */
  maxInlineDepth?: number;
  /** How deep decoded base64 payloads are parsed. */
  maxDecodeDepth?: number;
}

const DEFAULTS: Required<CallSequenceOptions> = { maxTokens: 4000, maxInlineDepth: 4, maxDecodeDepth: 2 };


interface Def {
  node: Node;
  kind: 'function' | 'class';
  /** Qualified key: `f`, `Cls`, `Cls.method`. */
  key: string;
  inlined: boolean;
}

class Extractor {
  readonly tokens: string[] = [];
  private readonly aliases = new Map<string, string>();
  private readonly defs = new Map<string, Def>();
  private readonly order: Def[] = [];
  private readonly active = new Set<Def>();

  constructor(
    private readonly opts: Required<CallSequenceOptions>,
    private readonly decodeDepth: number,
  ) {}

  full(): boolean {
    return this.tokens.length >= this.opts.maxTokens;
  }

  emit(token: string): void {
    if (!this.full()) this.tokens.push(token);
  }

  run(root: Node): void {
    this.collect(root, '');
    this.walk(root, 0);
    // Breadth-first over what the control flow never reached, in definition order: methods of
    // cmdclass subclasses run when setuptools calls them.
    for (const def of this.order) {
      if (this.full()) break;
      if (!def.inlined && def.kind === 'function') this.inline(def, 0);
    }
  }

  /** Imports and definitions anywhere in the file (imports inside functions count too: droppers hide them there). */
  private collect(node: Node, scope: string, nest = 0): void {
    if (nest > MAX_NEST) return;
    for (const child of node.namedChildren) {
      switch (child.type) {
        case 'import_statement':
          for (const n of child.namedChildren) this.importName(n, '');
          this.emit(`import:${importedModule(child)}`);
          break;
        case 'import_from_statement': {
          const mod = child.childForFieldName('module_name')?.text ?? '';
          if (mod.startsWith('.')) break; // the package's own modules
          for (const n of child.childrenForFieldName('name')) this.importName(n, mod);
          this.emit(`import:${mod.split('.')[0]}`);
          break;
        }
        case 'function_definition':
        case 'class_definition': {
          const name = child.childForFieldName('name')?.text ?? '';
          const key = scope ? `${scope}.${name}` : name;
          const def: Def = { node: child, kind: child.type === 'class_definition' ? 'class' : 'function', key, inlined: false };
          if (!this.defs.has(key)) this.defs.set(key, def);
          // Methods are also reachable by bare name through self.method().
          if (scope && !this.defs.has(name)) this.defs.set(name, def);
          this.order.push(def);
          const body = child.childForFieldName('body');
          if (body) this.collect(body, child.type === 'class_definition' ? key : scope, nest + 1);
          break;
        }
        default:
          if (child.namedChildCount > 0 && !isLeafish(child)) this.collect(child, scope, nest + 1);
      }
    }
  }

  private importName(n: Node, fromModule: string): void {
    if (n.type === 'aliased_import') {
      const name = n.childForFieldName('name')?.text ?? '';
      const alias = n.childForFieldName('alias')?.text ?? '';
      if (alias) this.aliases.set(alias, fromModule ? `${fromModule}.${name}` : name);
    } else if (n.type === 'dotted_name') {
      const name = n.text;
      if (fromModule) this.aliases.set(name, `${fromModule}.${name}`);
      else this.aliases.set(name.split('.')[0], name.split('.')[0]);
    }
  }

  walk(node: Node, depth: number, nest = 0): void {
    if (this.full() || nest > MAX_NEST) return;
    switch (node.type) {
      case 'function_definition':
      case 'lambda':
        return; // bodies run when called
      case 'class_definition': {
        // The class body runs at definition time; its methods do not.
        const body = node.childForFieldName('body');
        if (body) for (const s of body.namedChildren) if (s.type !== 'function_definition' && s.type !== 'decorated_definition') this.walk(s, depth);
        return;
      }
      case 'decorated_definition':
        for (const d of node.namedChildren) if (d.type === 'decorator') this.walk(d, depth);
        return;
      case 'import_statement':
      case 'import_from_statement':
      case 'comment':
      case 'string':
        return;
      case 'call':
        this.call(node, depth, nest);
        return;
      default:
        for (const c of node.namedChildren) this.walk(c, depth, nest + 1);
    }
  }

  private call(node: Node, depth: number, nest: number): void {
    const fn = node.childForFieldName('function');
    const args = node.childForFieldName('arguments');
    // Evaluation order: the receiver (which may itself be a call), then the arguments, then the call.
    if (fn && fn.type === 'attribute') {
      const obj = fn.childForFieldName('object');
      if (obj && !isImportCall(obj)) this.walk(obj, depth, nest + 1);
    } else if (fn && fn.type !== 'identifier') {
      this.walk(fn, depth, nest + 1);
    }
    if (args) for (const a of args.namedChildren) this.walk(a, depth, nest + 1);
    const name = fn ? this.resolve(fn) : '?';
    const local = this.localDef(fn);
    if (local) {
      if (!local.inlined && depth < this.opts.maxInlineDepth) this.inline(local, depth + 1);
      return;
    }
    this.emit(name);
    if (/(^|\.)(b64decode|b32decode|b16decode|decodebytes|standard_b64decode|urlsafe_b64decode)$/.test(name) && args) this.decodeInline(args);
  }

  private inline(def: Def, depth: number): void {
    if (this.active.has(def)) return; // recursion
    def.inlined = true;
    this.active.add(def);
    if (def.kind === 'class') {
      const init = this.defs.get(`${def.key}.__init__`);
      const body = def.node.childForFieldName('body');
      if (body) for (const s of body.namedChildren) if (s.type !== 'function_definition' && s.type !== 'decorated_definition') this.walk(s, depth);
      if (init && !init.inlined) this.inline(init, depth + 1);
    } else {
      const body = def.node.childForFieldName('body');
      if (body) this.walk(body, depth);
    }
    this.active.delete(def);
  }

  private localDef(fn: Node | null): Def | undefined {
    if (!fn) return undefined;
    if (fn.type === 'identifier') return this.aliases.has(fn.text) ? undefined : this.defs.get(fn.text);
    if (fn.type === 'attribute') {
      const obj = fn.childForFieldName('object');
      const attr = fn.childForFieldName('attribute')?.text ?? '';
      if (obj?.type === 'identifier' && (obj.text === 'self' || obj.text === 'cls')) return this.defs.get(attr);
      if (obj?.type === 'identifier' && this.defs.has(`${obj.text}.${attr}`)) return this.defs.get(`${obj.text}.${attr}`);
    }
    return undefined;
  }

  /** The canonical name of a callee. */
  resolve(fn: Node): string {
    if (fn.type === 'identifier') return this.aliases.get(fn.text) ?? fn.text;
    if (fn.type === 'attribute') {
      const parts: string[] = [];
      let cur: Node | null = fn;
      while (cur && cur.type === 'attribute') {
        parts.unshift(cur.childForFieldName('attribute')?.text ?? '');
        cur = cur.childForFieldName('object');
      }
      if (!cur) return '.' + parts[parts.length - 1];
      if (cur.type === 'identifier') {
        const head = this.aliases.get(cur.text);
        if (head) return [head, ...parts].join('.');
        // `self.x`, local variables and parameters: the type is unknown, keep the method.
        return '.' + parts[parts.length - 1];
      }
      const imported = isImportCall(cur);
      if (imported) return [imported, ...parts].join('.');
      return '.' + parts[parts.length - 1];
    }
    return '?';
  }

  private decodeInline(args: Node): void {
    if (this.decodeDepth >= this.opts.maxDecodeDepth) return;
    const lit = args.namedChildren.find((a) => a.type === 'string');
    if (!lit) return;
    const raw = stringContent(lit).replace(/\s+/g, '');
    if (raw.length < 16 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) return;
    const text = Buffer.from(raw, 'base64').toString('utf8');
    // Only text that looks like code: decoded binaries (PE files) are not parsed.
    if (!/(import|exec|eval|\(|=)/.test(text) || /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text.slice(0, 2000))) return;
    const inner = extractWith(text, this.opts, this.decodeDepth + 1, this.opts.maxTokens - this.tokens.length);
    for (const t of inner) this.emit(t);
  }
}

function isLeafish(n: Node): boolean {
  return n.type === 'string' || n.type === 'comment';
}

function importedModule(stmt: Node): string {
  const first = stmt.namedChildren[0];
  if (!first) return '?';
  const name = first.type === 'aliased_import' ? first.childForFieldName('name')?.text ?? '?' : first.text;
  return name.split('.')[0];
}

/** `__import__('os')` or `importlib.import_module('os')` → `os`; anything else → undefined. */
function isImportCall(n: Node): string | undefined {
  if (n.type !== 'call') return undefined;
  const fn = n.childForFieldName('function');
  if (!fn) return undefined;
  const t = fn.text;
  if (t !== '__import__' && t !== 'importlib.import_module' && t !== 'import_module') return undefined;
  const arg = n.childForFieldName('arguments')?.namedChildren[0];
  if (!arg || arg.type !== 'string') return undefined;
  return stringContent(arg) || undefined;
}

function stringContent(lit: Node): string {
  return lit.namedChildren
    .filter((c) => c.type === 'string_content')
    .map((c) => c.text)
    .join('');
}

function extractWith(source: string, opts: Required<CallSequenceOptions>, decodeDepth: number, budget: number): string[] {
  const tree = getParser().parse(source, null, { bufferSize: Math.max(32 * 1024, source.length * 2 + 1024) });
  const x = new Extractor({ ...opts, maxTokens: Math.max(0, budget) }, decodeDepth);
  x.run(liteTree(tree, source));
  return x.tokens;
}

/**
 * The API-call sequence of one Python source text, in canonical order. Import statements appear as
 * `import:<top-level module>` tokens (gathered first: they are what the script can reach).
 * Syntax errors do not throw: tree-sitter recovers and the sequence covers what parsed.
 */
export function callSequence(source: string, options: CallSequenceOptions = {}): string[] {
  const opts = { ...DEFAULTS, ...options };
  return extractWith(source, opts, 0, opts.maxTokens);
}
