// The README's layout section names every folder of src/ (issue 14: four were missing).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');

function folders(dir: string, rel = 'src'): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => [`${rel}/${e.name}/`, ...folders(join(dir, e.name), `${rel}/${e.name}`)]);
}

describe('README layout', () => {
  it('lists every folder of src/', () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
    const named = new Set([...layout.matchAll(/^(src\/\S+\/)/gm)].map((m) => m[1]));
    const missing = folders(join(repo, 'src')).filter((f) => !named.has(f));
    expect(missing).toEqual([]);
  });
});
