// pywarden intel import [--data DIR] [--config FILE] PATH...
// Imports known-malicious advisories (OSV records) from .json files, folders or OSV zip exports,
// then re-decides the files already recorded in the projects that changed. A server running on the
// same data folder notices the import within seconds (it polls the store's change counter).
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { commandConfig } from './command-config.js';
import { buildDeps } from '../main.js';
import { importAndRedecide, summarize } from '../intel/import.js';
import { loadPaths, SourceError } from '../intel/load.js';

const usage = `usage: pywarden intel import [--data DIR] [--config FILE] [--json] PATH...

  PATH     an OSV record (.json, one record or a list), a folder of them (recursive, .json and
           .zip), or an OSV zip export such as osv.dev's PyPI all.zip
  --json   print the counts as one JSON object

Only malicious PyPI records are kept (OpenSSF malicious-packages MAL- ids); a record replaces the
stored one when its "modified" is newer, and a withdrawn record stops refusing.`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (sub !== 'import') {
    process.stderr.write(`pywarden intel: ${sub ? `unknown sub-command "${sub}"` : 'a sub-command is needed'}\n${usage}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { data: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    process.stderr.write(`pywarden intel import: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (!parsed.positionals.length) {
    process.stderr.write(`pywarden intel import: give at least one file, folder or zip\n${usage}\n`);
    return 2;
  }
  // Every path is checked before anything is imported: a typo must not leave half an import.
  const missing = parsed.positionals.find((p) => !existsSync(p));
  if (missing) {
    process.stderr.write(`pywarden intel import: ${missing}: no such file or folder\n`);
    return 2;
  }
  const flags: Record<string, unknown> = { scanAhead: false };
  if (parsed.values.data) flags.data = parsed.values.data;
  const config = commandConfig('intel import', flags, parsed.values.config);
  if (config === 2) return 2;
  const deps = await buildDeps(config);
  try {
    const source = parsed.positionals.join(' ');
    const r = await importAndRedecide({ ...deps, advisories: deps.advisories! }, loadPaths(parsed.positionals), source, 'intel-import');
    for (const p of r.problems) process.stderr.write(`invalid: ${p.where}: ${p.reason}\n`);
    process.stdout.write(parsed.values.json ? JSON.stringify(r.counts) + '\n' : summarize(r.counts) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof SourceError) {
      process.stderr.write(`pywarden intel import: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await deps.scanner.close?.();
    await deps.upstream.close?.();
    await deps.webhook?.idle();
    await deps.store.close();
  }
}
