import { describe, it, expect } from 'vitest';
import { decide } from '../../../src/scan/analyze/verdict.js';
import type { Finding } from '../../../src/scan/types.js';
import type { PyFile, RuleContext } from '../../../src/scan/analyze/context.js';

const f = (rule: string, severity: Finding['severity'], path = 'a/setup.py'): Finding => ({ rule, severity, path, message: 'm' });
const ctx = { py: [] } as unknown as RuleContext;
const withFiles = (...files: Array<Partial<PyFile>>) => ({ py: files }) as unknown as RuleContext;

describe('verdict', () => {
  it('blocks on a critical finding or two high behaviour rules in one file', () => {
    expect(decide([f('encoded-exec', 'critical')], ctx).verdict).toBe('malicious');
    expect(decide([f('download-exec', 'high'), f('hidden-spawn', 'high')], ctx).verdict).toBe('malicious');
  });
  it('holds a single high, or two mediums', () => {
    expect(decide([f('download-exec', 'high')], ctx).verdict).toBe('suspicious');
    expect(decide([f('persistence', 'medium'), f('obfuscation', 'medium')], ctx).verdict).toBe('suspicious');
  });
  it('never blocks or holds on metadata alone, and two highs in different files do not block', () => {
    expect(decide([f('typosquat', 'low'), f('metadata-signals', 'low'), f('dependency-url', 'medium')], ctx).verdict).toBe('clean');
    expect(decide([f('download-exec', 'high', 'x.py'), f('hidden-spawn', 'high', 'y.py')], ctx).verdict).toBe('suspicious');
  });
  it('keeps the score in [0,1] and ordered by verdict', () => {
    const m = decide([f('encoded-exec', 'critical')], ctx).score;
    const s = decide([f('download-exec', 'high')], ctx).score;
    const c = decide([f('install-time-exec', 'low')], ctx).score;
    expect(m).toBeLessThanOrEqual(1);
    expect(m).toBeGreaterThan(s);
    expect(s).toBeGreaterThan(c);
    expect(c).toBeGreaterThanOrEqual(0);
  });
  it('does not hold on one medium finding in code that runs only when called, unless it is corroborated there', () => {
    const mod = { path: 'pkg/wrap.py', location: 'module' } as const;
    const medium = f('download-exec', 'medium', 'pkg/wrap.py');
    // meson's wrap resolver downloads and runs git: a lead, not a hold.
    expect(decide([medium], withFiles(mod)).verdict).toBe('clean');
    // The same module imported by the package __init__ runs on import: held.
    expect(decide([medium], withFiles({ ...mod, reached: true })).verdict).toBe('suspicious');
    // A second rule in the same module corroborates it.
    expect(decide([medium, f('exfil-endpoint', 'low', 'pkg/wrap.py')], withFiles(mod)).verdict).toBe('suspicious');
    // Code that runs unasked holds on one medium, as does a finding on a non-Python member.
    expect(decide([f('download-exec', 'medium', 'pkg/__init__.py')], withFiles({ path: 'pkg/__init__.py', location: 'import', reached: true })).verdict).toBe('suspicious');
    expect(decide([f('executable-payload', 'medium', 'pkg/bin/tool')], withFiles(mod)).verdict).toBe('suspicious');
  });
});

describe('verdict: what runs unasked is found through the imports (whole analysis)', () => {
  // meson's wrap resolver: one function downloads and runs a process (download-exec medium).
  const resolver = 'import subprocess, urllib.request\n\ndef fetch(url, dest):\n    data = urllib.request.urlopen(url).read()\n    open(dest, "wb").write(data)\n    subprocess.run(["git", "apply", dest])\n';
  it('holds it where the package __init__ imports it, not in a module or subpackage nothing imports', async () => {
    const { sdist, run } = await import('../rules/helpers.js');
    const verdict = (files: Record<string, string>) => run(sdist({ 'setup.py': 'from setuptools import setup\nsetup(name="pkg")\n', ...files })).verdict;
    expect(verdict({ 'pkg/__init__.py': '"""Pkg."""\n', 'pkg/wrap/__init__.py': 'from .wrap import fetch\n', 'pkg/wrap/wrap.py': resolver })).toBe('clean');
    expect(verdict({ 'pkg/__init__.py': 'from . import wrap\n', 'pkg/wrap/__init__.py': 'from .wrap import fetch\n', 'pkg/wrap/wrap.py': resolver })).toBe('suspicious');
    expect(verdict({ 'pkg/__init__.py': 'from .core import fetch\n', 'pkg/core.py': resolver })).toBe('suspicious');
  });
  it('does not count imports that never run on import: under TYPE_CHECKING, or in a function nothing calls (huggingface-hub\'s CLI helpers)', async () => {
    const { sdist, run } = await import('../rules/helpers.js');
    const verdict = (init: string) => run(sdist({ 'setup.py': 'from setuptools import setup\nsetup(name="pkg")\n', 'pkg/__init__.py': init, 'pkg/core.py': resolver })).verdict;
    expect(verdict('from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .core import fetch\n')).toBe('clean');
    expect(verdict('def __getattr__(name):\n    from .core import fetch\n    return fetch\n')).toBe('clean');
    // ... but the else branch of TYPE_CHECKING runs, and so does a function called at module level.
    expect(verdict('from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\nelse:\n    from .core import fetch\n')).toBe('suspicious');
    expect(verdict('def _load():\n    from .core import fetch\n    return fetch\nfetch = _load()\n')).toBe('suspicious');
  });
});
