// Where a file's code runs decides how much a finding in it weighs (DETECTION.md "Lessons").

/**
 * install: setup.py and in-tree build hooks (run by `pip install`/`pip download` of an sdist);
 * startup: `.pth` files and sitecustomize/usercustomize (run at every interpreter start);
 * import: a package `__init__.py` (runs on `import pkg`);
 * module: any other module; test: tests, docs and examples (rarely run by users).
 */
export type Location = 'install' | 'startup' | 'import' | 'module' | 'test';

/** Strip the sdist's top folder (`name-1.0/`) so paths compare the same in sdists and wheels. */
export function innerPath(path: string, format: string): string {
  const p = path.replace(/^\.\//, '');
  if (format === 'sdist-tar' || format === 'sdist-zip') {
    const i = p.indexOf('/');
    return i >= 0 ? p.slice(i + 1) : p;
  }
  return p;
}

export function locate(inner: string, installModules: Set<string>): Location {
  const base = inner.split('/').pop() ?? inner;
  const depth = inner.split('/').length;
  if (base.endsWith('.pth')) return 'startup';
  if (base === 'sitecustomize.py' || base === 'usercustomize.py') return 'startup';
  if (base === 'setup.py' && depth <= 2) return 'install';
  if (installModules.has(inner)) return 'install';
  if (/(^|\/)(tests?|testing|docs?|examples?|benchmarks?|bench)\//i.test(inner) || /^(dev|ci|tools|\.github)\//.test(inner) || /^test_.*\.py$|_test\.py$|^conftest\.py$/.test(base)) return 'test';
  if (base === '__init__.py') return 'import';
  return 'module';
}

/** Higher is worse: used to weigh findings. */
export const LOCATION_WEIGHT: Record<Location, number> = { install: 1, startup: 1, import: 0.8, module: 0.6, test: 0.3 };
