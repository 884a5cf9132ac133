// pywarden command line: one sub-command per module in src/commands/, dispatched here.
import { setFlagsFromString } from 'node:v8';

const commands: Record<string, () => Promise<{ run(argv: string[]): Promise<number | void> }>> = {
  serve: () => {
    // A serving process keeps V8's young generation at its initial 1 MiB semi-spaces instead of
    // letting it grow to 16 MiB: under load that growth is about 30 MiB of RSS, for no measured
    // gain in CPU per request (issue 13: serving RSS <= 100 MiB; docs/PERFORMANCE.md). V8 reads
    // the flag whenever it would grow the space, so setting it here, before the server's modules
    // load, works at run time; batch commands (scan, rescan, cluster) keep the default.
    setFlagsFromString('--semi-space-growth-factor=1');
    return import('./commands/serve.js');
  },
  scan: () => import('./commands/scan.js'),
  token: () => import('./commands/token.js'),
  rescan: () => import('./commands/rescan.js'),
  cluster: () => import('./commands/cluster.js'),
  intel: () => import('./commands/intel.js'),
  'scan-worker': () => import('./commands/scan-worker.js'),
};

const usage = `usage: pywarden <command> [options]

commands:
  serve     run the proxy index
  scan      scan distribution files or folders
  token     create, list or revoke API tokens for the review API and page
  rescan    re-scan cached files whose verdict came from another scanner version
  cluster   build or re-cluster the install-script outlier model (MPHunter)
  intel     import known-malicious advisories (OSV records: a file, a folder or a zip export)
  scan-worker  scan the files serving processes queue (scanJobs: a scanner tier apart from serving)
Run "pywarden <command> --help" for the options of one command.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage + '\n');
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`pywarden: unknown command "${name}"\n${usage}\n`);
    return 2;
  }
  const mod = await load();
  const code = await mod.run(rest);
  return typeof code === 'number' ? code : 0;
}
