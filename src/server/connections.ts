// Connection limits for the node http server (issue 10 part 8: 1,500 connections trickling their
// headers all stayed open, with no cap). Node's own timeouts end slow requests (headersTimeout,
// requestTimeout, checked every connectionsCheckingInterval); this adds a cap on open
// connections in all (server.maxConnections) and per client address, since one client can
// otherwise take every socket the process has.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log.js';

export interface ConnectionLimits {
  /** Open connections at most; 0: no limit. */
  max: number;
  /** Open connections from one address at most; 0: no limit. */
  perClient: number;
}

export function limitConnections(server: Server, limits: ConnectionLimits, log: Logger): void {
  // Node closes connections over maxConnections as they arrive, before any byte is read.
  if (limits.max > 0) server.maxConnections = limits.max;
  if (limits.perClient <= 0) return;
  const open = new Map<string, number>();
  let refused = 0;
  server.on('connection', (socket: Socket) => {
    const addr = socket.remoteAddress ?? '';
    const n = (open.get(addr) ?? 0) + 1;
    if (n > limits.perClient) {
      // One log line per 100 refusals: a flood must not become a log flood.
      if (refused++ % 100 === 0) log.warn('connection refused: too many open from one client', { client: addr, open: n - 1, limit: limits.perClient, refused });
      socket.destroy();
      return;
    }
    open.set(addr, n);
    socket.once('close', () => {
      const left = (open.get(addr) ?? 1) - 1;
      if (left > 0) open.set(addr, left);
      else open.delete(addr);
    });
  });
}

/** How often Node checks the header and request deadlines: often enough to hold them within a quarter. */
export function checkingInterval(headersTimeoutMs: number): number {
  return Math.max(100, Math.min(1000, Math.floor(headersTimeoutMs / 4)));
}
