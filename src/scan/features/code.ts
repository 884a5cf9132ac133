// Code features: risky APIs by category and by where the code runs (install / import / other),
// what string literals point at (URLs, IPs, credential stores, exfiltration endpoints, shell
// commands), encoded blobs and what they decode to, string entropy, line shape and obfuscation
// signs. Counts are log1p-scaled so that one 40 MB wheel does not dwarf everything else.
import { inflateSync } from 'node:zlib';
import type { FeatureSpec, Sink } from './spec.js';
import type { Where } from './layout.js';
import type { Lexed } from './pylex.js';

/** API categories; a dotted name counts once per category if any of its parts is listed. */
const API: Record<string, string[]> = {
  exec: ['exec', 'eval', 'compile', 'execfile', '__import__', 'import_module', 'runpy', 'run_path', 'run_module', 'FunctionType', 'CodeType'],
  process: ['subprocess', 'system', 'popen', 'Popen', 'spawnl', 'spawnv', 'spawnve', 'spawnlp', 'execv', 'execve', 'execl', 'execlp', 'execvp',
    'startfile', 'check_call', 'check_output', 'getoutput', 'getstatusoutput', 'pty', 'ShellExecute', 'ShellExecuteW', 'CreateProcess', 'os.fork'],
  network: ['socket', 'urllib', 'urllib2', 'urllib3', 'urlopen', 'urlretrieve', 'requests', 'httpx', 'aiohttp', 'http', 'HTTPConnection',
    'HTTPSConnection', 'ftplib', 'smtplib', 'telnetlib', 'paramiko', 'websocket', 'websockets', 'gethostbyname', 'getaddrinfo', 'sendall', 'recv', 'dns', 'pycurl'],
  encoding: ['base64', 'b64decode', 'b32decode', 'b16decode', 'b85decode', 'a85decode', 'urlsafe_b64decode', 'zlib', 'decompress', 'marshal',
    'codecs', 'binascii', 'unhexlify', 'fromhex', 'Fernet', 'AES', 'lzma', 'bz2', 'pickle', 'loads'],
  file: ['open', 'remove', 'unlink', 'rmtree', 'chmod', 'writelines', 'copyfile', 'copy2', 'makedirs', 'listdir', 'walk', 'glob', 'expanduser',
    'expandvars', 'tempfile', 'mkstemp', 'mkdtemp', 'NamedTemporaryFile', 'gettempdir', 'write_bytes', 'write_text'],
  reflection: ['getattr', 'setattr', 'delattr', 'globals', 'locals', 'vars', '__builtins__', 'builtins', '__dict__', '__getattribute__', '__code__', '__globals__'],
  sysinfo: ['environ', 'getenv', 'getpass', 'getuser', 'gethostname', 'platform', 'uname', 'getlogin', 'getcwd', 'geteuid', 'getuid', 'cpu_count', 'node', 'ipconfig', 'ifconfig'],
  windows: ['winreg', '_winreg', 'ctypes', 'windll', 'WinDLL', 'win32api', 'win32con', 'win32crypt', 'CryptUnprotectData', 'win32gui', 'pythonw', 'msvcrt', 'wmi'],
  hooks: ['cmdclass', 'install', 'develop', 'egg_info', 'build_py', 'bdist_egg', 'sdist', 'atexit'],
  crypto_stealer: ['browser_cookie3', 'pynput', 'pyautogui', 'ImageGrab', 'keyboard', 'clipboard', 'pyperclip', 'sqlite3', 'discord', 'telebot', 'psutil'],
};
const API_CATS = Object.keys(API);
const API_INDEX = new Map<string, number>();
API_CATS.forEach((cat, k) => API[cat].forEach((w) => API_INDEX.set(w, k)));

/** What string literals mention. */
const TARGETS: Record<string, RegExp> = {
  secrets: /\.ssh|id_rsa|\.aws|credentials|\.docker\/config|\.npmrc|\.pypirc|\.netrc|\.git-credentials|\/etc\/passwd|\/etc\/shadow|\.bash_history|keychain|password|passwd|token/gi,
  browser: /Login Data|Local Storage|leveldb|Cookies|Web Data|Local State|Chrome|Firefox|Opera|Brave|Edge\/User Data|discord|Telegram Desktop|tdata|wallet|Exodus|Electrum|metamask|Atomic|Coinomi/gi,
  exfil: /discord(?:app)?\.com\/api\/webhooks|api\.telegram\.org|pastebin\.com|hastebin|transfer\.sh|ngrok|requestbin|pipedream|burpcollaborator|oast\.\w+|interact\.sh|interactsh|webhook\.site|dnslog|ceye\.io|herokuapp\.com|glitch\.me|repl\.co|bit\.ly|tinyurl|anonfiles|gofile\.io|cdn\.discordapp|rentry\.co|paste\.ee|ipinfo\.io|ipify|ip-api\.com|ifconfig\.me|trycloudflare/gi,
  shell: /\.exe\b|\.bat\b|\.vbs\b|\.ps1\b|\.scr\b|powershell|cmd(?:\.exe)?\s+\/c|\bcurl\s|\bwget\s|chmod\s+\+x|\/bin\/(?:ba)?sh|nc\s+-e|\/dev\/tcp|\bschtasks\b|crontab|\.bashrc|\.zshrc|Startup|CurrentVersion\\\\Run|mshta|certutil|bitsadmin/gi,
};
const TARGET_CATS = Object.keys(TARGETS);
const SECRET_MASK = (1 << TARGET_CATS.indexOf('secrets')) | (1 << TARGET_CATS.indexOf('browser'));

const WHERES: Where[] = ['install', 'import', 'other'];

export const CODE_FEATURES: FeatureSpec[] = [
  ...WHERES.flatMap((w) => API_CATS.map((c) => ({ name: `api_${c}_${w}`, doc: `log1p count of ${c} API names (${API[c].slice(0, 6).join(', ')}, ...) in ${w}-time code, comments and strings excluded` }))),
  ...WHERES.flatMap((w) => TARGET_CATS.map((c) => ({ name: `str_${c}_${w}`, doc: `log1p count of string literals in ${w}-time code mentioning ${c} targets` }))),
  ...WHERES.map((w) => ({ name: `code_lines_${w}`, doc: `log1p lines of Python in ${w}-time files` })),
  { name: 'combo_net_exec', doc: 'log1p files that both reach the network and execute code or processes (download-and-run)' },
  { name: 'combo_decode_exec', doc: 'log1p files that both decode (base64/zlib/marshal/...) and execute' },
  { name: 'combo_info_net', doc: 'log1p files that read host/user info or environment and reach the network (beacons, exfiltration)' },
  { name: 'combo_secrets_net', doc: 'log1p files whose strings name credential or browser stores and that reach the network' },
  { name: 'combo_file_proc', doc: 'log1p files that write/modify files and start processes (drop and run)' },
  { name: 'combo_install_active', doc: 'install-time files that use the network, processes or exec (0, 1, 2, ...)' },
  { name: 'style_defs', doc: 'log1p function and class definitions' },
  { name: 'style_comments', doc: 'comments per line of Python' },
  { name: 'style_docstrings', doc: 'triple-quoted strings (docstrings, mostly) per definition' },
  { name: 'style_type_hints', doc: 'log1p return annotations (`->`)' },
  { name: 'style_relative_imports', doc: 'log1p relative imports (`from .x import y`): code organised as a package' },
  { name: 'style_raise', doc: 'log1p `raise` statements (error handling written for callers)' },
  { name: 'install_hook_class', doc: 'setup.py defines a class deriving from install/develop/egg_info/build_py/sdist (a custom command)' },
  { name: 'install_exec_decode', doc: 'an install-time line both executes (exec/eval/compile/system/Popen) and decodes (b64decode/decompress/fromhex/marshal/decode)' },
  { name: 'pth_import_lines', doc: 'lines of .pth files that start with `import` (executed at every interpreter start)' },
  { name: 'url_count', doc: 'log1p URLs in code strings' },
  { name: 'url_hosts', doc: 'log1p distinct URL hosts' },
  { name: 'url_ip', doc: 'URLs whose host is an IPv4 address' },
  { name: 'url_raw_paste', doc: 'URLs to raw-content hosts (raw.githubusercontent, pastebin raw, gist raw)' },
  { name: 'ip_count', doc: 'log1p IPv4 addresses in strings (not version-like)' },
  { name: 'blob_b64', doc: 'log1p base64-like runs of 40+ chars in strings' },
  { name: 'blob_hex', doc: 'log1p hex runs of 40+ chars in strings (or \\x escapes)' },
  { name: 'blob_max_len', doc: 'log1p length of the longest encoded run' },
  { name: 'blob_decoded_code', doc: 'decoded blobs (base64, +zlib) that read as code or shell (import/exec/http/subprocess/...)' },
  { name: 'blob_decoded_binary', doc: 'decoded blobs that are executables (MZ/ELF) or compressed data' },
  { name: 'entropy_max', doc: 'highest Shannon entropy (bits/char) of a string literal of 20+ chars' },
  { name: 'entropy_mean', doc: 'mean entropy of string literals of 20+ chars' },
  { name: 'entropy_high', doc: 'log1p string literals of 20+ chars with entropy > 5.0' },
  { name: 'longest_line', doc: 'log1p longest line in any Python file' },
  { name: 'long_lines', doc: 'log1p lines longer than 500 chars' },
  { name: 'obf_chr', doc: 'log1p chr()/ord() calls' },
  { name: 'obf_hex_escapes', doc: 'log1p \\xNN escapes in strings' },
  { name: 'obf_nonascii_ident', doc: 'log1p non-ASCII identifiers in code (CJK-identifier obfuscators)' },
  { name: 'obf_reversed', doc: 'log1p reversed-slice [::-1] uses' },
  { name: 'obf_lambda', doc: 'log1p lambda expressions per 100 lines' },
  { name: 'obf_semicolons', doc: 'log1p statement-separating semicolons' },
  { name: 'obf_exec_decode', doc: 'log1p lines (any file) that both execute and decode' },
  { name: 'obf_packer', doc: 'names of known obfuscators/packers (pyarmor, Hyperion, pyobfuscate, Kramer, BlankOBF, _0x identifiers)' },
];

const ln = Math.log1p;

export class CodeStats {
  private api = new Float64Array(WHERES.length * API_CATS.length);
  private str = new Float64Array(WHERES.length * TARGET_CATS.length);
  private lines = [0, 0, 0];
  private style = { defs: 0, comments: 0, triples: 0, hints: 0, relImports: 0, raises: 0 };
  private combos = { netExec: 0, decodeExec: 0, infoNet: 0, secretsNet: 0, fileProc: 0, installActive: 0 };
  hookClass = 0;
  installExecDecode = 0;
  pthImports = 0;
  private urls = 0;
  private hosts = new Set<string>();
  private urlIp = 0;
  private urlRaw = 0;
  private ips = 0;
  private b64 = 0;
  private hex = 0;
  private blobMax = 0;
  private decodedCode = 0;
  private decodedBinary = 0;
  private decodeBudget = 64;
  private entMax = 0;
  private entSum = 0;
  private entN = 0;
  private entHigh = 0;
  private longest = 0;
  private longLines = 0;
  private chr = 0;
  private hexEsc = 0;
  private nonAscii = 0;
  private reversed = 0;
  private lambdas = 0;
  private semis = 0;
  private execDecode = 0;
  private packer = 0;

  addPython(lx: Lexed, where: Where, isSetup: boolean): void {
    const wi = WHERES.indexOf(where);
    this.lines[wi] += lx.lines;
    if (lx.longestLine > this.longest) this.longest = lx.longestLine;
    const code = lx.code;
    // Dotted names: one token per chain, counted once per category.
    const seen = new Set<number>();
    const inFile = new Uint32Array(API_CATS.length);
    for (const m of code.matchAll(/[A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*/g)) {
      seen.clear();
      const name = m[0];
      for (const part of name.includes('.') ? name.split(/\s*\.\s*/) : [name]) {
        const k = API_INDEX.get(part);
        if (k !== undefined && !seen.has(k)) {
          seen.add(k);
          this.api[wi * API_CATS.length + k]++;
          inFile[k]++;
        }
      }
    }
    const has = (cat: string): boolean => inFile[API_CATS.indexOf(cat)] > 0;
    const net = has('network');
    const run = has('exec') || has('process');
    let secrets = false;
    for (const s of lx.strings) if (this.addString(s, wi) & SECRET_MASK) secrets = true;
    if (net && run) this.combos.netExec++;
    if (has('encoding') && has('exec')) this.combos.decodeExec++;
    if (net && has('sysinfo')) this.combos.infoNet++;
    if (net && secrets) this.combos.secretsNet++;
    if (has('file') && has('process')) this.combos.fileProc++;
    if (where === 'install' && (net || run)) this.combos.installActive++;
    this.style.defs += count(code, /^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w/gm);
    this.style.comments += lx.comments;
    this.style.triples += lx.tripleStrings;
    this.style.hints += count(code, /\)\s*->/g);
    this.style.relImports += count(code, /^[ \t]*from[ \t]+\.+/gm);
    this.style.raises += count(code, /^[ \t]*raise\b/gm);
    this.chr += count(code, /\b(?:chr|ord)\s*\(/g);
    this.reversed += count(code, /\[\s*:\s*:\s*-1\s*\]/g);
    this.lambdas += count(code, /\blambda\b/g);
    this.semis += count(code, /;[ \t]*[A-Za-z_]/g);
    this.nonAscii += count(code, /[^\x00-\x7f\s"'#]+/g);
    this.packer += count(code, /__pyarmor__|pyarmor|\b_0x[0-9a-f]{3,}|Hyperion|pyobfuscate|BlankOBF|Kramer|__obfuscator__/gi);
    for (let lineStart = 0; lineStart <= code.length; ) {
      const end = code.indexOf('\n', lineStart);
      const k = end === -1 ? code.length : end;
      if (k - lineStart > 500) this.longLines++;
      lineStart = k + 1;
    }
    // Exec-and-decode on one line (strings blanked, so this is code, not a docstring). Most files
    // run nothing: look at lines only when the file has a call that runs code.
    const RUNS = /\b(?:exec|eval|compile|system|Popen|popen)\s*\(/;
    if (RUNS.test(code)) {
      for (const line of code.split('\n')) {
        if (line.length < 8) continue;
        if (RUNS.test(line) && /\b(?:b64decode|b32decode|b16decode|b85decode|decompress|fromhex|unhexlify|marshal\.loads|decode|loads)\b/.test(line)) {
          this.execDecode++;
          if (where === 'install') this.installExecDecode++;
        }
      }
    }
    if (isSetup && /\bclass\s+\w+\s*\(\s*(?:[\w.]*\.)?(?:_?install|develop|egg_info|build_py|build_ext|sdist|bdist_egg|bdist_wheel)\s*\)/.test(code)) this.hookClass = 1;
  }

  addLines(lines: number, where: Where): void {
    this.lines[WHERES.indexOf(where)] += lines;
  }

  addPth(text: string): void {
    const lines = text.split(/\r?\n/);
    this.pthImports += lines.filter((l) => /^import[ \t]/.test(l)).length;
    const wi = 0;
    this.lines[wi] += lines.length;
    for (const l of lines) if (/^import[ \t]/.test(l)) this.addString(l, wi);
  }

  /** Counts what one string literal holds; returns a bit mask of the TARGETS it mentions. */
  private addString(raw: string, wi: number): number {
    const s = raw.length > 200_000 ? raw.slice(0, 200_000) : raw;
    let mask = 0;
    if (s.length >= 4) {
      for (let c = 0; c < TARGET_CATS.length; c++) {
        const re = TARGETS[TARGET_CATS[c]];
        re.lastIndex = 0;
        if (re.test(s)) {
          this.str[wi * TARGET_CATS.length + c]++;
          mask |= 1 << c;
        }
      }
    }
    this.hexEsc += count(s, /\\x[0-9a-fA-F]{2}/g);
    if (s.length >= 8 && s.includes('://')) {
      for (const m of s.matchAll(/\b(?:https?|ftp|wss?):\/\/([^\s'"<>/\\:]+)[^\s'"<>]*/g)) {
        this.urls++;
        const host = m[1].toLowerCase();
        this.hosts.add(host);
        if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) this.urlIp++;
        if (/raw\.githubusercontent|gist\.githubusercontent|pastebin\.com\/raw|\/raw\//.test(m[0])) this.urlRaw++;
      }
    }
    if (s.length >= 7) {
      for (const m of s.matchAll(/(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])/g)) {
        if ([m[1], m[2], m[3], m[4]].every((x) => Number(x) <= 255) && !(m[1] === '0' || m[4] === '0')) this.ips++;
      }
    }
    if (s.length >= 20) {
      const e = entropy(s);
      this.entSum += e;
      this.entN++;
      if (e > this.entMax) this.entMax = e;
      if (e > 5.0) this.entHigh++;
    }
    if (s.length >= 40) {
      for (const m of s.matchAll(/(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{40,}={0,2}/g)) {
        const run = m[0];
        const isHex = /^[0-9a-fA-F]+$/.test(run);
        if (isHex) this.hex++;
        else if (/[0-9]/.test(run) && /[a-z]/.test(run) && /[A-Z]/.test(run)) this.b64++;
        else continue;
        if (run.length > this.blobMax) this.blobMax = run.length;
        if (this.decodeBudget > 0) {
          this.decodeBudget--;
          this.inspectDecoded(isHex ? Buffer.from(run.slice(0, 2_000_000), 'hex') : Buffer.from(run.slice(0, 2_000_000), 'base64'));
        }
      }
      const hexEsc = /(?:\\x[0-9a-fA-F]{2}){20,}/.exec(s);
      if (hexEsc) {
        this.hex++;
        if (hexEsc[0].length / 4 > this.blobMax) this.blobMax = hexEsc[0].length / 4;
        if (this.decodeBudget > 0) {
          this.decodeBudget--;
          this.inspectDecoded(Buffer.from(hexEsc[0].replace(/\\x/g, ''), 'hex'));
        }
      }
    }
    return mask;
  }

  private inspectDecoded(b: Buffer, depth = 0): void {
    if (b.length < 8) return;
    if ((b[0] === 0x4d && b[1] === 0x5a) || (b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46)) {
      this.decodedBinary++;
      return;
    }
    if (depth === 0 && b[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(b[1])) {
      this.decodedBinary++;
      try {
        // Bounded: a decompression bomb stops at 1 MiB.
        this.inspectDecoded(inflateSync(b, { maxOutputLength: 1 << 20 }), 1);
      } catch {
        /* not zlib after all, or over the cap */
      }
      return;
    }
    const t = b.subarray(0, 65_536).toString('latin1');
    let printable = 0;
    for (let k = 0; k < t.length; k++) {
      const c = t.charCodeAt(k);
      if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13) printable++;
    }
    if (printable / t.length < 0.9) return;
    if (/\bimport\s|\bexec\s*\(|\beval\s*\(|https?:\/\/|subprocess|os\.system|socket|powershell|\bcurl\s|\bwget\s|\/bin\/sh|b64decode/.test(t)) this.decodedCode++;
  }

  emit(set: Sink): void {
    WHERES.forEach((w, wi) => {
      API_CATS.forEach((c, k) => set(`api_${c}_${w}`, ln(this.api[wi * API_CATS.length + k])));
      TARGET_CATS.forEach((c, k) => set(`str_${c}_${w}`, ln(this.str[wi * TARGET_CATS.length + k])));
      set(`code_lines_${w}`, ln(this.lines[wi]));
    });
    const totalLines = this.lines[0] + this.lines[1] + this.lines[2];
    set('combo_net_exec', ln(this.combos.netExec));
    set('combo_decode_exec', ln(this.combos.decodeExec));
    set('combo_info_net', ln(this.combos.infoNet));
    set('combo_secrets_net', ln(this.combos.secretsNet));
    set('combo_file_proc', ln(this.combos.fileProc));
    set('combo_install_active', this.combos.installActive);
    set('style_defs', ln(this.style.defs));
    set('style_comments', totalLines ? this.style.comments / totalLines : 0);
    set('style_docstrings', this.style.defs ? Math.min(2, this.style.triples / this.style.defs) : 0);
    set('style_type_hints', ln(this.style.hints));
    set('style_relative_imports', ln(this.style.relImports));
    set('style_raise', ln(this.style.raises));
    set('install_hook_class', this.hookClass);
    set('install_exec_decode', this.installExecDecode > 0 ? 1 : 0);
    set('pth_import_lines', this.pthImports);
    set('url_count', ln(this.urls));
    set('url_hosts', ln(this.hosts.size));
    set('url_ip', this.urlIp);
    set('url_raw_paste', this.urlRaw);
    set('ip_count', ln(this.ips));
    set('blob_b64', ln(this.b64));
    set('blob_hex', ln(this.hex));
    set('blob_max_len', ln(this.blobMax));
    set('blob_decoded_code', this.decodedCode);
    set('blob_decoded_binary', this.decodedBinary);
    set('entropy_max', this.entMax);
    set('entropy_mean', this.entN ? this.entSum / this.entN : 0);
    set('entropy_high', ln(this.entHigh));
    set('longest_line', ln(this.longest));
    set('long_lines', ln(this.longLines));
    set('obf_chr', ln(this.chr));
    set('obf_hex_escapes', ln(this.hexEsc));
    set('obf_nonascii_ident', ln(this.nonAscii));
    set('obf_reversed', ln(this.reversed));
    set('obf_lambda', ln(totalLines ? (100 * this.lambdas) / totalLines : 0));
    set('obf_semicolons', ln(this.semis));
    set('obf_exec_decode', ln(this.execDecode));
    set('obf_packer', ln(this.packer));
  }
}

function count(s: string, re: RegExp): number {
  let n = 0;
  re.lastIndex = 0;
  while (re.exec(s)) n++;
  return n;
}

/** Counts per UTF-16 code unit for `entropy`, all zero between calls. */
const unitCounts = new Uint16Array(65536);

/**
 * Shannon entropy in bits per character over the first 4 KiB. Counted in a typed array instead of
 * a Map (one per string literal was a measurable part of the features); the terms are summed in
 * order of each character's first occurrence, as the Map's iteration did, so the value is the same
 * to the last bit.
 */
export function entropy(s: string): number {
  const n = Math.min(s.length, 4096);
  for (let k = 0; k < n; k++) unitCounts[s.charCodeAt(k)]++;
  let h = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(k);
    const f = unitCounts[c];
    if (f === 0) continue; // counted at its first occurrence
    unitCounts[c] = 0;
    const p = f / n;
    h -= p * Math.log2(p);
  }
  return h;
}
