import { describe, it, expect } from 'vitest';
import { parsePython } from '../../../src/scan/analyze/python.js';

describe('parsePython view', () => {
  it('resolves import aliases, from-imports, __import__ and getattr', () => {
    const v = parsePython(`import os as o\nfrom subprocess import Popen as P\no.system('id')\nP(['ls'])\n__import__('socket').socket()\ngetattr(o, 'popen')('x')\n`);
    expect(v.calls.map((c) => c.name)).toEqual(expect.arrayContaining(['os.system', 'subprocess.Popen', 'socket.socket', 'os.popen']));
    expect(v.calls.map((c) => c.name)).not.toContain('o.system');
  });
  it('keeps comments and docstrings out of strings', () => {
    const v = parsePython(`"""module doc https://discord.com/api/webhooks/1"""\n# 'comment string'\ndef f():\n    """fn doc"""\n    return 'real'\n`);
    expect(v.strings.map((s) => s.value)).toEqual(['real']);
  });
  it('evaluates concatenation, chr joins, bytes lists, reversal and decode calls', () => {
    const v = parsePython(`a = 'ht' + 'tp'\nb = ''.join([chr(105), chr(100)])\nc = bytes([105, 100]).decode()\nd = 'di'[::-1]\nimport base64\ne = base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImlkIik=')\nf(a, b, c, d, e)\n`);
    const call = v.calls.find((c) => c.name === 'f')!;
    expect(call.args.map((a) => a.str)).toEqual(['http', 'id', 'id', 'id', 'import os; os.system("id")']);
    expect(v.decoded.some((d) => d.text.includes('os.system'))).toBe(true);
  });
  it('records the enclosing function and the call graph', () => {
    const v = parsePython(`class C:\n    def run(self):\n        helper()\ndef helper():\n    os.system('x')\n`);
    expect(v.calls.find((c) => c.name === 'os.system')?.fn).toBe('helper');
    expect(v.callGraph['C.run']).toEqual(['helper']);
  });
  it('survives syntax errors and binary junk', () => {
    const v = parsePython('def (:\n\x00\x01 exec(\n');
    expect(v.hasError).toBe(true);
  });
});
