// One structured JSON log line per request, carrying the same request id as the X-Request-Id
// header, the refusal reason phrase and the problem body, so a user's pip error can be traced to
// the server's log. Successful requests log at debug (the hot path stays quiet by default);
// anything the client got as an error logs at info.
import type { MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Logger } from '../log.js';

export function accessLog(log: Logger): MiddlewareHandler {
  return async function logRequest(c, next) {
    const started = performance.now();
    await next();
    const status = c.res.status;
    if (status < 400 && !log.enabled('debug')) return; // fast path: nothing will be written
    const fields = {
      requestId: c.get('requestId' as never) as string | undefined,
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      client: clientOf(c),
      userAgent: c.req.header('user-agent'),
    };
    if (status >= 400) log.info('request', fields);
    else log.debug('request', fields);
  };
}

function clientOf(c: Parameters<MiddlewareHandler>[0]): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}
