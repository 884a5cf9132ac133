// pywarden serve --host H --port P --upstream URL_OR_FOLDER --data DIR [--config FILE] [...]
import { parseArgs } from 'node:util';
import { ConfigError, DEFAULTS, flagName, loadConfig, type Config } from '../config.js';
import { startServer } from '../main.js';
import { isClusterWorker, processCount, runPrimary } from '../server/processes.js';

// One line per flag, in the order shown; the test checks that every flag the parser accepts is here.
const FLAG_HELP: [keyof Config, string, string][] = [
  ['host', 'H', `address to listen on (default ${DEFAULTS.host})`],
  ['port', 'P', `port (default ${DEFAULTS.port})`],
  ['upstream', 'URL|FOLDER', `upstream simple index URL or a local folder of distributions (default ${DEFAULTS.upstream})`],
  ['data', 'DIR', `SQLite file and blob store (default ${DEFAULTS.data})`],
  ['upstreams', 'JSON', 'several upstreams, private first (a JSON list; see config/pywarden.yaml)'],
  ['database', 'URL', 'postgres://... to share verdicts with other replicas (default: the SQLite file in --data)'],
  ['processes', 'N', 'serving processes on the one port (default 0: one per core; 1: a single process)'],
  ['leaseSeconds', 'N', `a dead process's download or scan is taken over after this long (default ${DEFAULTS.leaseSeconds})`],
  ['scanJobs', 'true|false', 'queue scans for `pywarden scan-worker` processes instead of scanning here (default false)'],
  ['mode', 'enforce|monitor', 'monitor logs what would be refused and serves it'],
  ['pageTtl', 'SECONDS', `freshness of cached index pages (default ${DEFAULTS.pageTtl})`],
  ['negativeTtl', 'SECONDS', `how long "no such project" is remembered (default ${DEFAULTS.negativeTtl})`],
  ['upstreamTimeout', 'MS', `wait for upstream headers and between body chunks (default ${DEFAULTS.upstreamTimeout})`],
  ['fileOrigins', 'O1,O2', "origins besides the upstream's that file URLs may point at"],
  ['cooldownHours', 'N', 'hold uploads younger than N hours (default 0: off)'],
  ['refusedListing', 'hide|yank|show', `how known-refused files appear on pages (default ${DEFAULTS.refusedListing})`],
  ['refusalContact', 'TEXT', 'who developers ask about a refusal, named in the 403 (default: no one)'],
  ['scanAhead', 'true|false', 'scan the files a client will ask for next (default true)'],
  ['scanAheadConcurrency', 'N', `scan-ahead downloads at once (default ${DEFAULTS.scanAheadConcurrency})`],
  ['scanWorkers', 'N', 'scan processes (default 0: one per core)'],
  ['scanWorkerIdle', 'SECONDS', `stop an idle scan process after this long (default ${DEFAULTS.scanWorkerIdle}; 0: never)`],
  ['scanMemoryLimit', 'MIB', `memory one scan may use before it is killed (default ${DEFAULTS.scanMemoryLimit})`],
  ['maxFileSize', 'SIZE', 'largest file fetched (default 2GiB)'],
  ['maxColdDownloads', 'N', `upstream file downloads at once (default ${DEFAULTS.maxColdDownloads})`],
  ['coldDownloadQueue', 'N', `downloads waiting for a slot before 503 (default ${DEFAULTS.coldDownloadQueue})`],
  ['blobQuota', 'SIZE', 'bytes of files kept, least recently used evicted (default 50GiB; 0: none)'],
  ['accelRedirect', 'PREFIX', 'nginx in front sends allowed files from this internal location (X-Accel-Redirect; default "": off)'],
  ['pageCacheMb', 'MIB', `memory for index pages (default ${DEFAULTS.pageCacheMb})`],
  ['maxPageMb', 'MIB', `largest upstream index page (default ${DEFAULTS.maxPageMb})`],
  ['maxPageFiles', 'N', `most files an upstream page may list (default ${DEFAULTS.maxPageFiles})`],
  ['requireTokenForDownloads', 'true|false', 'pages and files need a token (default false)'],
  ['metricsRequireToken', 'true|false', '/metrics needs a reader token (default false)'],
  ['webhookUrl', 'URL', 'POST an event here when a file is held'],
  ['intelUrl', 'URL', 'fetch known-malicious advisories (OSV zip or JSON) from URL'],
  ['intelInterval', 'SECONDS', `how often (default ${DEFAULTS.intelInterval})`],
  ['auditCoalesceSeconds', 'SECONDS', `repeated refusals share an audit row this long (default ${DEFAULTS.auditCoalesceSeconds})`],
  ['maxConnections', 'N', `open client connections at most (default ${DEFAULTS.maxConnections}; 0: no limit)`],
  ['maxConnectionsPerClient', 'N', `open connections from one address at most (default ${DEFAULTS.maxConnectionsPerClient})`],
  ['headersTimeout', 'MS', `time a client has to send its headers (default ${DEFAULTS.headersTimeout})`],
  ['requestTimeout', 'MS', `time a client has to send its request (default ${DEFAULTS.requestTimeout})`],
  ['keepAliveTimeout', 'MS', `idle keep-alive connections close after this (default ${DEFAULTS.keepAliveTimeout})`],
  ['logLevel', 'debug|info|warn|error|silent', `(default ${DEFAULTS.logLevel})`],
];

const STRING_FLAGS = FLAG_HELP.map(([key]) => key);

export const usage = [
  'usage: pywarden serve [options]',
  '',
  ...FLAG_HELP.map(([key, arg, help]) => {
    const left = `  --${flagName(key)} ${arg}`;
    return left.length < 34 ? `${left.padEnd(34)} ${help}` : `${left}\n${' '.repeat(35)}${help}`;
  }),
  `  ${'--config FILE'.padEnd(32)} YAML or JSON config file (see config/pywarden.yaml)`,
  `  ${'--help'.padEnd(32)} this text`,
  'Every option also has an environment variable (PYWARDEN_UPSTREAM, PYWARDEN_PAGE_TTL, ...).',
].join('\n');

export async function run(argv: string[]): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { config: { type: 'string' }, help: { type: 'boolean' } };
  for (const k of STRING_FLAGS) options[flagName(k)] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    process.stderr.write(`pywarden serve: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const flags: Record<string, unknown> = {};
  for (const k of STRING_FLAGS) {
    const v = parsed.values[flagName(k)];
    if (v !== undefined) flags[k] = v;
  }
  let config: Config;
  try {
    config = loadConfig({ flags: flags as Partial<Record<keyof Config, unknown>>, file: parsed.values.config as string | undefined });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pywarden serve: configuration error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const n = processCount(config);
  if (n > 1 && !isClusterWorker()) return runPrimary(config, n);
  const running = await startServer(config);
  const stop = (signal: string) => {
    running.deps.log.info('shutting down', { signal });
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  await new Promise(() => undefined); // serve until a signal
  return 0;
}
