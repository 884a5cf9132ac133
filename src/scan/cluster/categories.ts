// Coarse behaviour categories of calls, a second token stream for the embedding: the same
// dropper written with `urllib.request.urlopen` or `requests.get`, `os.system` or
// `subprocess.Popen`, shares its category n-grams (`net → write → proc`) even when no concrete
// call matches. MPHunter got this generalisation from doc2vec; a fixed map gets it without a
// training run. The map follows the behaviours of install-time malware (Guo et al., ASE 2023:
// information stealing, command execution, download-and-run, encoded payloads).
const RULES: Array<[RegExp, string]> = [
  [/^(builtins\.)?(exec|eval|execfile|compile)$|^__import__$|^importlib\.import_module$|^(marshal|pickle|dill)\.loads?$/, 'exec'],
  [/^os\.(system|popen\d?|spawn\w*|exec\w*|startfile|fork|setsid|dup2)$|^subprocess\.|^pty\.spawn$|^commands\.getoutput$|^ctypes\.|^win32\w*\.|^multiprocessing\.Process$/, 'proc'],
  [/^(base64|binascii)\.|^codecs\.decode$|^(zlib|bz2|lzma|gzip)\.decompress$|^bytes\.fromhex$|^(fernet\.Fernet|cryptography\.\S*Fernet|Crypto\.\S*)$|^\.decrypt$/, 'decode'],
  [/^(urllib\d?|urllib3|requests|httpx|aiohttp|http\.client|httplib|ftplib|smtplib|telnetlib|paramiko|dns|websocket|discord\w*|telegram)\.|^socket\.(socket|create_connection|gethostbyname)|^\.(connect|connect_ex|send|sendall|recv|urlopen)$/, 'net'],
  [/^(os\.(getenv|getlogin|getcwd|uname|getuid|listdir|walk)|os\.environ(\.\w+)?|getpass\.\w+|platform\.\w+|socket\.gethostname|uuid\.getnode|sys\.platform|browser_cookie3\.\w+|sqlite3\.connect|winreg\.\w+|glob\.glob)$/, 'info'],
  [/^(shutil\.(copy\w*|move|copyfileobj)|os\.(remove|unlink|makedirs|mkdir|chmod|rename)|tempfile\.\w+|\.write|\.writelines|zipfile\.ZipFile|\.extractall)$/, 'write'],
  [/^(threading\.Thread|time\.sleep|atexit\.register|\.start)$/, 'defer'],
  [/^(setuptools\.setup|distutils\.core\.setup|setup)$/, 'setup'],
];

export function category(token: string): string | undefined {
  if (token.startsWith('import:')) return undefined;
  for (const [re, cat] of RULES) if (re.test(token)) return cat;
  return undefined;
}

/** The category sequence of a call sequence, runs of one category collapsed. */
export function categorySequence(tokens: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    const c = category(t);
    if (c && out[out.length - 1] !== c) out.push(c);
  }
  return out;
}
