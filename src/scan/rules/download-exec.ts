// Download-and-execute: fetch something and run it (exec the response, save and start an
// executable, curl | sh). Build scripts download tarballs and run make; droppers download
// executables or code and run them, so the target and the runner decide the grade.
import type { Rule } from '../analyze/context.js';
import { finding, isEager, lineOf, runsUnasked } from '../analyze/context.js';
import { isDecode, isNetwork, isProcess, DOWNLOAD_SHELL, SHELL_DOWNLOAD, SHELL_RUN_AFTER, fileCaps } from '../analyze/capabilities.js';
import type { Finding } from '../types.js';

const EXE_URL = /^(?:https?|ftp):\/\/\S+?\.(?:exe|scr|msi|bat|cmd|ps1|vbs|jar|dll|hta|lnk|pif|com|elf|bin|sh|py|pyw|apk|dmg|pkg)(?:[?#]|$)/i;
/** A script file a dropper writes and starts (Python without a console, VBScript, batch, PowerShell, HTA). */
const DROPPED_SCRIPT = /\.(?:pyw|vbs|vbe|bat|cmd|ps1|hta|js)['"]?\s*\)?\s*$/i;
/** Calls whose string arguments are words for a person: exceptions, warnings, log lines, prints. */
const MESSAGE_CALL = /(?:^|\.)(?:print|echo|secho|warn|warning|info|debug|error|exception|critical|fatal)$|(?:Error|Exception|Warning)$/;
const EXE_FILE = /\.(?:exe|scr|msi|bat|cmd|ps1|vbs|hta|pif|jar|dll)\b/i;

export const downloadExec: Rule = {
  id: 'download-exec',
  why: 'Fetching code or an executable and running it is the dropper pattern behind most install-time malware; downloading source tarballs to build is not.',
  severities: 'critical: exec of a network response anywhere (through names: where code runs on install/start-up/import), an executable URL fetched and started (in one function, or a Windows executable fetched and a process started by code that runs on install/start-up/import), or curl|sh where code runs on install/start-up/import; high: the same in other modules, or exec of a computed value in a function that fetches and decodes, or a Windows executable downloaded and saved, or a script written out and started, by code that runs on install/start-up/import; medium: fetch + write + spawn in one function without an executable target',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      const hotFile = runsUnasked(f);
      // 1. exec(requests.get(url).text), exec(urlopen(url).read())
      for (const c of f.view.calls) {
        if (!/^(exec|eval|compile|builtins\.exec)$/.test(c.name)) continue;
        if (c.inner.some(isNetwork)) {
          // Running code straight from the network is never how a library works.
          const sev = 'critical';
          out.push(finding('download-exec', sev, f, f.decodedFrom?.line ?? c.line, lineOf(f, c.line), `${c.name}() runs code fetched from the network.`));
        }
      }
      // 1b. The same through names: a function fetches, decodes, then execs a value it computed
      // (`res = requests.get(url); code = b64decode(res.json()['message']); exec(code)`). The decode
      // is required: IPython's find_user_code may urlopen a target and eval a user's name.
      if (!out.some((x) => x.path === f.path)) {
        const inFn = (x: { fn?: string }, test: (name: string) => boolean, before: number): boolean => f.view.calls.some((n) => test(n.name) && n.fn === x.fn && n.line <= before);
        const c = f.view.calls.find((x) => /^(exec|eval|builtins\.(exec|eval))$/.test(x.name) && x.args[0] !== undefined && x.args[0].str === undefined && !/\bopen\(|read_text|get_data/.test(x.args[0].text) && inFn(x, isNetwork, x.line) && inFn(x, isDecode, x.line));
        if (c && (f.location !== 'test' || f.decodedFrom)) {
          const sev = hotFile && isEager(f, c) ? 'critical' : 'high';
          out.push(finding('download-exec', sev, f, f.decodedFrom?.line ?? c.line, lineOf(f, c.line), `${c.fn ? `${c.fn}()` : 'Module-level code'} fetches from the network and runs a computed value with ${c.name}().`));
        }
      }
      // 2. curl/wget | sh, PowerShell download cradles, in any string handed to a shell.
      for (const c of f.view.calls) {
        if (!isProcess(c.name)) continue;
        const text = [...c.args.map((a) => a.str ?? ''), ...Object.values(c.kw).map((a) => a.str ?? '')].join(' ');
        if (DOWNLOAD_SHELL.test(text)) {
          const sev = hotFile && isEager(f, c) ? 'critical' : 'high';
          out.push(finding('download-exec', sev, f, f.decodedFrom?.line ?? c.line, lineOf(f, c.line), `${c.name}() downloads and runs a program through the shell.`));
        }
      }
      // 2b. The same command kept in a string and handed to a spawn helper (run(cmd) wrappers).
      if (!out.some((x) => x.path === f.path) && fileCaps(f).has('process')) {
        // A message that tells the user what to run (`raise RuntimeError("install uv: curl … | sh")`) is not a command.
        const said = (v: string): boolean => f.view.calls.some((c) => MESSAGE_CALL.test(c.name) && c.args.some((a) => a.str !== undefined && a.str.includes(v)));
        const s = f.view.strings.find((x) => x.value.length < 8192 && SHELL_DOWNLOAD.test(x.value) && !said(x.value));
        if (s) {
          const runs = SHELL_RUN_AFTER.test(s.value) || DOWNLOAD_SHELL.test(s.value);
          const sev: Finding['severity'] = hotFile ? (runs ? 'critical' : 'high') : runs ? 'high' : 'medium';
          out.push(finding('download-exec', sev, f, f.decodedFrom?.line ?? s.line, lineOf(f, s.line), `A shell command that downloads${runs ? ' and runs' : ''} a program sits next to process-spawning code.`));
        }
      }
      // 3. fetch + spawn in one function, graded by whether an executable is the target.
      const byFn = new Map<string, { net: number[]; spawn: number[]; exe: boolean; start: boolean }>();
      const exeUrls = f.view.strings.filter((s) => EXE_URL.test(s.value.trim()));
      for (const c of f.view.calls) {
        const key = c.fn ?? '<module>';
        const e = byFn.get(key) ?? byFn.set(key, { net: [], spawn: [], exe: false, start: false }).get(key)!;
        if (isNetwork(c.name)) {
          e.net.push(c.line);
          if (c.args.some((a) => a.str && EXE_URL.test(a.str.trim()))) e.exe = true;
        }
        if (isProcess(c.name) || /^(os\.startfile|ctypes\.windll\.shell32\.ShellExecute\w*|win32api\.ShellExecute)$/.test(c.name)) {
          e.spawn.push(c.line);
          const t = c.args.map((a) => a.str ?? a.text).join(' ');
          if (EXE_FILE.test(t) || /^os\.startfile/.test(c.name) || /\bstart\b/.test(t)) e.start = true;
        }
      }
      if (f.location === 'test' && !f.decodedFrom) continue; // test fixtures download and run servers
      for (const [fn, e] of byFn) {
        if (!e.net.length || !e.spawn.length) continue;
        const exeTarget = e.exe || (e.start && exeUrls.length > 0);
        const eager = fn === '<module>' || f.eager.has(fn);
        let sev: Finding['severity'] = 'medium';
        if (exeTarget) sev = (hotFile && eager) || e.start ? 'critical' : 'high';
        else if (e.start && hotFile && eager) sev = 'high';
        const line = e.net[0];
        out.push(finding('download-exec', sev, f, f.decodedFrom?.line ?? line, lineOf(f, line), `${fn === '<module>' ? 'Module-level code' : `${fn}()`} downloads${exeTarget ? ' an executable' : ''} and starts a process${e.start ? ' (start/startfile or a Windows executable)' : ''}.`));
      }
      // 4. The dropper split over functions: one fetches a Windows executable, another starts a
      // process, both run when the file runs (download(); Thread(target=run).start()).
      if (hotFile && !out.some((x) => x.path === f.path)) {
        const fetch = f.view.calls.find((c) => isNetwork(c.name) && isEager(f, c) && c.args.some((a) => a.str !== undefined && EXE_URL.test(a.str.trim()) && EXE_FILE.test(a.str.trim().split(/[?#]/)[0])));
        const spawn = fetch && f.view.calls.find((c) => (isProcess(c.name) || /^os\.startfile$/.test(c.name)) && isEager(f, c));
        if (fetch && spawn) {
          out.push(finding('download-exec', 'critical', f, f.decodedFrom?.line ?? fetch.line, lineOf(f, fetch.line), `Code that runs on ${f.location} downloads a Windows executable (line ${fetch.line}) and starts a process (${spawn.name}, line ${spawn.line}).`));
        } else if (fetch) {
          // The dropper's first half: the executable is saved for something else to start.
          const save = f.view.calls.find((c) => /\.(write|write_bytes)$|^urllib\.request\.urlretrieve$|^shutil\.copyfileobj$/.test(c.name) && isEager(f, c));
          if (save) out.push(finding('download-exec', 'high', f, f.decodedFrom?.line ?? fetch.line, lineOf(f, fetch.line), `Code that runs on ${f.location} downloads a Windows executable (line ${fetch.line}) and saves it (${save.name}, line ${save.line}).`));
        }
      }
      // 5. A script the package writes out and starts (`open(appdata + '\\x.pyw', 'w').write(code)`,
      // then `os.startfile(...)` on it): a dropper that carries its payload instead of fetching it.
      if (hotFile && !out.some((x) => x.path === f.path)) {
        const start = f.view.calls.find((c) => (isProcess(c.name) || c.name === 'os.startfile') && isEager(f, c) && c.args.some((a) => DROPPED_SCRIPT.test(a.str ?? a.text)));
        const write = start && f.view.calls.find((c) => /\.(write|write_text)$/.test(c.name) && isEager(f, c));
        if (start && write) out.push(finding('download-exec', 'high', f, f.decodedFrom?.line ?? start.line, lineOf(f, start.line), `Code that runs on ${f.location} writes a script (line ${write.line}) and starts it (${start.name}, line ${start.line}).`));
      }
    }
    return out;
  },
};
