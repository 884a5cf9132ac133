import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from '../../src/metrics/registry.js';
import { Metrics } from '../../src/metrics/index.js';

describe('prometheus registry', () => {
  it('renders counters, gauges and cumulative histogram buckets in the text format', () => {
    const r = new Registry();
    const c = r.register(new Counter('x_total', 'Things.'));
    c.inc({ kind: 'a' });
    c.inc({ kind: 'a' }, 2);
    c.inc({ kind: 'q"\\\n' });
    r.register(new Gauge('depth', 'Depth.', (set) => set({ state: 'held' }, 7)));
    const h = r.register(new Histogram('lat_seconds', 'Latency.', [0.1, 1]));
    h.observe({}, 0.05);
    h.observe({}, 0.5);
    h.observe({}, 5);
    const text = r.render();
    expect(text).toContain('# TYPE x_total counter\nx_total{kind="a"} 3\n');
    expect(text).toContain('x_total{kind="q\\"\\\\\\n"} 1');
    expect(text).toContain('depth{state="held"} 7');
    expect(text).toContain('lat_seconds_bucket{le="0.1"} 1\nlat_seconds_bucket{le="1"} 2\nlat_seconds_bucket{le="+Inf"} 3\nlat_seconds_sum 5.55\nlat_seconds_count 3\n');
  });

  it('observes scans and verdicts through the gate hooks', async () => {
    const m = new Metrics(async () => ({ quarantined: 2 }));
    m.onScan('malicious', 120);
    m.onBytesServed(1000);
    const text = await m.render();
    expect(text).toContain('pywarden_verdicts_total{verdict="malicious"} 1');
    expect(text).toContain('pywarden_scan_duration_seconds_bucket{verdict="malicious",le="0.25"} 1');
    expect(text).toContain('pywarden_review_queue_depth{state="quarantined"} 2');
    expect(text).toContain('pywarden_bytes_served_total 1000');
  });
});
