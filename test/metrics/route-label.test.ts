// The route label of request metrics is the route as written, not its regex (issue 14:
// route="/simple/:project{[^/]+}/" in every dashboard query).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/main.js';
import { routeLabel } from '../../src/metrics/index.js';

describe('metrics route label', () => {
  it('drops the constraint of each parameter', () => {
    expect(routeLabel('/simple/:project{[^/]+}/')).toBe('/simple/:project/');
    expect(routeLabel('/files/:sha256/:filename')).toBe('/files/:sha256/:filename');
    expect(routeLabel('/a/:x{[0-9]{2,4}}/:y{.+}')).toBe('/a/:x/:y');
  });

  it('a served project page is counted under /simple/:project/', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'pywarden-route-'));
    const proxy = await startServer(loadConfig({ env: {}, flags: { upstream: work, data: path.join(work, 'data'), port: 0, host: '127.0.0.1', logLevel: 'silent', scanAhead: false } as never }));
    try {
      expect((await fetch(`${proxy.url}/simple/nothing-here/`)).status).toBe(404);
      const text = await (await fetch(`${proxy.url}/metrics`)).text();
      expect(text).toMatch(/pywarden_http_requests_total\{method="GET",route="\/simple\/:project\/",status="404"\} 1/);
      expect(text).not.toContain('{[^/]+}');
    } finally {
      await proxy.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
