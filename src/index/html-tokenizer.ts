// A small, tolerant HTML tag scanner: just enough of the WHATWG tokenizer to read the <a>,
// <base> and <meta> tags of index pages written by any server (PyPI, devpi, pypiserver,
// Artifactory, hand-made). No DOM: a 5,000-file page is one linear pass (see bench/index-parse.mjs).
import { decodeEntities } from './entities.js';

/**
 * A tag's attributes: lowercased names → decoded values. On duplicates the LAST one wins: the
 * HTML spec keeps the first, but pip (html.parser into a dict) keeps the last, and the proxy must
 * read an upstream page the way pip would have read it (test/index/pip-reads-pages.test.ts).
 * Two flat arrays searched linearly: tags carry a handful of attributes, and this allocates far
 * less than a Map per tag (GC was the parser's largest cost), while an object keyed by names
 * sliced from the page would internalize every name on lookup.
 */
export class Attributes {
  private readonly names: string[] = [];
  private readonly values: string[] = [];

  get(name: string): string | undefined {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }

  has(name: string): boolean {
    return this.names.indexOf(name) >= 0;
  }

  /** A repeated name replaces the earlier value, as in pip. */
  add(name: string, value: string): void {
    const i = this.names.indexOf(name);
    if (i < 0) {
      this.names.push(name);
      this.values.push(value);
    } else {
      this.values[i] = value;
    }
  }
}

export interface Tag {
  /** Lowercased tag name. */
  name: string;
  attrs: Attributes;
  /** Index just past the tag's `>`. */
  end: number;
}

// Elements whose content is raw text: a "<a" inside them is not a link.
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext']);

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Index just past the name of the start tag whose `<` is at `lt`, or -1 if this `<` opens no tag. */
function tagNameEnd(html: string, lt: number): number {
  const n = html.length;
  let i = lt + 1;
  if (i >= n || !isAlpha(html.charCodeAt(i))) return -1;
  while (i < n) {
    const c = html.charCodeAt(i);
    if (isSpace(c) || c === 0x2f /* / */ || c === 0x3e /* > */) break;
    i++;
  }
  return i;
}

/**
 * Index just past the `>` closing a tag we do not care about, starting inside it. Fast path:
 * no quote before the next `>` (`<br />`, `<h1>`); otherwise the full attribute scan so that a
 * `>` inside a quoted value does not end the tag early.
 */
function skipTag(html: string, from: number): number {
  const gt = html.indexOf('>', from);
  if (gt < 0) return html.length;
  let quoted = false;
  for (let i = from; i < gt; i++) {
    const c = html.charCodeAt(i);
    if (c === 0x22 || c === 0x27) {
      quoted = true;
      break;
    }
  }
  if (!quoted) return gt + 1;
  return readAttributes(html, from, 'x')?.end ?? html.length;
}

function readAttributes(html: string, from: number, name: string): Tag | null {
  const n = html.length;
  let i = from;
  const attrs = new Attributes();
  while (i < n) {
    let c = html.charCodeAt(i);
    if (isSpace(c) || c === 0x2f) {
      i++;
      continue;
    }
    if (c === 0x3e) return { name, attrs, end: i + 1 };
    // Attribute name: up to whitespace, "/", ">" or "=" (a leading "=" belongs to the name).
    const an = i;
    i++;
    while (i < n) {
      c = html.charCodeAt(i);
      if (isSpace(c) || c === 0x2f || c === 0x3e || c === 0x3d) break;
      i++;
    }
    const attrName = html.slice(an, i).toLowerCase();
    while (i < n && isSpace(html.charCodeAt(i))) i++;
    let value = '';
    if (i < n && html.charCodeAt(i) === 0x3d /* = */) {
      i++;
      while (i < n && isSpace(html.charCodeAt(i))) i++;
      const q = html.charCodeAt(i);
      if (q === 0x22 || q === 0x27) {
        const close = html.indexOf(q === 0x22 ? '"' : "'", i + 1);
        const stop = close < 0 ? n : close;
        value = html.slice(i + 1, stop);
        i = close < 0 ? n : close + 1;
      } else {
        const vs = i;
        while (i < n) {
          c = html.charCodeAt(i);
          if (isSpace(c) || c === 0x3e) break;
          i++;
        }
        value = html.slice(vs, i);
      }
      value = decodeEntities(value);
    }
    attrs.add(attrName, value);
  }
  // End of input inside a tag: the spec drops the tag, and so do we.
  return null;
}

/**
 * Call `onTag` for every start tag (or only those named in `wanted`), in document order,
 * skipping comments, doctypes, processing instructions, end tags and the content of raw-text
 * elements. `onTag` may return an index to resume scanning from (past the text it consumed).
 */
export function scanTags(html: string, onTag: (tag: Tag) => number | void, wanted?: ReadonlySet<string>): void {
  const n = html.length;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0 || lt + 1 >= n) return;
    const next = html.charCodeAt(lt + 1);
    if (next === 0x21 /* ! */) {
      if (html.startsWith('<!--', lt)) {
        const close = html.indexOf('-->', lt + 4);
        i = close < 0 ? n : close + 3;
      } else {
        const close = html.indexOf('>', lt + 2);
        i = close < 0 ? n : close + 1;
      }
      continue;
    }
    if (next === 0x3f /* ? */ || next === 0x2f /* / */) {
      const close = html.indexOf('>', lt + 2);
      i = close < 0 ? n : close + 1;
      continue;
    }
    const nameEnd = tagNameEnd(html, lt);
    if (nameEnd < 0) {
      i = lt + 1;
      continue;
    }
    const name = html.slice(lt + 1, nameEnd).toLowerCase();
    // Fast path: tags nobody asked for are skipped without building their attributes.
    if (wanted && !wanted.has(name)) {
      i = skipTag(html, nameEnd);
      if (RAW_TEXT.has(name)) {
        if (name === 'plaintext') return;
        i = findEndTag(html, name, i).after;
      }
      continue;
    }
    const tag = readAttributes(html, nameEnd, name);
    if (!tag) return; // input ended inside the tag
    const resume = onTag(tag);
    i = typeof resume === 'number' && resume > tag.end ? resume : tag.end;
    if (RAW_TEXT.has(tag.name) && !(typeof resume === 'number' && resume > tag.end)) {
      if (tag.name === 'plaintext') return;
      i = findEndTag(html, tag.name, i).after;
    }
  }
}

const endTagPatterns = new Map<string, RegExp>();

/**
 * Find `</name` (case-insensitive) from `from`. Returns where the element's text stops and the
 * index after the end tag's `>`; both are the input's length when there is no end tag.
 */
export function findEndTag(html: string, name: string, from: number): { stop: number; after: number } {
  let re = endTagPatterns.get(name);
  if (!re) {
    re = new RegExp('</' + name + '(?=[\\s/>]|$)', 'gi');
    endTagPatterns.set(name, re);
  }
  re.lastIndex = from;
  const m = re.exec(html);
  if (!m) return { stop: html.length, after: html.length };
  const close = html.indexOf('>', m.index);
  return { stop: m.index, after: close < 0 ? html.length : close + 1 };
}

/** Text (no markup) with references decoded and whitespace trimmed. */
export function textContent(text: string): string {
  return decodeEntities(text).trim();
}
