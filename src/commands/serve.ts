// pywarden serve --host H --port P --upstream URL_OR_FOLDER --data DIR [--config FILE] [...]
import { parseArgs } from 'node:util';
import { ConfigError, DEFAULTS, flagName, loadConfig, type Config } from '../config.js';
import { startServer } from '../main.js';
import { isClusterWorker, processCount, runPrimary } from '../server/processes.js';

const usage = `usage: pywarden serve [options]

  --host H                 address to listen on (default ${DEFAULTS.host})
  --port P                 port (default ${DEFAULTS.port})
  --upstream URL|FOLDER    upstream simple index URL or a local folder of distributions
                           (default ${DEFAULTS.upstream})
  --data DIR               SQLite file and blob store (default ${DEFAULTS.data})
  --database URL           postgres://... to share verdicts with other replicas
                           (default: the SQLite file in --data)
  --processes N            serving processes on the one port (default: number of cores;
                           1: a single process)
  --lease-seconds N        a dead process's download or scan is taken over after this long
  --scan-jobs true         queue scans for \`pywarden scan-worker\` processes instead of scanning here
  --config FILE            YAML or JSON config file (see config/pywarden.yaml)
  --mode enforce|monitor   monitor logs what would be refused and serves it
  --page-ttl SECONDS       freshness of cached index pages (default ${DEFAULTS.pageTtl})
  --cooldown-hours N       hold uploads younger than N hours (default 0: off)
  --refused-listing hide|yank|show
  --intel-url URL          fetch known-malicious advisories (OSV zip or JSON) from URL
  --intel-interval SECONDS how often (default ${DEFAULTS.intelInterval})
  --log-level debug|info|warn|error|silent
  --file-origins O1,O2     origins besides the upstream's that file URLs may point at
  --max-file-size SIZE     largest file fetched (default 2GiB)
  --max-cold-downloads N   upstream file downloads at once (default ${DEFAULTS.maxColdDownloads})
  --cold-download-queue N  downloads waiting for a slot before 503 (default ${DEFAULTS.coldDownloadQueue})
  --blob-quota SIZE        bytes of files kept, least recently used evicted (default 50GiB; 0: none)
  --accel-redirect PREFIX  behind nginx: answer allowed files with X-Accel-Redirect: PREFIX<blob>
                           for an internal nginx location (docs/DEPLOYMENT.md; default off)
Every option also has an environment variable (PYWARDEN_UPSTREAM, PYWARDEN_PAGE_TTL, ...).`;

const STRING_FLAGS: (keyof Config)[] = [
  'host', 'port', 'upstream', 'data', 'database', 'processes', 'leaseSeconds', 'mode', 'pageTtl', 'negativeTtl', 'upstreamTimeout', 'cooldownHours',
  'refusedListing', 'scanAhead', 'scanAheadConcurrency', 'scanWorkers', 'scanJobs', 'scanWorkerIdle', 'scanMemoryLimit', 'requireTokenForDownloads', 'webhookUrl', 'logLevel',
  'fileOrigins', 'maxFileSize', 'maxColdDownloads', 'coldDownloadQueue', 'blobQuota',
  'pageCacheMb', 'maxPageMb', 'maxPageFiles', 'auditCoalesceSeconds', 'metricsRequireToken',
  'maxConnections', 'maxConnectionsPerClient', 'headersTimeout', 'requestTimeout', 'keepAliveTimeout',
  'intelUrl', 'intelInterval', 'accelRedirect',
];

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
