// Is the upstream index reachable? Learnt from every call the proxy makes anyway, and from a probe
// at start-up and while degraded: issue 14 found `npm start` with no upstream logging "listening"
// and /-/health saying "ok" while every uncached project failed.
import { UpstreamError, type Upstream } from '../upstream/types.js';
import type { Logger } from '../log.js';

/** A project name no index has (PEP 503 names are short): a cheap request whose 404 proves the index answers. */
const PROBE_PROJECT = 'pywarden-reachability-probe-0';
/** While degraded, a health request starts a new probe at most this often. */
const REPROBE_MS = 15_000;

export type HealthState = { status: 'ok' } | { status: 'degraded'; upstream: 'unreachable'; since: string };

/** Upstream URLs may carry credentials (https://user:token@host/simple/): never log or show them. */
export function redactCredentials(s: string): string {
  return s.replace(/(\/\/)[^/@\s]*@/g, '$1');
}

export class UpstreamHealth {
  private down: { since: number; reason: string } | null = null;
  private lastProbe = 0;
  private probing: Promise<void> | null = null;

  constructor(private readonly log: Logger) {}

  /** Wraps an upstream so each call's outcome is recorded. */
  watch(u: Upstream): Upstream {
    const record = <T>(p: Promise<T>, page: boolean): Promise<T> =>
      p.then(
        (v) => {
          this.reachable();
          return v;
        },
        (err: unknown) => {
          if (unreachable(err, page)) this.unreachable((err as Error).message);
          throw err;
        },
      );
    return new Proxy(u, {
      get: (target, prop, receiver) => {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        if (prop === 'project' || prop === 'root' || prop === 'open') {
          return (...args: unknown[]) => record((v as (...a: unknown[]) => Promise<unknown>).apply(target, args), prop !== 'open');
        }
        return v.bind(target);
      },
    });
  }

  /** Asks the index for a project it does not have; any answer of the index itself means it is up. */
  probe(u: Upstream): Promise<void> {
    this.lastProbe = Date.now();
    this.probing ??= u
      .project(PROBE_PROJECT, null)
      .then(
        () => undefined,
        () => undefined, // recorded by watch()
      )
      .finally(() => (this.probing = null));
    return this.probing;
  }

  /** The state for /-/health; while degraded it re-probes now and then, so recovery shows without traffic. */
  state(u?: Upstream): HealthState {
    if (!this.down) return { status: 'ok' };
    if (u && Date.now() - this.lastProbe > REPROBE_MS) void this.probe(u);
    return { status: 'degraded', upstream: 'unreachable', since: new Date(this.down.since).toISOString() };
  }

  private reachable(): void {
    if (!this.down) return;
    this.log.info('upstream reachable again', { downForMs: Date.now() - this.down.since });
    this.down = null;
  }

  private unreachable(reason: string): void {
    if (this.down) return;
    this.down = { since: Date.now(), reason };
    this.log.warn('upstream unreachable: uncached projects and files cannot be served', { reason: redactCredentials(reason) });
  }
}

/** Connection failures and timeouts; for pages also a status the index should never send (5xx). */
function unreachable(err: unknown, page: boolean): boolean {
  if (!(err instanceof UpstreamError)) return false;
  return err.code === 'unreachable' || err.code === 'timeout' || (page && err.code === 'bad-status');
}
