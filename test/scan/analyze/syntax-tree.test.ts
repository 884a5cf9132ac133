import { describe, it, expect } from 'vitest';
import type Parser from 'tree-sitter';
import { getParser, parsePython, parseCache } from '../../../src/scan/analyze/python.js';
import { SyntaxTree, type Node } from '../../../src/scan/analyze/syntax-tree.js';

// Python with what the view reads: imports, aliases, calls in arguments and f-string
// interpolations, escapes, concatenations, classes, decorators, comments inside argument lists,
// non-ASCII identifiers, a syntax error, CRLF line ends.
const SOURCE = [
  'import os, sys as s',
  'from .pkg import (a, b as c)  # comment',
  '@decorator(1)',
  'class K(Base, metaclass=M):',
  '    def run(self, x=os.environ["HOME"]):',
  '        return exec(compile("\\x70\\x72\\x69\\x6e\\x74", "<s>", "exec"))',
  'π = 3.14\r',
  'v = f"{getattr(os, \'sys\' + \'tem\')(\'id\')} and {x!r:>{w}}" + rb\'\\x00\' "tail"',
  'call(a,  # inside',
  '     b=[chr(105) for q in (1, 2)], *args, **kw)',
  'os.executable; s.path.insert(0, "x")',
  'def broken(:',
  '    pass',
].join('\n');

const FIELDS = ['name', 'alias', 'module_name', 'function', 'arguments', 'object', 'attribute', 'left', 'right', 'value', 'body', 'superclasses', 'definition', 'subscript', 'operator', 'parameters', 'return_type', 'key', 'type'];

/** Children of a string literal with no interpolation (the copy keeps none). */
const plainStringPart = (n: Parser.SyntaxNode): boolean => {
  for (let p = n.parent; p; p = p.parent) if (p.type === 'string') return !/^[a-zA-Z]*[fFtT]/.test(p.text);
  return false;
};

function compare(real: Parser.SyntaxNode, copy: Node): void {
  expect(copy.type).toBe(real.type);
  if (!real.isNamed) {
    // Anonymous nodes (punctuation, keywords, operators) keep their type only.
    expect(() => copy.startIndex).toThrow(/anonymous/);
    expect(copy.child(0)).toBeNull();
    return;
  }
  expect([copy.startIndex, copy.endIndex, copy.startPosition.row]).toEqual([real.startIndex, real.endIndex, real.startPosition.row]);
  expect(copy.text).toBe(real.text);
  const kept = (ns: Parser.SyntaxNode[]) => ns.filter((n) => !plainStringPart(n));
  expect(copy.namedChildren.map((n) => n.startIndex)).toEqual(kept(real.namedChildren).map((n) => n.startIndex));
  expect(copy.namedChildCount).toBe(kept(real.namedChildren).length);
  expect(copy.firstNamedChild?.startIndex).toBe(kept(real.namedChildren)[0]?.startIndex);
  expect(copy.child(1)?.type).toBe(kept(real.children)[1]?.type);
  // Fields name named nodes only (an operator's field is left out with its offsets).
  const keptNamed = (ns: Parser.SyntaxNode[]) => kept(ns).filter((n) => n.isNamed);
  for (const f of FIELDS) {
    expect(copy.childForFieldName(f)?.startIndex, `${real.type}.${f}`).toBe(keptNamed(real.childrenForFieldName(f))[0]?.startIndex);
    expect(copy.childrenForFieldName(f).map((n) => n.type)).toEqual(keptNamed(real.childrenForFieldName(f)).map((n) => n.type));
  }
  const realKids = kept(real.children);
  for (let i = 0, c = copy.child(0); i < realKids.length; i++, c = copy.child(i)) {
    expect(c?.parent?.startIndex).toBe(copy.startIndex);
    compare(realKids[i], c!);
  }
}

// Parameters left open: tree-sitter inserts a zero-width MISSING ')' (the empty-node case of
// the offset lookup).
const UNCLOSED = 'x = 1\ndef f(:\n  pass\n';

describe.each([
  ['a module with most constructs', SOURCE],
  ['unclosed parameters', UNCLOSED],
])('SyntaxTree (tree-sitter copied into arrays): %s', (_name, SOURCE) => {
  const tree = getParser().parse(SOURCE);
  const copy = new SyntaxTree(tree, SOURCE).rootNode;

  it('has the nodes, spans, rows, fields and children of the tree-sitter tree, plain string parts aside', () => {
    expect(copy.hasError).toBe(tree.rootNode.hasError);
    expect(copy.hasError).toBe(true);
    compare(tree.rootNode, copy);
    if (SOURCE === UNCLOSED) expect(tree.rootNode.descendantsOfType(')').some((n) => n.isMissing && n.startIndex === n.endIndex)).toBe(true);
  });

  it('finds descendants by type in document order, and the node at an offset, as tree-sitter does', () => {
    const types = ['call', 'string', 'assignment', 'import_from_statement', 'identifier'];
    const real = tree.rootNode.descendantsOfType(types).filter((n) => !plainStringPart(n));
    expect(copy.descendantsOfType(types).map((n) => `${n.type}@${n.startIndex}`)).toEqual(real.map((n) => `${n.type}@${n.startIndex}`));
    for (let i = 0; i < SOURCE.length; i++) {
      const r = tree.rootNode.descendantForIndex(i);
      const c = copy.descendantForIndex(i);
      // Inside a plain string, the copy stops at the string literal itself; inside a token, at the
      // named node around it.
      let expected = r;
      while (!expected.isNamed || plainStringPart(expected)) expected = expected.parent!;
      expect(`${c.type}@${c.startIndex}-${c.endIndex}`, `offset ${i}`).toBe(`${expected.type}@${expected.startIndex}-${expected.endIndex}`);
    }
  });
});

describe('parsePython cache', () => {
  it('gives the same view for the same source, and each caller its own strings', () => {
    parseCache.clear();
    const src = `import os\n${'x = "padding"\n'.repeat(200)}os.system("id")\n`;
    const first = parsePython(src);
    first.strings.push({ value: 'added by a caller', line: 1 });
    const second = parsePython(src);
    expect(parseCache.size).toBe(1);
    expect(second.strings.map((s) => s.value)).not.toContain('added by a caller');
    expect(second.calls.map((c) => c.name)).toEqual(['os.system']);
    // Shared parts are frozen: a caller that tried to change them would fail loudly.
    expect(() => (second.calls as unknown[]).push({})).toThrow();
  });
});
