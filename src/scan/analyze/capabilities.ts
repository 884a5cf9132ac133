// Capabilities (what code can do) and threat indicators (what it aims at). A rule raises
// severity only when a capability meets a threat (DETECTION.md "Lessons").
import type { CallSite } from './python.js';
import type { PyFile } from './context.js';

export type Capability = 'network' | 'process' | 'exec' | 'decode' | 'fileRead' | 'fileWrite' | 'collect' | 'clipboard' | 'dns';

// http.client and httplib count through their connection classes (below), not `http.client.responses`.
const NET = /^(requests|httpx|urllib3|aiohttp|urllib\.request|urllib2|ftplib|smtplib|telnetlib|websocket|websockets|pycurl|paramiko|grequests|discord_webhook|dhooks|telebot)\.|(^|\.)(urlopen|urlretrieve|build_opener|create_connection|HTTPSConnection|HTTPConnection|PoolManager|ClientSession|AsyncClient)$|^socket\.socket|^requests\(\)|^Webhook|^SyncWebhook|^DiscordWebhook/;
const DNS = /^socket\.(gethostbyname|gethostbyname_ex|getaddrinfo)$|^dns\.resolver\.|^resolver\.(query|resolve)$/;
const PROC = /^(subprocess\.(Popen|call|run|check_output|check_call|getoutput|getstatusoutput)|os\.(system|popen\d?|spawn\w*|exec[lv]\w*|startfile|posix_spawn\w*)|pty\.spawn|commands\.getoutput|win32api\.ShellExecute\w*|ctypes\.windll\.shell32\.ShellExecute\w*|win32process\.CreateProcess\w*|asyncio\.create_subprocess_\w+|sh\.\w+|plumbum\.local)$/;
const EXEC = /^(exec|eval|execfile|builtins\.(exec|eval|compile)|__builtins__\.(exec|eval|compile)|__builtin__\.(exec|eval)|marshal\.loads|types\.FunctionType|runpy\.run_\w+|compile|pickle\.loads|cPickle\.loads|dill\.loads)$/;
const DECODE = /^(base64\.\w*decode\w*|binascii\.(unhexlify|a2b_\w+)|bytes\.fromhex|bytearray\.fromhex|zlib\.decompress|gzip\.decompress|lzma\.decompress|bz2\.decompress|codecs\.decode|marshal\.loads)$|(^|\.)decrypt$|^Fernet/;
const COLLECT = /^(os\.(getenv|getlogin|uname|getcwd|environ\.(copy|items|get|keys|values))|getpass\.getuser|socket\.(gethostname|getfqdn)|platform\.(node|uname|system|platform|release|version|machine)|uuid\.getnode|psutil\.users|dict|json\.dumps)$/;
/** Reading local files and stores: files, the Windows registry's values, browsers' cookie jars (browser_cookie3 opens them). */
const READ = /^(open|io\.open|codecs\.open|shutil\.(copy\w*|make_archive)|os\.(walk|listdir|scandir)|glob\.\w+|pathlib\.Path|Path|sqlite3\.connect|zipfile\.ZipFile|(_?winreg)\.(QueryValue\w*|EnumValue)|browser_cookie3\.\w+)$|\.(read_text|read_bytes)$/;
const WRITE = /\.(write|write_bytes|write_text)$|^shutil\.copy\w*$|^urllib\.request\.urlretrieve$/;
const CLIP = /^(pyperclip\.\w+|win32clipboard\.\w+|clipboard\.\w+|tkinter\.Tk\(\)\.clipboard_\w+|ctypes\.windll\.user32\.(OpenClipboard|SetClipboardData|GetClipboardData))$|clipboard_(get|append)$/;

/** Who and where the victim is: what beacons and stealers send (platform.system() is not in it: builds branch on it). */
export const IDENTITY = /^(getpass\.getuser|os\.getlogin|socket\.(gethostname|getfqdn)|platform\.(node|uname)|os\.uname|uuid\.getnode|psutil\.users)$/;

/** The command a process call runs, as written: string arguments by value (known parts of computed ones), list literals as source. */
const commandOf = (c: CallSite): string => c.args.map((a) => a.str ?? a.partial ?? (/^[[(]/.test(a.text) ? a.text : '')).join(' ');
/** Who/where-am-I commands: reconnaissance, never a build or library step. */
const RECON = /^\W*(whoami|hostname|id|uname(\s+-a)?|systeminfo|ipconfig|ifconfig|printenv|env|net\s+user|cat\s+\/etc\/passwd)\b/i;
/** `subprocess.getoutput("whoami")`: a process run to learn who and where the victim is. */
export const isReconProcess = (c: CallSite): boolean => isProcess(c.name) && RECON.test(commandOf(c));
/** `subprocess.Popen(["dig", "+short", host])`: a process run that reaches the network (a DNS or HTTP beacon). */
export const isNetProcess = (c: CallSite): boolean => isProcess(c.name) && /^\W*(dig|nslookup|host|curl|wget|nc|ncat|ping)\b/.test(commandOf(c));
const isEnviron = (a: { ref?: string; text: string }): boolean => a.ref === 'os.environ' || a.text === 'os.environ';
/**
 * Calls (of one function) that serialise the whole environment, tokens and keys included:
 * `json.dumps(os.environ)`, or `dict(os.environ)` next to a JSON/base64 encoder. A copy handed to
 * a subprocess (`dict(os.environ, CC=...)`, `os.environ.copy()`) is not one.
 */
export const serialisesEnvironment = (calls: readonly CallSite[]): boolean =>
  calls.some((c) => /^(json\.dumps|str|repr)$/.test(c.name) && c.args.some(isEnviron)) ||
  (calls.some((c) => c.name === 'dict' && c.args.length === 1 && isEnviron(c.args[0]) && !Object.keys(c.kw).length) && calls.some((c) => /^(json\.dumps|base64\.\w*encode)$/.test(c.name)));

/**
 * Capabilities by call name, computed once per name: every rule asks about the same calls (nine
 * regexes per name), and the names of a distribution repeat (`os.path.join` thousands of times).
 * Emptied when it grows past 50,000 names, so a long-running scan process stays bounded.
 */
const capsByName = new Map<string, readonly Capability[]>();

export function callCaps(name: string): readonly Capability[] {
  let out = capsByName.get(name);
  if (out) return out;
  const caps: Capability[] = [];
  if (NET.test(name)) caps.push('network');
  if (DNS.test(name)) caps.push('dns', 'network');
  if (PROC.test(name)) caps.push('process');
  if (EXEC.test(name)) caps.push('exec');
  if (DECODE.test(name)) caps.push('decode');
  if (COLLECT.test(name)) caps.push('collect');
  if (READ.test(name)) caps.push('fileRead');
  if (WRITE.test(name)) caps.push('fileWrite');
  if (CLIP.test(name)) caps.push('clipboard');
  if (capsByName.size >= 50_000) capsByName.clear();
  out = Object.freeze(caps);
  capsByName.set(name, out);
  return out;
}

// One anchored regex each: for the names that do not match (nearly all) this fails faster than a
// lookup in `capsByName`.
export const isNetwork = (n: string) => NET.test(n) || DNS.test(n);
export const isProcess = (n: string) => PROC.test(n);
export const isExec = (n: string) => EXEC.test(n);
export const isDecode = (n: string) => DECODE.test(n);

/** `fileCaps(f)` of each file, computed once: several rules ask for it (its calls, refs and modules do not change once parsed). */
const capsByFile = new WeakMap<PyFile, ReadonlySet<Capability>>();

/** Capabilities of a file, optionally only of its eager calls (run when the file's trigger fires). */
export function fileCaps(f: PyFile, filter?: (c: CallSite) => boolean): ReadonlySet<Capability> {
  if (!filter) {
    let caps = capsByFile.get(f);
    if (!caps) capsByFile.set(f, (caps = capsOf(f)));
    return caps;
  }
  return capsOf(f, filter);
}

function capsOf(f: PyFile, filter?: (c: CallSite) => boolean): Set<Capability> {
  const out = new Set<Capability>();
  for (const c of f.view.calls) {
    if (filter && !filter(c)) continue;
    for (const k of callCaps(c.name)) out.add(k);
  }
  for (const c of f.view.calls) {
    if (!/^(open|io\.open|codecs\.open)$/.test(c.name) || (filter && !filter(c))) continue;
    if (/[wax]/.test(c.args[1]?.str ?? c.kw.mode?.str ?? '')) out.add('fileWrite');
  }
  // curl/wget/Invoke-WebRequest handed to a shell is network use too.
  for (const c of f.view.calls) if (PROC.test(c.name) && (!filter || filter(c)) && c.args.some((a) => /\b(curl|wget|Invoke-WebRequest|iwr|https?:\/\/)/i.test(a.str ?? a.partial ?? ''))) out.add('network');
  for (const r of f.view.refs) if (/^os\.environ$|^sys\.argv$/.test(r.name) && r.name === 'os.environ') out.add('collect');
  for (const m of f.view.modules) if (/^(pyperclip|win32clipboard|clipboard)$/.test(m)) out.add('clipboard');
  return out;
}

// ---- threat indicators over string values -------------------------------------------------

/**
 * Exfiltration endpoints by class; each a behaviour, never one sample's domain. A host pattern
 * starts with a look-behind (`(?<![\w-])`), not `\b`: with `\b[\w-]+\.` the engine retried
 * from every letter of a long run such as a base64 blob, which took seconds on one malicious
 * sdist (quadratic); the look-behind lets it start once per run.
 */
export const ENDPOINTS: { kind: string; re: RegExp; weight: 'strong' | 'medium' | 'weak' }[] = [
  { kind: 'Discord webhook', re: /discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks\//i, weight: 'strong' },
  { kind: 'Telegram bot API', re: /api\.telegram\.org\/bot/i, weight: 'strong' },
  { kind: 'OAST / DNS-log domain', re: /(?<![\w-])(?:[\w-]+\.){0,8}(?:interact\.sh|interactsh\.com|oast\.[a-z]{2,6}|oastify\.com|burpcollaborator\.net|dnslog\.cn|dnslog\.link|ceye\.io|requestbin\.(?:net|com)|pipedream\.net|webhook\.site|beeceptor\.com|canarytokens\.com|hookbin\.com|requestcatcher\.com|ptsv2\.com|postb\.in|mockbin\.org|eo\w*\.m\.pipedream\.net|dnslog\.\w+|bxss\.me|xss\.ht|ssrf\.\w+)\b/i, weight: 'strong' },
  { kind: 'tunnel', re: /(?<![\w-])[\w-]+\.(?:ngrok\.io|ngrok-free\.app|ngrok-free\.dev|ngrok\.app|ngrok\.dev|ngrok\.pizza|serveo\.net|loca\.lt|trycloudflare\.com|localhost\.run|pagekite\.me|localtunnel\.me)\b/i, weight: 'medium' },
  { kind: 'paste / file-drop site', re: /\b(?:pastebin\.com\/raw|paste\.ee\/r|hastebin\.com|rentry\.co|ghostbin|transfer\.sh|termbin\.com|anonfiles\.com|file\.io|gofile\.io|bashupload\.com|0x0\.st|temp\.sh|dpaste\.(?:com|org)|pastes\.io|paste\.c-net\.org)\b/i, weight: 'medium' },
  { kind: 'mock/collector API', re: /(?<![\w-])[\w-]+\.(?:mockapi\.io|free\.beeceptor\.com|requestcatcher\.com|mocky\.io|typedwebhook\.tools|webhook\.cool|rbaskets\.in)\b/i, weight: 'medium' },
  { kind: 'throw-away host', re: /(?<![\w-])[\w-]+\.(?:repl\.co|replit\.app|glitch\.me|000webhostapp\.com|herokuapp\.com|workers\.dev|pythonanywhere\.com|onrender\.com|vercel\.app|netlify\.app|firebaseio\.com)\b/i, weight: 'weak' },
  { kind: 'raw IP address URL', re: /\b(?:https?|tcp|ftp|wss?):\/\/(?!(?:127\.|0\.0\.0\.0|10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|169\.254\.|255\.))\d{1,3}(?:\.\d{1,3}){3}\b/i, weight: 'medium' },
  { kind: 'suspicious TLD', re: /\bhttps?:\/\/[\w.-]+\.(?:tk|ml|ga|cf|gq|xyz|top|pw|icu|buzz|su|cyou|rest|monster|click|cfd|sbs|zip|mov|ru|onion)(?:[:/'"\s]|$)/i, weight: 'weak' },
];

export function endpointIn(s: string): { kind: string; weight: 'strong' | 'medium' | 'weak'; match: string } | undefined {
  if (s.length < 6 || !/[./]/.test(s)) return undefined;
  for (const e of ENDPOINTS) {
    const m = e.re.exec(s);
    if (m) return { kind: e.kind, weight: e.weight, match: m[0] };
  }
  return undefined;
}

/** Paths and names of stored secrets. Listed by behaviour: browser stores, token stores, keys. */
export const CREDENTIALS: { kind: string; re: RegExp }[] = [
  { kind: 'browser password/cookie store', re: /Login Data|\bCookies\b.*(Network|Default)|(Network|Default)[\\/]+Cookies|Web Data|Local State|key4\.db|logins\.json|cookies\.sqlite|User Data[\\/]+Default/i },
  { kind: 'Discord token store', re: /discord(?:canary|ptb)?[\\/]+Local Storage|Local Storage[\\/]+leveldb|dQw4w9WgXcQ:|\[\\w-\]\{24\}\\\.|mfa\\\.\[|discord_token|tokens?_grabber/i },
  { kind: 'SSH key', re: /\.ssh[\\/]+(id_(rsa|dsa|ecdsa|ed25519)|authorized_keys|known_hosts)|\.ssh[\\/]*['"]?$/i },
  { kind: 'cloud credentials', re: /\.aws[\\/]+credentials|\.azure[\\/]|gcloud[\\/]+credentials|application_default_credentials\.json|\.kube[\\/]+config|\.docker[\\/]+config\.json|AWS_SECRET_ACCESS_KEY/i },
  { kind: 'package-index / git credentials', re: /\.pypirc|\.npmrc|\.git-credentials|\.netrc|\.config[\\/]+gh[\\/]+hosts\.yml/i },
  { kind: 'messenger / game sessions', re: /Telegram Desktop[\\/]+tdata|\btdata\b|Steam[\\/]+config|ssfn|\.minecraft|Growtopia|Roblox(?:Studio)?[\\/]|ROBLOSECURITY/i },
  { kind: 'Windows credential APIs', re: /CryptUnprotectData|win32crypt|vaultcmd|\bcredman\b/i },
];

export function credentialIn(s: string): string | undefined {
  if (s.length < 4) return undefined;
  for (const c of CREDENTIALS) if (c.re.test(s)) return c.kind;
  return undefined;
}

export const WALLETS = /wallet\.dat|Exodus[\\/]|exodus\.wallet|Electrum[\\/]+wallets|Atomic[\\/]+Local Storage|Ethereum[\\/]+keystore|Coinomi|Guarda[\\/]|Jaxx|Armory|Bitcoin[\\/]+wallets|MetaMask|nkbihfbeogaeaoehlefnkodbefgpgknn|bfnaelmomeimhlpmgjnjophhpkkoljpa|ibnejdfjmmkpcnlpebklmnkoeoihofec|fhbohimaelbohpjbbldcngcnapndodjp|hnfanknocfeofbddgcijnmhnfnkdnaad|egjidjbpglichdcondbcbdnbeeppgdph/i;
export const CRYPTO_ADDRESS = /\b(?:bc1|[13])[a-km-zA-HJ-NP-Z1-9]{25,39}\b|\b0x[a-fA-F0-9]{40}\b|\bT[1-9A-HJ-NP-Za-km-z]{33}\b|\b4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}\b|\bL[a-km-zA-HJ-NP-Z1-9]{26,33}\b/;
export const ADDRESS_REGEX_SOURCE = /\^?\(?(?:bc1|\[13\]|0x|\[LM3\]|T\[|4\[0-9AB\])/;

export const PERSISTENCE: { kind: string; re: RegExp }[] = [
  { kind: 'Windows Startup folder', re: /Start Menu[\\/]+Programs[\\/]+Startup|shell:startup|\\Startup\\|AppData[\\/]+Roaming[\\/]+Microsoft[\\/]+Windows[\\/]+Start Menu/i },
  { kind: 'registry Run key', re: /CurrentVersion[\\/]+Run(?:Once)?\b|Winlogon[\\/]+(Shell|Userinit)/i },
  { kind: 'scheduled task', re: /schtasks(?:\.exe)?\s+\/create|Register-ScheduledTask/i },
  { kind: 'cron', re: /\bcrontab\b|\/etc\/cron|\/var\/spool\/cron|@reboot/i },
  { kind: 'LaunchAgent / LaunchDaemon', re: /Library\/Launch(Agents|Daemons)|launchctl\s+load/i },
  { kind: 'systemd unit', re: /\/etc\/systemd\/system\/[\w.-]+\.service|systemctl\s+enable/i },
  // Browser shortcuts rewritten to side-load an extension on every start (a clipboard hijacker's foothold).
  { kind: 'browser shortcut side-loading an extension', re: /--load-extension=/i },
  { kind: 'shell rc file', re: /(?:^|[\\/~'"])\.(bashrc|zshrc|bash_profile|profile|zprofile)\b/i },
];

export const HIDDEN_SPAWN: { kind: string; re: RegExp }[] = [
  { kind: 'hidden PowerShell', re: /powershell(?:\.exe)?[^\n]*\s[-/](?:w(?:indowstyle)?\s+h(?:idden)?|enc(?:odedcommand)?\s|e\s+[A-Za-z0-9+/=]{20,}|nop\b[^\n]*-w\s+hidden|ep\s+bypass|executionpolicy\s+bypass)/i },
  { kind: 'detached start', re: /\bstart\s+\/b\b|\bstart\s+\/min\b|cmd(?:\.exe)?\s+\/c\s+start\s+""/i },
  { kind: 'pythonw', re: /\bpythonw(?:\.exe)?\b/i },
  { kind: 'VBScript / mshta / certutil / bitsadmin', re: /\bmshta\b|\bwscript(?:\.exe)?\s|\bcscript(?:\.exe)?\s|certutil(?:\.exe)?\s+-(?:urlcache|decode)|bitsadmin\s+\/transfer/i },
];

/** A shell/PowerShell command that downloads (any string; paired with a spawn capability). */
export const SHELL_DOWNLOAD = /\b(?:curl|wget)\b[^\n]*(?:https?|ftp):\/\/|Invoke-WebRequest|\biwr\s|Invoke-RestMethod|Net\.WebClient|DownloadFile|DownloadString|Start-BitsTransfer|certutil(?:\.exe)?\s+-urlcache|bitsadmin\s+\/transfer/i;
/** ... and then runs what it downloaded. */
export const SHELL_RUN_AFTER = /\|\s*(?:ba|z)?sh\b|\|\s*python|Start-Process|\biex\b|Invoke-Expression|Expand-Archive[^\n]*(?:Start|\.exe)|&&\s*(?:chmod|\.\/|bash|sh|python|start)|;\s*(?:chmod|\.\/|bash|sh|python)|\.exe\b|\bstart\s/i;
export const DOWNLOAD_SHELL = /\b(?:curl|wget)\b[^\n|;]*(?:https?:|ftp:)[^\n]*(?:\|\s*(?:ba|z)?sh\b|\|\s*python|&&\s*(?:chmod|\.\/|bash|sh|python|start)|;\s*(?:chmod|\.\/|bash|sh|python)|-o\s+\S+\s*(?:&&|;)\s*\S+)|Invoke-WebRequest[^\n]*(?:Start-Process|iex|Invoke-Expression)|\biex\s*\(\s*(?:New-Object\s+Net\.WebClient|iwr|irm)|DownloadString\(|DownloadFile\([^\n]*Start-Process/i;

export const REVERSE_SHELL = /\/dev\/tcp\/|\bnc(?:at)?\s+(?:-\w+\s+)*-e\s|\bbash\s+-i\s*>&|\bsh\s+-i\s*>&|mkfifo\s+\/tmp\/|socat\s+[^\n]*exec:|0<&\d+;?\s*exec\s+\d+<>/i;
