// The files a corpus folder lists: unpack.sh lays them out as DIR/<sha256>/<filename>,
// build-benign-*.sh as DIR/<filename>; both write DIR/manifest.jsonl. Files absent on disk are skipped.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** [{ m: the manifest row, path }] for every listed file present in `dir`. */
export function manifestFiles(dir) {
  const out = [];
  for (const line of readFileSync(join(dir, 'manifest.jsonl'), 'utf8').trim().split('\n')) {
    const m = JSON.parse(line);
    const path = [join(dir, m.sha256, m.filename), join(dir, m.filename)].find((p) => existsSync(p));
    if (path) out.push({ m, path });
  }
  return out;
}
