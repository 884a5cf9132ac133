// HTML character references and escaping. Decoding follows Python's html.unescape, which is what
// pip's parser applies to every attribute value: the proxy must read an upstream page as pip
// would. Index pages use few entities; all numeric references and the named ones seen in
// practice are decoded, unknown names are left as written.

// Names valid without the trailing ";" for legacy reasons (a subset of the spec's list: the
// ones that can plausibly appear in a file name, a URL or a version specifier).
const LEGACY: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', nbsp: '\u00a0', copy: '\u00a9', reg: '\u00ae',
  shy: '\u00ad', not: '\u00ac', micro: '\u00b5', middot: '\u00b7', para: '\u00b6', sect: '\u00a7',
  deg: '\u00b0', plusmn: '\u00b1', times: '\u00d7', divide: '\u00f7', laquo: '\u00ab', raquo: '\u00bb',
  iexcl: '\u00a1', iquest: '\u00bf', cent: '\u00a2', pound: '\u00a3', yen: '\u00a5', curren: '\u00a4',
  uml: '\u00a8', acute: '\u00b4', cedil: '\u00b8', macr: '\u00af', ordf: '\u00aa', ordm: '\u00ba',
  sup1: '\u00b9', sup2: '\u00b2', sup3: '\u00b3', frac14: '\u00bc', frac12: '\u00bd', frac34: '\u00be',
  brvbar: '\u00a6', szlig: '\u00df', eacute: '\u00e9', egrave: '\u00e8', aacute: '\u00e1', agrave: '\u00e0',
  ouml: '\u00f6', auml: '\u00e4', uuml: '\u00fc', Ouml: '\u00d6', Auml: '\u00c4', Uuml: '\u00dc',
  ccedil: '\u00e7', ntilde: '\u00f1', oslash: '\u00f8', aring: '\u00e5', AMP: '&', LT: '<', GT: '>', QUOT: '"',
};

// Names that need the ";".
const NAMED: Record<string, string> = {
  ...LEGACY,
  apos: "'", sol: '/', bsol: '\\', num: '#', excl: '!', percnt: '%', dollar: '$', lpar: '(', rpar: ')',
  ast: '*', plus: '+', comma: ',', period: '.', colon: ':', semi: ';', equals: '=', quest: '?',
  commat: '@', lsqb: '[', rsqb: ']', lbrack: '[', rbrack: ']', Hat: '^', lowbar: '_', grave: '`',
  lcub: '{', rcub: '}', lbrace: '{', rbrace: '}', verbar: '|', vert: '|', tilde: '\u02dc', Tab: '\t',
  NewLine: '\n', ndash: '\u2013', mdash: '\u2014', hellip: '\u2026', lsquo: '\u2018', rsquo: '\u2019',
  ldquo: '\u201c', rdquo: '\u201d', bull: '\u2022', euro: '\u20ac', trade: '\u2122', le: '\u2264',
  ge: '\u2265', ne: '\u2260', hyphen: '\u2010', dash: '\u2010', zwj: '\u200d', zwnj: '\u200c',
};

const REFERENCE = /&(?:#(\d+);?|#[xX]([0-9a-fA-F]+);?|([A-Za-z][A-Za-z0-9]*)(;?))/y;

// The four references that fill real index pages (`&gt;=3.8`, `&amp;`), matched without a regex.
const COMMON: ReadonlyArray<[string, string]> = [
  ['&gt;', '>'],
  ['&lt;', '<'],
  ['&amp;', '&'],
  ['&quot;', '"'],
];

function fromCode(code: number): string {
  // Spec: NUL, surrogates and out-of-range code points become U+FFFD.
  if (!Number.isFinite(code) || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(code);
}

// Python's rule for a name that is not a full reference: decode its longest legacy prefix
// ("&ampx" → "&x", "&amp=1" → "&=1"), else leave it as written.
function legacyPrefix(name: string): [string, number] | undefined {
  for (let len = Math.min(name.length, 6); len >= 2; len--) {
    const hit = LEGACY[name.slice(0, len)];
    if (hit !== undefined) return [hit, len];
  }
  return undefined;
}

/** Decode character references the way Python's html.unescape (and so pip) does. */
export function decodeEntities(s: string): string {
  let amp = s.indexOf('&');
  if (amp < 0) return s; // fast path: almost every value on a real page
  let out = '';
  let last = 0;
  while (amp >= 0) {
    let replacement: string | undefined;
    let length = 0;
    for (const [ref, ch] of COMMON) {
      if (s.startsWith(ref, amp)) {
        replacement = ch;
        length = ref.length;
        break;
      }
    }
    if (replacement === undefined) {
      REFERENCE.lastIndex = amp;
      const m = REFERENCE.exec(s);
      if (m) {
        const [whole, dec, hex, name, semi] = m;
        length = whole.length;
        if (dec !== undefined) replacement = fromCode(dec.length > 8 ? Infinity : parseInt(dec, 10));
        else if (hex !== undefined) replacement = fromCode(hex.length > 7 ? Infinity : parseInt(hex, 16));
        else if (semi && NAMED[name] !== undefined) replacement = NAMED[name];
        else {
          const prefix = legacyPrefix(name);
          if (prefix) {
            replacement = prefix[0];
            length = 1 + prefix[1];
          }
        }
      }
    }
    if (replacement !== undefined) {
      out += s.slice(last, amp) + replacement;
      last = amp + length;
      amp = s.indexOf('&', last);
    } else {
      amp = s.indexOf('&', amp + 1);
    }
  }
  return out + s.slice(last);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const HAS_SPECIAL = /[&<>"']/;
const SPECIALS = /[&<>"']/g;

/** Escape for both text and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  if (!HAS_SPECIAL.test(s)) return s; // fast path
  return s.replace(SPECIALS, (c) => ESCAPES[c]);
}
