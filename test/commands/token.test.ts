// `pywarden token create` as a user runs it: the token alone on stdout, on its own line.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '../../bin/pywarden.js');

describe('pywarden token create', () => {
  it('prints the token and a newline on stdout, the note on stderr, each line ended', () => {
    const data = mkdtempSync(join(tmpdir(), 'pywarden-token-'));
    try {
      const r = spawnSync(process.execPath, [bin, 'token', 'create', '--role', 'reviewer', '--name', 'alice', '--data', data], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^pyw_[A-Za-z0-9_-]{20,}\n$/);
      expect(r.stderr).toMatch(/^token 1 for "alice" \(reviewer, no expiry\); it is shown once, store it now:\n$/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
