// Properties over arbitrary pages: what we render, we read back, and rendering what we read
// gives the same bytes (so a page that passes through the proxy twice does not drift).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  IndexParseError,
  normalizeName,
  parseProjectHtml,
  parseProjectJson,
  parseRootHtml,
  parseRootJson,
  renderProjectHtml,
  renderProjectJson,
  renderRootHtml,
  renderRootJson,
  safeFilename,
  validProjectName,
  type IndexFile,
  type ProjectPage,
} from '../../src/index/index.js';

// FC_NUM_RUNS=20000 for a deeper search; 300 keeps the default run fast on two cores.
const RUNS = { numRuns: Number(process.env.FC_NUM_RUNS ?? 300) };

// Strings that stress escaping: HTML specials, entity look-alikes, quotes, unicode, astral chars.
const nasty = fc.oneof(
  fc.string({ unit: fc.constantFrom('<', '>', '&', '"', "'", '=', '#', ';', 'amp', '&lt;', '&#62;', '&#x3e', ' ', '\t', 'é', '日', '😈', 'a', '/', '</a>', '<br>') }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
);
const nonBlank = nasty.map((s) => s.trim()).filter((s) => s !== '');
// File names keep the HTML specials but lose what safeFilename refuses (separators, controls).
const filename = nasty
  .map((s) => s.replace(/[/\\\u0000-\u001f\u007f]/g, '_').trim())
  .filter((s) => safeFilename(s));
const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 64 });
const projectName = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,30}[A-Za-z0-9])?$/).filter(validProjectName);
// URLs as a parser produces them: absolute, normalized, no fragment.
const url = fc.webUrl({ withQueryParameters: true }).map((u) => {
  const x = new URL(u);
  x.hash = '';
  return x.href;
});

function file(htmlOnly: boolean): fc.Arbitrary<IndexFile> {
  const hashes = htmlOnly
    ? fc.option(hex.map((h) => ({ sha256: h })), { nil: undefined }).map((h) => h ?? {})
    : fc.dictionary(fc.constantFrom('sha256', 'sha512', 'md5', 'blake2b'), hex);
  return fc
    .record(
      {
        filename,
        url,
        hashes,
        requiresPython: nonBlank,
        yanked: fc.oneof(fc.constant(true), nonBlank),
        coreMetadata: fc.oneof(fc.constant(true as const), hex.map((h) => ({ sha256: h }))),
        size: fc.nat(),
        uploadTime: nasty,
        provenance: htmlOnly ? url : fc.oneof(fc.constant(null), url, nasty),
        gpgSig: fc.boolean(),
      },
      { requiredKeys: ['filename', 'url', 'hashes'] },
    )
    .map((f) => {
      if (htmlOnly) {
        delete f.size;
        delete f.uploadTime;
      }
      return f;
    });
}

function page(htmlOnly: boolean): fc.Arbitrary<ProjectPage> {
  return fc
    .record(
      {
        name: projectName,
        files: fc.array(file(htmlOnly), { maxLength: 6 }),
        versions: fc.array(nasty, { maxLength: 4 }),
        lastSerial: fc.nat(),
        status: fc.record({ status: nonBlank, reason: nonBlank }, { requiredKeys: ['status'] }),
      },
      { requiredKeys: ['name', 'files'] },
    )
    .map((p) => {
      if (htmlOnly) {
        delete p.versions;
        delete p.lastSerial;
        p.name = normalizeName(p.name);
      }
      return p;
    });
}

const pageUrlOf = (p: ProjectPage) => `https://proxy.example/simple/${normalizeName(p.name)}/`;

describe('HTML', () => {
  test('render ∘ parse ∘ render = render', () => {
    fc.assert(
      fc.property(page(false), (p) => {
        const once = renderProjectHtml(p);
        expect(renderProjectHtml(parseProjectHtml(once, pageUrlOf(p)))).toBe(once);
      }),
      RUNS,
    );
  });
  test('parse ∘ render = identity on what HTML can carry', () => {
    fc.assert(
      fc.property(page(true), (p) => {
        expect(parseProjectHtml(renderProjectHtml(p), pageUrlOf(p))).toEqual(p);
      }),
      RUNS,
    );
  });
  test('arbitrary input: no throw except IndexParseError, every file URL absolute http(s)', () => {
    const soup = fc.array(fc.oneof(nasty, fc.constantFrom('<a href=', '<a href="x-1.tar.gz#sha256=ab">', '</a>', '<!--', '-->', '<script>', '<base href=', 'https://x/', '<meta name="pypi:project-status" content=')), { maxLength: 30 });
    fc.assert(
      fc.property(soup, (parts) => {
        try {
          const p = parseProjectHtml(parts.join(''), 'https://idx.example/simple/x/');
          for (const f of p.files) expect(f.url).toMatch(/^https?:\/\/[^#]*$/);
        } catch (err) {
          expect(err).toBeInstanceOf(IndexParseError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('JSON', () => {
  test('render ∘ parse ∘ render = render', () => {
    fc.assert(
      fc.property(page(false), (p) => {
        const once = renderProjectJson(p);
        expect(renderProjectJson(parseProjectJson(once, pageUrlOf(p)))).toBe(once);
      }),
      RUNS,
    );
  });
  test('parse ∘ render = identity, with versions filled in', () => {
    fc.assert(
      fc.property(page(false), (p) => {
        const back = parseProjectJson(renderProjectJson(p), pageUrlOf(p));
        expect(back.versions).toBeDefined();
        expect({ ...back, versions: p.versions }).toEqual(p.versions === undefined ? { ...p, versions: undefined } : p);
      }),
      RUNS,
    );
  });
});

describe('root pages', () => {
  test('HTML and JSON round-trip', () => {
    fc.assert(
      fc.property(fc.array(nonBlank, { maxLength: 10 }), fc.option(fc.nat(), { nil: undefined }), (projects, lastSerial) => {
        expect(parseRootHtml(renderRootHtml({ projects }))).toEqual({ projects });
        const root = lastSerial === undefined ? { projects } : { projects, lastSerial };
        expect(parseRootJson(renderRootJson(root))).toEqual(root);
      }),
      RUNS,
    );
  });
});

test('normalizeName is idempotent and leaves no separator runs or capitals', () => {
  fc.assert(
    fc.property(fc.oneof(projectName, fc.string()), (s) => {
      const n = normalizeName(s);
      expect(normalizeName(n)).toBe(n);
      expect(n).not.toMatch(/[_.]|--|[A-Z]/);
    }),
    { numRuns: 2000 },
  );
});
