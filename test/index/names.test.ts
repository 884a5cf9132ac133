import { describe, expect, test } from 'vitest';
import { MAX_NAME_LENGTH, normalizeName, validProjectName } from '../../src/index/index.js';

describe('normalizeName (PEP 503)', () => {
  test.each([
    ['Django', 'django'],
    ['zope.interface', 'zope-interface'],
    ['ruamel.yaml.clib', 'ruamel-yaml-clib'],
    ['Foo__Bar--baz..QUX', 'foo-bar-baz-qux'],
    ['typing_extensions', 'typing-extensions'],
    ['a-_.b', 'a-b'],
    ['already-normal', 'already-normal'],
  ])('%s → %s', (raw, want) => {
    expect(normalizeName(raw)).toBe(want);
  });
});

describe('validProjectName', () => {
  test.each(['requests', 'Django', 'zope.interface', 'a', 'x1', 'ruamel.yaml.clib', 'A_B-c.d', 'n'.repeat(MAX_NAME_LENGTH)])(
    'accepts %s',
    (name) => expect(validProjectName(name)).toBe(true),
  );
  test.each([
    ['empty', ''],
    ['traversal', '..'],
    ['dot-dot inside', 'a..b'],
    ['slash', 'a/b'],
    ['backslash', 'a\\b'],
    ['encoded slash left encoded', 'a%2Fb'],
    ['leading dash', '-foo'],
    ['trailing dot', 'foo.'],
    ['space', 'foo bar'],
    ['NUL', 'foo\u0000'],
    ['newline', 'foo\nbar'],
    ['unicode', 'reqüests'],
    ['too long', 'n'.repeat(MAX_NAME_LENGTH + 1)],
    ['query', 'foo?x=1'],
  ])('rejects %s', (_label, name) => expect(validProjectName(name)).toBe(false));
});
