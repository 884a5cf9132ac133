import { describe, it, expect } from 'vitest';
import { analyze } from '../../../src/scan/analyze/index.js';
import { distOf } from './helpers.js';

const of = (d: ReturnType<typeof distOf>) => analyze(d).findings.filter((f) => f.rule === 'archive-hazard');

describe('archive-hazard', () => {
  it('flags traversal, absolute paths, devices and escaping links (high)', () => {
    const d = distOf({ 'pkg-1.0/setup.py': 'x=1\n' });
    d.members.push({ path: '../../etc/cron.d/x', type: 'file', size: 1, head: Buffer.from('x') });
    d.members.push({ path: '/etc/passwd', type: 'file', size: 1, head: Buffer.from('x') });
    d.members.push({ path: 'pkg-1.0/dev', type: 'device', size: 0, head: Buffer.alloc(0) });
    d.members.push({ path: 'pkg-1.0/link', type: 'symlink', size: 0, head: Buffer.alloc(0), linkTarget: '/root/.ssh/id_rsa' });
    const f = of(d);
    expect(f.filter((x) => x.severity === 'high').length).toBe(4);
  });
  it('keeps an in-tree symlink low and ordinary members silent', () => {
    const d = distOf({ 'pkg-1.0/setup.py': 'x=1\n', 'pkg-1.0/docs/index.rst': 'hi' });
    d.members.push({ path: 'pkg-1.0/README', type: 'symlink', size: 0, head: Buffer.alloc(0), linkTarget: 'docs/index.rst' });
    expect(of(d).map((x) => x.severity)).toEqual(['low']);
  });
});
