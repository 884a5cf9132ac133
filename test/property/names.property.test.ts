// Project names as properties (the index helper's tests cover idempotence and fixed cases):
// normalizeName agrees with PEP 503's own Python expression on thousands of generated names
// (differential, one python3 run), an accepted name can never carry a path, and through the
// real server no request path whatsoever makes the proxy ask upstream for anything but a
// valid, normalized project name.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { normalizeName, validProjectName } from '../../src/index/index.js';
import { FaultUpstream, benignWheel } from '../helpers/fault-upstream.js';
import { startProxy, type Proxy } from '../reliability/harness.js';
import { requireOrSkip } from '../helpers/ci.js';

const RUNS = Number(process.env.FC_NUM_RUNS ?? 2000);
const PY = '/usr/bin/python3';
const havePython = requireOrSkip(existsSync(PY), `${PY} (apt-get install python3): the differential name test`);
const nameish = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'B', 'z', 'Z', '0', '9', '-', '_', '.', '--', '__', '..', '-_.') }),
  fc.string({ unit: 'grapheme' }),
  fc.string(),
);

describe('normalizeName', () => {
  test.skipIf(!havePython)("agrees with PEP 503's re.sub(r'[-_.]+', '-', name).lower() (python3, differential)", () => {
    const names = fc.sample(nameish, RUNS);
    const script = 'import json,re,sys\nprint(json.dumps([re.sub(r"[-_.]+", "-", n).lower() for n in json.load(sys.stdin)]))';
    const want = JSON.parse(execFileSync(PY, ['-c', script], { input: JSON.stringify(names), encoding: 'utf8' })) as string[];
    const diffs = names.map((n, i) => [n, normalizeName(n), want[i]]).filter(([, got, exp]) => got !== exp);
    expect(diffs).toEqual([]);
  });

  test('an accepted name and its normalized form never contain a path, an escape or a control character', () => {
    fc.assert(
      fc.property(nameish, (n) => {
        if (!validProjectName(n)) return;
        const norm = normalizeName(n);
        expect(validProjectName(norm)).toBe(true);
        expect(norm).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('what reaches upstream', () => {
  let up: FaultUpstream;
  let proxy: Proxy;

  beforeAll(async () => {
    up = await new FaultUpstream().start();
    const w = benignWheel('real-name', '1.0');
    up.add('real-name', w.filename, w.body);
    proxy = await startProxy(up.simple, { negativeTtl: 0 });
  });

  afterAll(async () => {
    await proxy?.stop();
    await up?.stop();
  });

  test('any project path segment: upstream only ever sees /simple/ or /simple/<valid normalized name>/', async () => {
    const segment = fc.oneof(
      nameish,
      nameish.map(encodeURIComponent),
      fc.constantFrom('..', '%2e%2e', '%2F', '%252F', 'a%2fb', '%00', '%0d%0aX:1', 'real_Name', 'REAL.name', 'real-name', '@evil.example', 'http:%2F%2Fx'),
    );
    await fc.assert(
      fc.asyncProperty(segment, async (seg) => {
        let res: Response;
        try {
          res = await fetch(`${proxy.url}/simple/${seg}/`, { redirect: 'manual' });
        } catch {
          return; // the client refused to build the request: nothing was sent
        }
        await res.arrayBuffer();
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 500) },
    );
    const asked = [...up.hits.keys()];
    expect(asked.length).toBeGreaterThan(0);
    for (const p of asked) {
      if (p === '/simple/') continue; // an empty or dot segment is the root index, fetched as such
      const m = /^\/simple\/([^/]+)\/$/.exec(p);
      expect(m, p).not.toBeNull();
      expect(validProjectName(m![1])).toBe(true);
      expect(normalizeName(m![1])).toBe(m![1]);
    }
  });
});
