// The only wiring: config → store → upstream → scanner → gate → app → listen.
import { serve, type ServerType } from '@hono/node-server';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { checkingInterval, limitConnections } from './server/connections.js';
import type { Config } from './config.js';
import { createApp, type AppDeps } from './app.js';
import { Gate } from './gate/gate.js';
import { ScanAhead } from './gate/scan-ahead.js';
import { createLogger, type Logger } from './log.js';
import { PageCache } from './pages/cache.js';
import { PageRenderer } from './pages/render.js';
import { decide, knownRefusal, policyOptions, type PolicyOptions } from './policy/decide.js';
import { FsBlobStore } from './store/blobs.js';
import { BlobQuota } from './store/quota.js';
import { Slots } from './gate/slots.js';
import { openDatabase } from './store/db.js';
import { SqlMetadataStore } from './store/metadata.js';
import { LeaseStore, processOwner } from './store/leases.js';
import { JobStore } from './store/jobs.js';
import { runsFeed } from './server/processes.js';
import { createUpstreams, SeveralUpstreams } from './upstream/index.js';
import { OrgStore } from './store/uploads.js';
import { PrivateNames } from './upstream/private-names.js';
import { createScanner } from './scan/scan.js';
import type { Scanner } from './scan/types.js';
import { ReviewStore } from './store/review.js';
import { Metrics } from './metrics/index.js';
import { UpstreamHealth } from './metrics/health.js';
import { Webhook } from './review/webhook.js';
import { rankHeldFile } from './review/rank.js';
import { AdvisoryStore } from './store/advisories.js';
import { IntelFeed, watchAdvisories } from './intel/feed.js';
import { loadBuffer } from './intel/load.js';
import { importAndRedecide, summarize } from './intel/import.js';

const MiB = 1024 * 1024;

export interface Running {
  url: string;
  port: number;
  deps: AppDeps;
  close(): Promise<void>;
}

export interface BuildOptions {
  log?: Logger;
  /** A scanner to use instead of the default one (tests that need a controlled verdict). */
  scanner?: Scanner;
}

export async function buildDeps(config: Config, opts: BuildOptions = {}): Promise<AppDeps> {
  const log = opts.log ?? createLogger(config.logLevel);
  const db = await openDatabase(config.database, config.data);
  const store = new SqlMetadataStore(db, { coalesceMs: config.auditCoalesceSeconds * 1000 });
  const reviews = new ReviewStore(db);
  const advisories = new AdvisoryStore(db);
  const metrics = new Metrics(() => reviews.queueDepth());
  const blobs = new FsBlobStore(config.data);
  const metaBlobs = new FsBlobStore(path.join(config.data, 'metadata'));
  const org = new OrgStore(db);
  // A new private name changes how look-alike public projects render; `renderer` is assigned below.
  const privateNames = new PrivateNames(org, { merge: config.upstreams.flatMap((u) => u.merge), onNew: () => renderer.invalidateAll() });
  await privateNames.refresh();
  const ups = createUpstreams(config, org, privateNames, { maxPageBytes: config.maxPageMb * MiB });
  const publicUpstreams = new Set(config.upstreams.filter((u) => !u.private).map((u) => u.name));
  // Only files listed by a public upstream are checked against the private names (issue 12).
  const fromPublic = (upstream: string | null | undefined) => !!upstream && publicUpstreams.has(upstream);
  const health = new UpstreamHealth(log);
  const upstream = health.watch(metrics.instrument(ups.upstream));
  // Scan processes start with the first scan and stop after scanWorkerIdle seconds without one: each
  // holds tree-sitter and the classifier (about 120 MiB), which serving from the cache does not need.
  const scanner =
    opts.scanner ??
    createScanner({
      workers: config.scanWorkers || availableParallelism(),
      workerIdleMs: config.scanWorkerIdle ? config.scanWorkerIdle * 1000 : undefined,
      memoryLimitMb: config.scanMemoryLimit,
    });
  const policy = () => withReviewPolicy(policyOptions(config), reviews);
  const webhook = config.webhookUrl ? new Webhook({ url: config.webhookUrl, log, onOutcome: (outcome) => metrics.webhook.inc({ outcome }) }) : undefined;
  const renderer = new PageRenderer(
    async (page) => {
      // One query per render of a project, not one per file.
      const [states, o, listedBy] = await Promise.all([store.projectStates(page.project), policy(), advisories.matcher(page.project)]);
      const projectStatus = page.status?.status ?? null;
      const squat = privateNames.targetOf(page.project);
      // Per-rule monitor mode needs the findings' rules, read only for held verdicts when some rule is monitored.
      const rulesOf = new Map<string, string[] | undefined>();
      if (o.monitoredRules?.length) {
        for (const [sha, s] of states) {
          if (s.verdict === 'suspicious' || s.verdict === 'malicious') rulesOf.set(sha, (await store.latestVerdict(sha))?.findings.map((x) => x.rule));
        }
      }
      return (f) => {
        const s = states.get(f.sha256);
        const rules = rulesOf.get(f.sha256);
        return decide(
          { sha256: f.sha256, project: page.project, version: f.version, uploadTime: f.uploadTime },
          { verdict: s?.verdict, review: s?.review, projectStatus, rules, advisories: listedBy(f.version), imitates: squat && fromPublic(f.upstream) ? squat : undefined },
          o,
        );
      };
    },
    () => config.refusedListing,
    (config.pageCacheMb * MiB) / 2,
  );
  const pages = new PageCache(upstream, store, log, {
    ttlMs: config.pageTtl * 1000,
    negativeTtlMs: config.negativeTtl * 1000,
    maxBytes: (config.pageCacheMb * MiB) / 2,
    maxFiles: config.maxPageFiles,
  });
  // Evicts only what the gate is not downloading or scanning; `gate` is assigned just below.
  const quota = config.blobQuota ? new BlobQuota(blobs, store, config.blobQuota, blobs.totalBytes(), log, (sha) => gate.busy(sha)) : undefined;
  const gate: Gate = new Gate({
    store, blobs, upstream, scanner, policy, log, advisories,
    maxFileSize: config.maxFileSize,
    imitates: (file) => (fromPublic(file.upstream) ? privateNames.targetOf(file.project) : undefined),
    slots: new Slots(config.maxColdDownloads, config.coldDownloadQueue),
    quota,
    leases: new LeaseStore(db, processOwner(), config.leaseSeconds * 1000),
    jobs: config.scanJobs ? new JobStore(db, store) : undefined,
    onChange: (p) => renderer.invalidate(p),
    onScan: metrics.onScan,
    onDownload: metrics.onDownload,
    onHold: (file, review, decision) => {
      webhook?.notify({ event: 'held', reviewId: `Q-${review.id}`, state: review.state, project: file.project, version: file.version, filename: file.filename, sha256: file.sha256, action: decision.action, reason: decision.reason, at: new Date().toISOString() });
      // Outlier rank for the review queue, off the request path.
      setImmediate(() => void rankHeldFile(blobs, reviews, file, scanner));
    },
  });
  const scanAhead = config.scanAhead ? new ScanAhead(gate, log, config.scanAheadConcurrency) : undefined;
  // A hosted upload that passed is listed unless policy now refuses it (a scanner upgrade leaves it
  // pending: listed, and rescanned before a byte is served); a refused one only once policy allows
  // it (a reviewer's release, a waiver, the allow list).
  for (const h of ups.hosted.values()) {
    h.visible = async (u) => {
      const file = await store.getListing(u.sha256, u.filename);
      if (!file) return false;
      const { decision } = await gate.peek(file);
      return u.state === 'published' ? !knownRefusal(decision) : decision.action === 'allow';
    };
  }
  return { config, store, blobs, metaBlobs, upstream, scanner, pages, renderer, gate, scanAhead, log, reviews, metrics, webhook, advisories, org, privateNames, hosted: ups.hosted, health };
}

/** Config-file lists plus the lists, waivers and rule modes reviewers keep in the database. */
async function withReviewPolicy(o: PolicyOptions, reviews: ReviewStore): Promise<PolicyOptions> {
  const x = await reviews.policyExtras();
  const join = (a: string[], b: string[]) => (b.length ? [...a, ...b] : a);
  return {
    ...o,
    allow: { projects: join(o.allow.projects, x.allow.projects), versions: join(o.allow.versions, x.allow.versions), sha256: join(o.allow.sha256, x.allow.sha256) },
    deny: { projects: join(o.deny.projects, x.deny.projects), versions: join(o.deny.versions, x.deny.versions), sha256: join(o.deny.sha256, x.deny.sha256) },
    waivers: x.waivers,
    monitoredRules: x.monitoredRules,
  };
}

export async function startServer(config: Config, opts: BuildOptions = {}): Promise<Running> {
  const deps = await buildDeps(config, opts);
  const app = createApp(deps);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: config.host,
        port: config.port,
        serverOptions: {
          headersTimeout: config.headersTimeout,
          requestTimeout: config.requestTimeout,
          connectionsCheckingInterval: checkingInterval(config.headersTimeout),
        },
      },
      () => resolve(s),
    );
    // Set before the first connection can arrive (listen completes on a later tick).
    (s as Server).keepAliveTimeout = config.keepAliveTimeout;
    limitConnections(s as Server, { max: config.maxConnections, perClient: config.maxConnectionsPerClient }, deps.log);
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  deps.log.info('pywarden listening', { url: `${url}/simple/`, upstream: deps.upstream.description, data: config.data, mode: config.mode, scanner: deps.scanner.version });
  // Not awaited: a silent upstream would hold start-up for upstreamTimeout; the warning follows when it fails.
  void deps.health?.probe(deps.upstream);
  const { feed, stopWatch } = startIntel(deps);
  // Off the request path: the private upstreams' root pages name every private project up front.
  if (deps.upstream instanceof SeveralUpstreams) {
    deps.upstream
      .learnPrivateNames()
      .then((n) => deps.log.info('private names learned', { added: n, known: deps.privateNames?.size ?? 0 }))
      .catch((err: unknown) => deps.log.warn('could not list the private upstreams', { reason: (err as Error).message }));
  }
  let closed = false;
  return {
    url,
    port,
    deps,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      stopWatch();
      await feed?.stop();
      await deps.scanAhead?.idle();
      await deps.webhook?.idle();
      await deps.scanner.close?.();
      await deps.upstream.close?.();
      await deps.store.close();
    },
  };
}

/**
 * Advisories change while serving: the scheduled feed (when intelUrl is set) imports in this
 * process; an import by another process is noticed by polling the store's change counter.
 */
function startIntel(deps: AppDeps): { feed?: IntelFeed; stopWatch: () => void } {
  const advisories = deps.advisories!;
  const stopWatch = watchAdvisories(
    async () => {
      // Lists, waivers and rule modes another process changed reach this one's policy here too,
      // and its verdicts and review decisions this one's rendered listings (--processes, replicas).
      await deps.reviews?.refreshPolicyExtras();
      // Private names another process claimed reach this one's look-alike check (issue 12).
      await deps.privateNames?.refresh();
      return `${await advisories.generation()}/${await deps.store.changeStamp()}`;
    },
    () => deps.renderer.invalidateAll(),
    undefined,
    (err) => deps.log.warn('could not read advisory and policy changes', { reason: err.message }),
  );
  if (!deps.config.intelUrl || !runsFeed()) return { stopWatch };
  const feed = new IntelFeed({
    url: deps.config.intelUrl,
    intervalMs: deps.config.intelInterval * 1000,
    log: deps.log,
    run: async (body, source) => {
      const r = await importAndRedecide({ ...deps, advisories }, loadBuffer(body, source), source, 'intel-feed');
      deps.log.info('advisory feed imported', { url: source, counts: summarize(r.counts), problems: r.problems.slice(0, 3) });
    },
  });
  feed.start();
  return { feed, stopWatch };
}
