// Reverse shells: a socket wired to a shell's stdin/stdout (dup2 + spawn) or the classic shell
// one-liners (/dev/tcp, nc -e, bash -i >&). No library does this.
import type { Rule } from '../analyze/context.js';
import { finding, isEager, lineOf, runsUnasked } from '../analyze/context.js';
import type { PyFile } from '../analyze/context.js';
import type { CallSite } from '../analyze/python.js';
import { REVERSE_SHELL, isProcess } from '../analyze/capabilities.js';
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
  const run = f.view.calls.find((c) => isProcess(c.name) && c.fn !== undefined && c.args[0] !== undefined && c.args[0].str === undefined && !/^[[(]/.test(c.args[0].text));
  if (!run) return undefined;
  const token = client.args[0]?.str !== undefined || f.view.strings.some((s) => BOT_TOKEN.test(s.value));
  return { client, run, token };
}

export const reverseShell: Rule = {
  id: 'reverse-shell',
  why: 'A shell whose input and output are a network socket hands the machine to a remote operator; both the Python form (socket + dup2 + shell) and shell one-liners are covered.',
  severities: 'critical: socket + dup2 + shell spawn, or a one-liner spawned, where code runs on install/start-up/import; high: the same elsewhere, or a chat bot with a token written in the code that runs commands it is sent (critical when it starts listening on install/import); medium: a one-liner string only, or such a bot without a literal token',
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
