// `pywarden serve --help` lists every flag the command accepts (issue 14: a third were missing).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { DEFAULTS, flagName } from '../../src/config.js';

const bin = resolve(import.meta.dirname, '../../bin/pywarden.js');
// Lists are config-file keys only: they do not fit one flag.
const NOT_FLAGS = new Set(['allow', 'deny']);

describe('serve --help', () => {
  it('names every config key that has a flag, and the parser accepts each one it names', () => {
    const r = spawnSync(process.execPath, [bin, 'serve', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const named = new Set([...r.stdout.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]));
    for (const key of Object.keys(DEFAULTS)) {
      if (!NOT_FLAGS.has(key)) expect(named, `--${flagName(key)}`).toContain(flagName(key));
    }
    // An unknown flag is refused, so every flag named above is one the parser knows.
    const bad = spawnSync(process.execPath, [bin, 'serve', '--no-such-flag', '1'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    for (const flag of named) if (flag !== 'help' && flag !== 'config') expect(r.stdout).toContain(`--${flag} `);
  });
});
