// A tree-sitter tree copied into plain arrays in one cursor walk, read through a small subset of
// tree-sitter's SyntaxNode API (the part src/scan/analyze/python.ts uses).
//
// Why: every SyntaxNode the node binding hands out is a native call that allocates an object and
// registers it in the tree's weak node cache (about 3-4 µs each), and every getter (`type`,
// `startIndex`, `childForFieldName`...) is another native call. parsePython created ~20,000 of
// them for a 200 KB module, and that walk cost three times the parse; in the slowest files of
// malicious-dev it was two thirds of the scan CPU. A cursor walk reads four numbers per node
// (type id, field id, start, end) and everything afterwards is plain JavaScript.
//
// The semantics are tree-sitter's, except that plain string literals keep no children (see
// `plainString`) and anonymous nodes (punctuation, keywords, operators) keep only their type: no
// offsets, no field, no children (see `add`). Otherwise: visible nodes only (hidden grammar nodes
// are walked through, as the cursor does), a node's field is the one its cursor position reports
// (fields reached through hidden nodes included; extras such as comments have none),
// `childForFieldName` is the first child with that field, `descendantsOfType` is a pre-order walk
// that, like the binding's, skips zero-width nodes at offset 0, and `descendantForIndex` follows
// ts_node_descendant_for_byte_range among named nodes (an offset inside an anonymous token gives
// the named node around it). Offsets are UTF-16 code units (the binding parses JS strings as
// UTF-16), rows count '\n' only.
//
// Every cursor call is a native call (about 0.1-0.2 µs), and the copy makes several per node; the
// grammar's node types (node-types.json, `Language.nodeTypeInfo`) say which calls can be left
// out: a token never has children (no `gotoFirstChild`), and a child of a node type that has no
// fields never has a field (no `currentFieldId`). With the anonymous nodes' offsets left out, this
// cut the copy's CPU time by about a fifth on the long tail's slowest files (bench/scan-time.mjs).
import type Parser from 'tree-sitter';

/** Type names and namedness by type id, and field names by field id: fixed per grammar, learnt as met. */
const typeNames: string[] = [];
const typeNamed: boolean[] = [];
/** By type id: a token (no children ever), and a node type whose children can carry a field. */
const typeLeaf: boolean[] = [];
const typeHasFields: boolean[] = [];
const fieldIds = new Map<string, number>();
const fieldSeen: boolean[] = [];

/**
 * Named node types the grammar lists as tokens, and as nodes without fields (keyed `name`), from
 * its node-types.json. Without that list every node is asked for children and fields, as before.
 */
let grammarTypes: { leaves: Set<string>; fieldless: Set<string> } | undefined;
function learnGrammar(language: Parser.Language | undefined): void {
  if (grammarTypes) return;
  // node-types.json leaves out `fields` and `children` of tokens, which the binding's type omits.
  const info = (language?.nodeTypeInfo ?? []) as { type: string; named: boolean; fields?: object; children?: unknown; subtypes?: unknown }[];
  const named = info.filter((t) => t.named && !t.subtypes);
  grammarTypes = {
    leaves: new Set(named.filter((t) => !t.fields && !t.children).map((t) => t.type)),
    fieldless: new Set(named.filter((t) => Object.keys(t.fields ?? {}).length === 0).map((t) => t.type)),
  };
}

export class SyntaxTree {
  readonly source: string;
  readonly hasError: boolean;
  /** Per node, in pre-order (document order): type id, field id (0: none), offsets, links (-1: none). */
  private typeId: Uint16Array;
  private fieldId: Uint16Array;
  private start: Int32Array;
  private end: Int32Array;
  private parentOf: Int32Array;
  private firstChildOf: Int32Array;
  private nextSiblingOf: Int32Array;
  private count = 0;
  private lineStarts?: number[];

  constructor(tree: Parser.Tree, source: string, language?: Parser.Language) {
    learnGrammar(language);
    this.source = source;
    this.hasError = tree.rootNode.hasError;
    const cap = Math.max(64, source.length >> 2);
    this.typeId = new Uint16Array(cap);
    this.fieldId = new Uint16Array(cap);
    this.start = new Int32Array(cap);
    this.end = new Int32Array(cap);
    this.parentOf = new Int32Array(cap);
    this.firstChildOf = new Int32Array(cap);
    this.nextSiblingOf = new Int32Array(cap);
    const c = tree.walk();
    let cur = this.add(c, -1);
    for (;;) {
      if (!typeLeaf[this.typeId[cur]] && !this.plainString(cur) && c.gotoFirstChild()) {
        const i = this.add(c, cur);
        this.firstChildOf[cur] = i;
        cur = i;
        continue;
      }
      let done = false;
      while (!c.gotoNextSibling()) {
        if (!c.gotoParent()) {
          done = true;
          break;
        }
        cur = this.parentOf[cur];
      }
      if (done) break;
      const i = this.add(c, this.parentOf[cur]);
      this.nextSiblingOf[cur] = i;
      cur = i;
    }
  }

  /**
   * A string literal that cannot hold code: not an f- or t-string. Its children (quotes, content,
   * one node per escape sequence: 30 % of all nodes in the slowest files) are not copied; its
   * text is all the analysis reads. Interpolations (`f"{exec(x)}"`) keep theirs.
   */
  private plainString(i: number): boolean {
    if (typeNames[this.typeId[i]] !== 'string') return false;
    const s = this.source;
    for (let k = this.start[i]; k < this.end[i]; k++) {
      const ch = s.charCodeAt(k) | 0x20; // lower case for letters
      if (ch === 0x66 || ch === 0x74) return false; // f, t
      if (ch < 0x61 || ch > 0x7a) return true; // the quote: prefix ended
    }
    return true;
  }

  get rootNode(): Node {
    return new Node(this, 0);
  }

  /**
   * Copies the cursor's node. An anonymous node keeps its type only (offsets -1): the analysis
   * reads an operator's type (`child(1)` of a binary operator), never a token's text or position,
   * and its children (`is not` has two) are anonymous too.
   */
  private add(c: Parser.TreeCursor, parent: number): number {
    if (this.count === this.typeId.length) this.grow();
    const i = this.count++;
    const t = c.nodeTypeId;
    if (typeNames[t] === undefined) {
      const name = c.nodeType;
      typeNames[t] = name;
      typeNamed[t] = c.nodeIsNamed;
      typeLeaf[t] = !typeNamed[t] || grammarTypes!.leaves.has(name);
      typeHasFields[t] = !typeNamed[t] || !grammarTypes!.fieldless.has(name);
    }
    this.typeId[i] = t;
    this.parentOf[i] = parent;
    this.firstChildOf[i] = -1;
    this.nextSiblingOf[i] = -1;
    if (!typeNamed[t]) {
      this.fieldId[i] = 0;
      this.start[i] = -1;
      this.end[i] = -1;
      return i;
    }
    const f = parent !== -1 && typeHasFields[this.typeId[parent]] ? c.currentFieldId : 0;
    if (f && !fieldSeen[f]) {
      fieldSeen[f] = true;
      const name = c.currentFieldName;
      if (name) fieldIds.set(name, f);
    }
    this.fieldId[i] = f;
    this.start[i] = c.startIndex;
    this.end[i] = c.endIndex;
    return i;
  }

  private grow(): void {
    const n = this.typeId.length * 2;
    const g = <T extends Uint16Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.typeId = g(this.typeId, (k) => new Uint16Array(k));
    this.fieldId = g(this.fieldId, (k) => new Uint16Array(k));
    this.start = g(this.start, (k) => new Int32Array(k));
    this.end = g(this.end, (k) => new Int32Array(k));
    this.parentOf = g(this.parentOf, (k) => new Int32Array(k));
    this.firstChildOf = g(this.firstChildOf, (k) => new Int32Array(k));
    this.nextSiblingOf = g(this.nextSiblingOf, (k) => new Int32Array(k));
  }

  /** @internal Node accessors read these. */
  typeOf(i: number): string {
    return typeNames[this.typeId[i]];
  }
  namedAt(i: number): boolean {
    return typeNamed[this.typeId[i]];
  }
  startOf(i: number): number {
    return this.start[i];
  }
  endOf(i: number): number {
    return this.end[i];
  }
  parentIndex(i: number): number {
    return this.parentOf[i];
  }
  firstChildIndex(i: number): number {
    return this.firstChildOf[i];
  }
  nextSiblingIndex(i: number): number {
    return this.nextSiblingOf[i];
  }
  fieldAt(i: number): number {
    return this.fieldId[i];
  }
  /** Pre-order indexes after `i` up to the end of its subtree. */
  subtreeEnd(i: number): number {
    let k = i;
    while (k !== -1 && this.nextSiblingOf[k] === -1) k = this.parentOf[k];
    return k === -1 ? this.count : this.nextSiblingOf[k];
  }
  /** Zero-based row of an offset: the '\n's before it. */
  rowOf(offset: number): number {
    if (!this.lineStarts) {
      const ls = [0];
      for (let p = this.source.indexOf('\n'); p !== -1; p = this.source.indexOf('\n', p + 1)) ls.push(p + 1);
      this.lineStarts = ls;
    }
    const ls = this.lineStarts;
    let lo = 0;
    let hi = ls.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ls[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** A visible node of a SyntaxTree: a (tree, index) pair, made on demand. */
export class Node {
  constructor(
    private readonly tree: SyntaxTree,
    private readonly i: number,
  ) {}

  get type(): string {
    return this.tree.typeOf(this.i);
  }
  get text(): string {
    return this.tree.source.substring(this.startIndex, this.endIndex);
  }
  get startIndex(): number {
    return this.offset(this.tree.startOf(this.i));
  }
  get endIndex(): number {
    return this.offset(this.tree.endOf(this.i));
  }
  get startPosition(): { row: number } {
    return { row: this.tree.rowOf(this.startIndex) };
  }
  /** Anonymous nodes keep no offsets (see SyntaxTree.add): asking for one is a bug, not a 0. */
  private offset(o: number): number {
    if (o < 0) throw new Error(`no offsets are kept for anonymous nodes ('${this.type}')`);
    return o;
  }
  get hasError(): boolean {
    if (this.i === 0) return this.tree.hasError;
    throw new Error('hasError is only kept for the root');
  }
  get parent(): Node | null {
    const p = this.tree.parentIndex(this.i);
    return p === -1 ? null : new Node(this.tree, p);
  }
  get namedChildren(): Node[] {
    const out: Node[] = [];
    for (let k = this.tree.firstChildIndex(this.i); k !== -1; k = this.tree.nextSiblingIndex(k)) if (this.tree.namedAt(k)) out.push(new Node(this.tree, k));
    return out;
  }
  get namedChildCount(): number {
    let n = 0;
    for (let k = this.tree.firstChildIndex(this.i); k !== -1; k = this.tree.nextSiblingIndex(k)) if (this.tree.namedAt(k)) n++;
    return n;
  }
  get firstNamedChild(): Node | null {
    for (let k = this.tree.firstChildIndex(this.i); k !== -1; k = this.tree.nextSiblingIndex(k)) if (this.tree.namedAt(k)) return new Node(this.tree, k);
    return null;
  }
  /** The index-th child, anonymous ones (punctuation, operators) included. */
  child(index: number): Node | null {
    let k = this.tree.firstChildIndex(this.i);
    for (let n = 0; k !== -1 && n < index; n++) k = this.tree.nextSiblingIndex(k);
    return k === -1 ? null : new Node(this.tree, k);
  }
  childForFieldName(name: string): Node | null {
    const f = fieldIds.get(name);
    if (f === undefined) return null;
    for (let k = this.tree.firstChildIndex(this.i); k !== -1; k = this.tree.nextSiblingIndex(k)) if (this.tree.fieldAt(k) === f) return new Node(this.tree, k);
    return null;
  }
  childrenForFieldName(name: string): Node[] {
    const f = fieldIds.get(name);
    const out: Node[] = [];
    if (f === undefined) return out;
    for (let k = this.tree.firstChildIndex(this.i); k !== -1; k = this.tree.nextSiblingIndex(k)) if (this.tree.fieldAt(k) === f) out.push(new Node(this.tree, k));
    return out;
  }
  /** This node and its descendants whose type is one of `types`, in document order. */
  descendantsOfType(types: readonly string[]): Node[] {
    const want = new Set(types);
    const out: Node[] = [];
    const endAt = this.tree.subtreeEnd(this.i);
    for (let k = this.i; k < endAt; k++) {
      // The binding's walk starts at point (0, 0) and skips nodes ending there (zero-width ones).
      if (this.tree.endOf(k) === 0) continue;
      if (want.has(this.tree.typeOf(k))) out.push(new Node(this.tree, k));
    }
    return out;
  }
  /**
   * The smallest node that spans `index` (ts_node_descendant_for_byte_range), anonymous ones aside:
   * with no offsets they span nothing, so an offset inside a token gives the named node around it.
   */
  descendantForIndex(index: number): Node {
    let node = this.i;
    for (let descended = true; descended; ) {
      descended = false;
      for (let k = this.tree.firstChildIndex(node); k !== -1; k = this.tree.nextSiblingIndex(k)) {
        const s = this.tree.startOf(k);
        const e = this.tree.endOf(k);
        if (e < index) continue;
        if (s === e ? e < index : e <= index) continue;
        if (index < s) break;
        node = k;
        descended = true;
        break;
      }
    }
    return new Node(this.tree, node);
  }
}
