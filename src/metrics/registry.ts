// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
// exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
// Written here rather than pulled from npm: the format is a page long and this keeps the hot
// path to a Map lookup and an add.

type Labels = Record<string, string>;

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeValue(v: string): string {
  // Fast path: label values are nearly always plain (routes, methods, status codes).
  return NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v;
}

/** The series a label set names, as rendered between the braces; callers that record the same labels on every request compute it once (incKey, observeKey). */
export function seriesKey(labels: Labels): string {
  let out = '';
  for (const k of Object.keys(labels).sort()) out += `${out ? ',' : ''}${k}="${escapeValue(String(labels[k]))}"`;
  return out;
}

interface Metric {
  render(): string;
}

abstract class Base implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: string,
  ) {}
  protected header(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n`;
  }
  abstract render(): string;
}

export class Counter extends Base {
  private readonly values = new Map<string, number>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1): void {
    this.incKey(seriesKey(labels), by);
  }
  incKey(k: string, by = 1): void {
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(seriesKey(labels)) ?? 0;
  }
  render(): string {
    let out = this.header();
    for (const [k, v] of this.values) out += `${this.name}${k ? `{${k}}` : ''} ${v}\n`;
    return out;
  }
}

export class Gauge extends Base {
  private readonly values = new Map<string, number>();
  /** Called at scrape time, for values read from elsewhere (queue depth from SQLite). */
  constructor(name: string, help: string, private readonly collect?: (set: (labels: Labels, v: number) => void) => void) {
    super(name, help, 'gauge');
  }
  set(labels: Labels, v: number): void {
    this.values.set(seriesKey(labels), v);
  }
  render(): string {
    if (this.collect) {
      this.values.clear();
      this.collect((l, v) => this.set(l, v));
    }
    let out = this.header();
    for (const [k, v] of this.values) out += `${this.name}${k ? `{${k}}` : ''} ${v}\n`;
    return out;
  }
}

export class Histogram extends Base {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(name: string, help: string, private readonly buckets: number[]) {
    super(name, help, 'histogram');
  }
  observe(labels: Labels, v: number): void {
    this.observeKey(seriesKey(labels), v);
  }
  observeKey(k: string, v: number): void {
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) s.counts[i]++;
    s.sum += v;
    s.count++;
  }
  render(): string {
    let out = this.header();
    for (const [k, s] of this.series) {
      const pre = k ? `${k},` : '';
      this.buckets.forEach((b, i) => (out += `${this.name}_bucket{${pre}le="${b}"} ${s.counts[i]}\n`));
      out += `${this.name}_bucket{${pre}le="+Inf"} ${s.count}\n`;
      out += `${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}\n${this.name}_count${k ? `{${k}}` : ''} ${s.count}\n`;
    }
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  register<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join('');
  }
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
