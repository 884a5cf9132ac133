// Does a call sequence do anything a payload needs? Used to pick the known-malicious references:
// many malicious sdists carry a plain `setup(...)` and hide the payload in a module, and such a
// setup.py is no evidence of anything (it would make every plain benign setup.py look malicious).
// The list is fixed by what install-time malware does (DETECTION.md: execute, download, exfiltrate,
// decode), not fitted to the benign corpus.
const CAPABILITY =
  /^(builtins\.)?(exec|eval|compile|execfile|__import__)$|^(os\.(system|popen|spawn\w*|exec\w*|startfile|remove|unlink|getenv|environ\.get|getlogin|uname)|subprocess\.|urllib\d?\.|requests\.|http\.client\.|httpx\.|socket\.|base64\.|binascii\.|codecs\.decode|marshal\.|zlib\.|lzma\.|bz2\.|ctypes\.|getpass\.|platform\.|webbrowser\.|shutil\.(copy\w*|move)|tempfile\.|win32\w*\.|winreg\.|cryptography\.|fernet\.|Crypto\.|discord\w*\.|browser_cookie3\.|pyautogui\.|smtplib\.|ftplib\.|telnetlib\.|paramiko\.|dns\.)/;

export function hasCapability(calls: readonly string[]): boolean {
  return calls.some((c) => !c.startsWith('import:') && CAPABILITY.test(c));
}
