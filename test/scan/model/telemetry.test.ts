// onnxruntime 1.30 collects "telemetry" when it creates its environment: on Linux it runs GCC
// std::regex, which recurses once per character, over strings that include /proc/self/cmdline.
// A long command line (`pywarden scan wheelhouse/*.whl`) overflowed the stack: SIGSEGV at ~15 KB
// of command line on a 4 MiB worker-thread stack, ~1.4 MB on the main thread. The model module
// turns that telemetry off before the first session; this runs it under a 1.4 MB command line.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../../../src/scan/features/index.js';

const repo = resolve(import.meta.dirname, '../../..');
const model = join(repo, 'dist/scan/model/index.js');

beforeAll(() => {
  if (!existsSync(model)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: repo });
});

it('scores with a 1.4 MB command line (no stack overflow in onnxruntime start-up)', () => {
  // One line: the regex stops at a newline, and the code is part of the command line too.
  const code = `const { scoreModel } = await import(${JSON.stringify(pathToFileURL(model).href)}); console.log(await scoreModel(new Float32Array(${FEATURE_NAMES.length})));`;
  const args = Array.from({ length: 25_000 }, (_, i) => `wheelhouse/some-package-name-${i}-1.0.0-py3-none-any.whl`);
  const { ORT_DISABLE_TELEMETRY: _, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  expect(r.signal, r.stderr).toBeNull();
  expect(r.status, r.stderr).toBe(0);
  const score = Number(r.stdout.trim());
  expect(score).toBeGreaterThanOrEqual(0);
  expect(score).toBeLessThanOrEqual(1);
}, 60_000);
