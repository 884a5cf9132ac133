// Reverse shells: a socket wired to a shell's stdin/stdout (dup2 + spawn) or the classic shell
// one-liners (/dev/tcp, nc -e, bash -i >&). No library does this.
import type { Rule } from '../analyze/context.js';
import { finding, isEager, lineOf, runsUnasked } from '../analyze/context.js';
import type { PyFile } from '../analyze/context.js';
import type { CallSite } from '../analyze/python.js';
import { REVERSE_SHELL, isNetwork, isProcess } from '../analyze/capabilities.js';
import type { Finding } from '../types.js';

const BOT_CLIENT = /^(telebot\.TeleBot|telegram\.Bot|telegram\.ext\.(Updater|ApplicationBuilder)|aiogram\.Bot|discord\.Client|discord\.ext\.commands\.Bot|commands\.Bot)$/;
/** A Telegram bot token (`123456789:AA…`). */
const BOT_TOKEN = /^\d{8,10}:[A-Za-z0-9_-]{30,}$/;

/**
 * A Telegram/Discord bot client in a file that hands a command it did not write (a message's
 * text) to a shell: the chat service is the attacker's console. A bot that runs fixed commands
 * is not one.
 */
function chatBotShell(f: PyFile): { client: CallSite; run: CallSite; token: boolean } | undefined {
  const client = f.view.calls.find((c) => BOT_CLIENT.test(c.name));
  if (!client) return undefined;
  const run = f.view.calls.find((c) => runsGivenCommand(c) && c.fn !== undefined);
  if (!run) return undefined;
  const token = client.args[0]?.str !== undefined || f.view.strings.some((s) => BOT_TOKEN.test(s.value));
  return { client, run, token };
}

/** A process whose command is not written in the code (a name, an expression): what a remote operator sends. */
const runsGivenCommand = (c: CallSite): boolean => isProcess(c.name) && c.args[0] !== undefined && c.args[0].str === undefined && !/^[[(]/.test(c.args[0].text);

/** A web route that hands a request parameter to a shell (`Popen(request.args.get('cmd'), shell=True)`). */
function webShell(f: PyFile): { run: CallSite; how: string } | undefined {
  const run = f.view.calls.find((c) => runsGivenCommand(c) && /\brequest\.(?:args|form|values|json|get_json|data|query_params|GET|POST)\b/.test(c.args[0].text));
  return run && { run, how: 'taken from an HTTP request' };
}

/**
 * A polling loop: one function fetches from a URL written in the code, runs what comes back (itself
 * or through a helper it calls) and sends the output back with a second request.
 */
function pollShell(f: PyFile): { run: CallSite; how: string } | undefined {
  // Through a shell only: an updater handing its own argv list to a helper is not a console.
  const runs = f.view.calls.filter((c) => runsGivenCommand(c) && (c.kw.shell?.text === 'True' || /^(os\.(system|popen)|subprocess\.(getoutput|getstatusoutput))$/.test(c.name)));
  if (!runs.length) return undefined;
  const byFn = new Map<string, CallSite[]>();
  for (const c of f.view.calls) if (isNetwork(c.name)) (byFn.get(c.fn ?? '<module>') ?? byFn.set(c.fn ?? '<module>', []).get(c.fn ?? '<module>')!).push(c);
  for (const [fn, net] of byFn) {
    if (net.length < 2 || !net.some((c) => /^https?:\/\//.test(c.args[0]?.str ?? ''))) continue;
    const callees = new Set(f.view.callGraph[fn] ?? []);
    const run = runs.find((c) => (c.fn ?? '<module>') === fn || (c.fn !== undefined && callees.has(c.fn.split('.').pop()!)));
    if (run) return { run, how: `fetched from a URL written in the code, and sends the output back (${fn === '<module>' ? 'module level' : `${fn}()`})` };
  }
  return undefined;
}

export const reverseShell: Rule = {
  id: 'reverse-shell',
  why: 'A shell whose input and output are a network socket hands the machine to a remote operator; both the Python form (socket + dup2 + shell) and shell one-liners are covered.',
  severities: 'critical: socket + dup2 + shell spawn, or a one-liner spawned, where code runs on install/start-up/import; high: the same elsewhere, or a chat bot with a token written in the code that runs commands it is sent (critical when it starts listening on install/import); high also: a web route running a request parameter as a command, or a loop that fetches commands from a URL written in the code, runs them and posts the output back; medium: a one-liner string only, or such a bot without a literal token',
  check(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.py) {
      const hotFile = runsUnasked(f) || !!f.decodedFrom;
      const dup2 = f.view.calls.filter((c) => /^os\.dup2$|\.dup2$/.test(c.name));
      const sock = f.view.calls.some((c) => /^socket\.socket|^socket\.create_connection|\.connect$/.test(c.name));
      const shell = f.view.calls.find((c) => (isProcess(c.name) || c.name === 'pty.spawn') && c.args.some((a) => /(^|\/)(ba|z|da)?sh\b|cmd(\.exe)?\b|powershell/i.test(a.str ?? '')));
      if (dup2.length >= 2 && sock && shell) {
        const sev: Finding['severity'] = hotFile ? 'critical' : 'high';
        out.push(finding('reverse-shell', sev, f, f.decodedFrom?.line ?? shell.line, lineOf(f, shell.line), 'Socket connected to a shell through os.dup2 (reverse shell).'));
        continue;
      }
      const spawned = f.view.calls.find((c) => isProcess(c.name) && c.args.some((a) => REVERSE_SHELL.test(a.str ?? '')));
      if (spawned) {
        const sev: Finding['severity'] = hotFile && isEager(f, spawned) ? 'critical' : 'high';
        out.push(finding('reverse-shell', sev, f, f.decodedFrom?.line ?? spawned.line, lineOf(f, spawned.line), 'Spawns a reverse-shell one-liner.'));
        continue;
      }
      const str = f.location !== 'test' ? f.view.strings.find((s) => REVERSE_SHELL.test(s.value) && s.value.length < 2000) : undefined;
      if (str) {
        out.push(finding('reverse-shell', 'medium', f, f.decodedFrom?.line ?? str.line, lineOf(f, str.line), 'Contains a reverse-shell one-liner.'));
        continue;
      }
      const remote = f.location !== 'test' ? webShell(f) ?? pollShell(f) : undefined;
      if (remote) {
        out.push(finding('reverse-shell', 'high', f, f.decodedFrom?.line ?? remote.run.line, lineOf(f, remote.run.line), `${remote.run.name}() runs a command ${remote.how} (line ${remote.run.line}): a remote shell.`));
        continue;
      }
      const bot = f.location !== 'test' ? chatBotShell(f) : undefined;
      if (bot) {
        const polls = f.view.calls.find((c) => /\.(polling|infinity_polling|start_polling|run_polling|run)$/.test(c.name) && isEager(f, c));
        const sev: Finding['severity'] = bot.token ? (hotFile && polls ? 'critical' : 'high') : 'medium';
        out.push(finding('reverse-shell', sev, f, f.decodedFrom?.line ?? bot.run.line, lineOf(f, bot.run.line), `A chat bot (${bot.client.name}${bot.token ? ', token written in the code' : ''}) runs commands it is sent (${bot.run.name}, line ${bot.run.line})${sev === 'critical' ? ` and starts listening when the package is ${f.location === 'install' ? 'installed' : 'imported'}` : ''}: a remote shell over the chat service.`));
      }
    }
    return out;
  },
};
