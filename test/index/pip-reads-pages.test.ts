// Real clients read what we render: pip's own link parser (pip 18.1 → 24.2, from the pyenv
// Pythons on this machine) on pages from renderProjectHtml / renderProjectJson, and pip 24 as a
// second opinion on tricky upstream HTML that parseProjectHtml must read the same way.
// Only pip's library code runs, on a page file: nothing is fetched, built or installed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { parseProjectHtml, renderProjectHtml, renderProjectJson, type ProjectPage } from '../../src/index/index.js';
import { requireOrSkip } from '../helpers/ci.js';

const HELPER = join(import.meta.dirname, 'helpers', 'pip_parse_links.py');
const PYENV = join(homedir(), '.pyenv', 'versions');
// [python, pip version, pip reads yanked (>= 19.2), pip reads core metadata (>= 23), pip reads JSON (>= 22.2)]
const PIPS: Array<[string, string, boolean, boolean, boolean]> = [
  ['3.6.15', '18.1', false, false, false],
  ['2.7.18', '19.2.3', true, false, false],
  ['3.7.16', '22.0.4', true, false, false],
  // 23.0.1 has the PEP 714 bug (crashes on a JSON "dist-info-metadata" key): must read our JSON.
  ['3.8.18', '23.0.1', true, false, true],
  ['3.11.7', '23.2.1', true, true, true],
  ['3.13.0', '24.2', true, true, true],
];
const available = PIPS.filter(([py]) => existsSync(join(PYENV, py, 'bin', 'python')));
requireOrSkip(available.length === PIPS.length, `pip-reads-pages: ${PIPS.length - available.length} pyenv Pythons under ${PYENV} (those pip versions)`);

const dir = mkdtempSync(join(tmpdir(), 'pywarden-index-pip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface PipLink {
  url: string;
  filename: string;
  hash: string | null;
  hash_name: string | null;
  requires_python: string | null;
  yanked_reason: string | null;
  metadata_hashes?: Record<string, string> | null;
}

function pipRead(py: string, body: string, contentType: string, pageUrl = 'https://proxy.example/simple/demo/'): PipLink[] {
  const file = join(dir, `page-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, body);
  const out = execFileSync(join(PYENV, py, 'bin', 'python'), [HELPER, file, pageUrl, contentType], {
    encoding: 'utf8',
    env: { ...process.env, PIP_CONFIG_FILE: '/dev/null', PYTHONWARNINGS: 'ignore' },
  });
  return JSON.parse(out);
}

const H = 'ab'.repeat(32);
const M = 'cd'.repeat(32);
const PAGE: ProjectPage = {
  name: 'demo',
  status: { status: 'active' },
  files: [
    { filename: 'demo-1.0.tar.gz', url: 'https://f.example/p/demo-1.0.tar.gz', hashes: { sha256: H }, requiresPython: '>=3.8,<4', yanked: 'bad <build> & "quotes"' },
    {
      filename: 'demo-1.1-py3-none-any.whl',
      url: 'https://f.example/p/demo-1.1-py3-none-any.whl',
      hashes: { sha256: H },
      requiresPython: '>=3.8,<4',
      coreMetadata: { sha256: M },
      size: 10,
      provenance: 'https://p.example/x',
    },
    { filename: 'demo-1.2.tar.gz', url: 'https://f.example/p/demo-1.2.tar.gz?x=1&y=2', hashes: { sha256: H }, yanked: true },
  ],
};

describe.each(available)('pip on Python %s (pip %s)', (py, _pip, yanked, metadata, json) => {
  const check = (links: PipLink[]) => {
    expect(links.map((l) => [l.url, l.filename, l.hash_name, l.hash, l.requires_python])).toEqual([
      ['https://f.example/p/demo-1.0.tar.gz', 'demo-1.0.tar.gz', 'sha256', H, '>=3.8,<4'],
      ['https://f.example/p/demo-1.1-py3-none-any.whl', 'demo-1.1-py3-none-any.whl', 'sha256', H, '>=3.8,<4'],
      ['https://f.example/p/demo-1.2.tar.gz?x=1&y=2', 'demo-1.2.tar.gz', 'sha256', H, null],
    ]);
    if (yanked) expect(links.map((l) => l.yanked_reason)).toEqual(['bad <build> & "quotes"', null, '']);
    if (metadata) expect(links[1].metadata_hashes).toEqual({ sha256: M });
  };
  test('reads our HTML page: URLs, hashes, requires-python, yanked, core metadata', () => {
    check(pipRead(py, renderProjectHtml(PAGE), 'text/html'));
  });
  test.runIf(json)('reads our JSON page the same way', () => {
    check(pipRead(py, renderProjectJson(PAGE), 'application/vnd.pypi.simple.v1+json'));
  });
});

// Upstream HTML that real indexes write, read by pip 24 and by us: both must see the same links.
const TRICKY: Array<[string, string]> = [
  ['entities and unquoted values', `<a href=x-1.0.tar.gz#sha256=${H} data-requires-python=&gt;=3.9>x-1.0.tar.gz</a><a href="y-1.0.tar.gz" data-requires-python="&#62;=3.8&#44;&lt;4">y-1.0.tar.gz</a>`],
  ['case and single quotes', `<A HREF='x-1.0.tar.gz#sha256=${H}' DATA-YANKED='r &amp; r'>x-1.0.tar.gz</A>`],
  ['<base href>', `<html><head><base href="https://cdn.example/files/"></head><body><a href="x-1.0.tar.gz">x-1.0.tar.gz</a></body></html>`],
  ['relative paths and queries', `<a href="../../packages/x-1.0.tar.gz?a=1&amp;b=2#sha256=${H}">x-1.0.tar.gz</a>`],
  ['comments and scripts', `<!-- <a href="c-1.tar.gz">c</a> --><script>var s = '<a href="s-1.tar.gz">s</a>';</script><a href="x-1.0.tar.gz">x-1.0.tar.gz</a>`],
  ['empty yanked and duplicate attributes', `<a href="x-1.0.tar.gz" href="y.tar.gz" data-yanked data-yanked="second">x-1.0.tar.gz</a>`],
];

describe.runIf(available.some(([py]) => py === '3.13.0'))('parseProjectHtml agrees with pip 24 on tricky upstream HTML', () => {
  test.each(TRICKY)('%s', (_label, html) => {
    const url = 'https://idx.example/simple/x/';
    const pip = pipRead('3.13.0', html, 'text/html', url);
    const ours = parseProjectHtml(html, url).files;
    expect(ours.map((f) => [f.url, f.hashes.sha256 ?? null, f.requiresPython ?? null, f.yanked === undefined || f.yanked === false ? null : f.yanked === true ? '' : f.yanked])).toEqual(
      pip.map((l) => [l.url, l.hash, l.requires_python, l.yanked_reason]),
    );
  });
});

// Random upstream pages built from the pieces real and broken indexes contain, read by pip 24 and
// by parseProjectHtml: the links must agree. Deliberate differences are normalized away, each
// with its reason; anything else is a bug in how the proxy reads upstream.
describe.runIf(available.some(([py]) => py === '3.13.0'))('differential against pip 24 on random pages', () => {
  test('same links, URLs, hashes, requires-python and yanked reasons', () => {
    const val = fc.constantFrom(
      'x-1.0.tar.gz', `y-2.0.tar.gz#sha256=${H}`, '../z-1.tar.gz', '&gt;=3.8', '&lt;4&amp;', 'r&quot;s', "it's", 'a b', '',
      '&#62;', '&#x3C;', 'https://h.example/p/w-1.whl', '?q=1&amp;r=2', '&amp=1', '&gt', '&ampx', '&notit',
    );
    const name = fc.constantFrom('href', 'HREF', 'data-requires-python', 'data-yanked', 'data-core-metadata', 'title');
    const attr = fc
      .tuple(name, fc.constantFrom('"', "'", '', 'bare'), val)
      .map(([n, q, v]) => (q === 'bare' ? ` ${n}` : q === '' ? ` ${n}=${v.replace(/[\s"'>]/g, '') || 'v'}` : ` ${n}=${q}${v.replaceAll(q, '')}${q}`));
    const anchor = fc
      .tuple(fc.constantFrom('a', 'A'), fc.array(attr, { maxLength: 4 }), fc.constantFrom('text', 'x-1.0.tar.gz'), fc.constantFrom('</a>', '</A>', '', '</a >'))
      .map(([t, attrs, text, end]) => `<${t}${attrs.join('')}>${text}${end}`);
    const other = fc.constantFrom(
      '<br/>', '<br>', '<!-- c -->', '<!-- <a href="c-1.tar.gz">c</a> -->', '<p class="x>y">', '<div>', '</div>', '<h1>Links</h1>', ' ',
      '<script>var a = "<a href=s.tar.gz>";</script>', '<style>a{}</style>', '<base href="https://cdn.example/b/">', '<meta name="x" content="y">',
    );
    const docs = fc.sample(fc.array(fc.oneof(anchor, other), { maxLength: 8 }).map((a) => a.join('')), { numRuns: 1500, seed: Number(process.env.FC_SEED ?? 42) });
    const url = 'https://idx.example/simple/x/';
    const pip: Array<Array<[string, string | null, string | null, string | null]>> = JSON.parse(
      execFileSync(join(PYENV, '3.13.0', 'bin', 'python'), [join(import.meta.dirname, 'helpers', 'pip_parse_html_batch.py')], {
        input: JSON.stringify(docs.map((html) => ({ html, url }))),
        encoding: 'utf8',
        maxBuffer: 1 << 28,
        env: { ...process.env, PIP_CONFIG_FILE: '/dev/null', PYTHONWARNINGS: 'ignore' },
      }),
    );
    // pip re-quotes path characters ("&" → "%26") and collapses "//": the same resource.
    const sameUrl = (u: string) => decodeURIComponent(u).replace(/([^:])\/{2,}/g, '$1/');
    // pip takes whatever hex-looking text follows "sha256="; we require the whole value to be hex.
    const hash = (h: string | null) => (h !== null && /^[0-9a-f]+$/.test(h) ? h : null);
    const mismatches: string[] = [];
    docs.forEach((html, i) => {
      // A bare data-yanked (no "=") is yanked per PEP 592; pip's html.parser reads it as None.
      const bare = /data-yanked(?!=)/i.test(html);
      const norm = (links: Array<[string, string | null, string | null, string | null]>) =>
        JSON.stringify(links.map(([u, h, rp, y]) => [sameUrl(u), hash(h), rp, bare ? '-' : y]));
      const ours = parseProjectHtml(html, url).files.map(
        (f): [string, string | null, string | null, string | null] => [f.url, f.hashes.sha256 ?? null, f.requiresPython ?? null, f.yanked === undefined || f.yanked === false ? null : f.yanked === true ? '' : f.yanked],
      );
      if (norm(ours) !== norm(pip[i])) mismatches.push(`${JSON.stringify(html)}\n  ours ${norm(ours)}\n  pip  ${norm(pip[i])}`);
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});
