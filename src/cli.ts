// pywarden command line: one sub-command per module in src/commands/, dispatched here.
const commands: Record<string, () => Promise<{ run(argv: string[]): Promise<number | void> }>> = {
  serve: () => import('./commands/serve.js'),
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
