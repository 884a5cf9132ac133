// The haystack: install scripts added with `pywarden cluster --add`, as plain data behind
// `HaystackStore`. `FileHaystack` (JSON lines in DIR/cluster-haystack.jsonl, for `pywarden cluster
// --data DIR`) is what the command uses and `MemoryHaystack` what tests use; the serving process
// keeps no haystack.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { SparseVec } from './embed.js';
import type { View } from './install-code.js';
import type { HaystackEntry } from './model.js';

/** A haystack entry as JSON-safe data (one row / one line). */
export interface StoredEntry {
  view: View;
  id: string;
  calls: number;
  trusted: boolean;
  capable?: boolean;
  idx: number[];
  val: number[];
  /** Cluster model version the vector was embedded with; other versions are re-embedded or dropped. */
  version: string;
}

export interface HaystackStore {
  /** Add or replace (same view + id) one entry. */
  add(entry: StoredEntry): void;
  /** Every entry of one view. */
  list(view: View): StoredEntry[];
}

export function entryToJson(view: View, e: HaystackEntry, version: string): StoredEntry {
  return { view, id: e.id, calls: e.calls, trusted: e.trusted, capable: e.capable, idx: Array.from(e.vec.idx), val: Array.from(e.vec.val, (x) => Math.round(x * 1e6) / 1e6), version };
}

export function entryFromJson(s: StoredEntry): HaystackEntry {
  const vec: SparseVec = { idx: Uint32Array.from(s.idx), val: Float32Array.from(s.val) };
  return { id: s.id, vec, calls: s.calls, trusted: s.trusted, capable: s.capable };
}

export class MemoryHaystack implements HaystackStore {
  private readonly rows = new Map<string, StoredEntry>();
  add(entry: StoredEntry): void {
    this.rows.set(`${entry.view}\u0000${entry.id}`, entry);
  }
  list(view: View): StoredEntry[] {
    return [...this.rows.values()].filter((r) => r.view === view);
  }
}

/** JSON lines, append-only; the last line for a (view, id) wins. */
export class FileHaystack implements HaystackStore {
  constructor(readonly path: string) {}
  add(entry: StoredEntry): void {
    appendFileSync(this.path, JSON.stringify(entry) + '\n');
  }
  list(view: View): StoredEntry[] {
    if (!existsSync(this.path)) return [];
    const m = new Map<string, StoredEntry>();
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as StoredEntry;
      if (e.view === view) m.set(e.id, e);
    }
    return [...m.values()];
  }
}
