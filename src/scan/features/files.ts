// File features: what the distribution ships, counted over the project's files (packaging
// metadata excluded, so an sdist and a wheel of the same code count alike). Placeholder and
// dropper uploads are tiny, have no tests, no license, no README and often a binary.
import type { FeatureSpec, Sink } from './spec.js';
import type { Placed } from './layout.js';

export const FILE_FEATURES: FeatureSpec[] = [
  { name: 'files_total', doc: 'log1p number of files (metadata excluded)' },
  { name: 'files_py', doc: 'log1p .py/.pyw files' },
  { name: 'files_pyc', doc: 'log1p compiled .pyc/.pyo files' },
  { name: 'files_native', doc: 'log1p native extensions (.so, .pyd, .dylib, .dll)' },
  { name: 'files_exe', doc: 'members whose bytes are PE or ELF executables not named as extension modules' },
  { name: 'files_pth', doc: '.pth files (their import lines run at every interpreter start)' },
  { name: 'files_js', doc: 'log1p JavaScript/HTML files' },
  { name: 'files_shell', doc: 'shell, batch, PowerShell or VBScript files' },
  { name: 'files_c', doc: 'log1p C/C++/Cython/Rust sources' },
  { name: 'files_data', doc: 'log1p other non-text data files (archives, images, blobs)' },
  { name: 'files_tests', doc: 'log1p files under a test/tests directory or named test_*.py' },
  { name: 'has_setup_py', doc: 'a setup.py at the project root' },
  { name: 'has_setup_cfg', doc: 'a setup.cfg at the project root' },
  { name: 'has_pyproject', doc: 'a pyproject.toml' },
  { name: 'has_readme', doc: 'a README file ships (or the metadata carries a description)' },
  { name: 'has_init', doc: 'at least one package __init__.py' },
  { name: 'has_customize', doc: 'a sitecustomize.py/usercustomize.py' },
  { name: 'setup_completeness', doc: 'fraction of: build config, README, license, summary, author, URL, version' },
  { name: 'depth_max', doc: 'deepest directory level' },
  { name: 'bytes_total', doc: 'log1p uncompressed bytes of the project files' },
  { name: 'py_bytes_ratio', doc: 'share of bytes in Python files' },
  { name: 'setup_bytes_ratio', doc: 'share of Python bytes in setup.py (install code dominating the package)' },
  { name: 'largest_file_ratio', doc: 'share of bytes in the largest file' },
  { name: 'odd_names', doc: 'member paths with spaces, non-ASCII characters or a .py inside a .py' },
];

const ln = Math.log1p;

export function fileFeatures(placed: Placed[], md: { summary: boolean; author: boolean; url: boolean; version: boolean; description: boolean }, set: Sink): void {
  const files = placed.filter((p) => !p.meta);
  const ext = (p: Placed): string => /\.([A-Za-z0-9]+)$/.exec(p.base)?.[1]?.toLowerCase() ?? '';
  let py = 0, pyc = 0, native = 0, exe = 0, pth = 0, js = 0, sh = 0, c = 0, data = 0, tests = 0, odd = 0;
  let bytes = 0, pyBytes = 0, setupBytes = 0, largest = 0, depth = 0;
  for (const p of files) {
    const e = ext(p);
    const size = p.member.size;
    bytes += size;
    if (size > largest) largest = size;
    if (p.depth > depth) depth = p.depth;
    const h = p.member.head;
    const isPE = h.length >= 2 && h[0] === 0x4d && h[1] === 0x5a;
    const isELF = h.length >= 4 && h[0] === 0x7f && h[1] === 0x45 && h[2] === 0x4c && h[3] === 0x46;
    const isMachO = h.length >= 4 && [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(h.readUInt32BE(0));
    if (e === 'py' || e === 'pyw') {
      py++;
      pyBytes += size;
      if (p.base === 'setup.py' && p.depth <= 1) setupBytes += size;
    } else if (e === 'pyc' || e === 'pyo') pyc++;
    else if (['so', 'pyd', 'dylib', 'dll'].includes(e) || /\.so\.\d/.test(p.base)) native++;
    else if (isPE || isELF || isMachO) exe++;
    else if (e === 'pth') pth++;
    else if (['js', 'mjs', 'html', 'htm'].includes(e)) js++;
    else if (['sh', 'bat', 'cmd', 'ps1', 'vbs', 'bash'].includes(e)) sh++;
    else if (['c', 'h', 'cc', 'cpp', 'cxx', 'hpp', 'pyx', 'pxd', 'pxi', 'rs'].includes(e)) c++;
    else if (!['txt', 'md', 'rst', 'cfg', 'toml', 'ini', 'json', 'yaml', 'yml', 'in', 'pyi', 'typed', 'csv', 'xml', ''].includes(e)) data++;
    if (/(^|\/)tests?\//.test(p.rel) || /^test_.*\.py$/.test(p.base)) tests++;
    if (/\s/.test(p.rel) || /[^\x00-\x7f]/.test(p.rel) || /\.py\//.test(p.rel)) odd++;
  }
  const at = (b: string): boolean => files.some((p) => p.depth === 0 && p.base.toLowerCase() === b);
  const setupPy = files.some((p) => p.base === 'setup.py' && p.depth <= 1);
  const readme = files.some((p) => p.depth <= 1 && /^readme/i.test(p.base)) || md.description;
  const license = placed.some((p) => /^(licen[cs]e|copying)/i.test(p.base));
  const buildCfg = setupPy || at('setup.cfg') || at('pyproject.toml');
  set('files_total', ln(files.length));
  set('files_py', ln(py));
  set('files_pyc', ln(pyc));
  set('files_native', ln(native));
  set('files_exe', exe);
  set('files_pth', pth);
  set('files_js', ln(js));
  set('files_shell', sh);
  set('files_c', ln(c));
  set('files_data', ln(data));
  set('files_tests', ln(tests));
  set('has_setup_py', setupPy ? 1 : 0);
  set('has_setup_cfg', at('setup.cfg') ? 1 : 0);
  set('has_pyproject', at('pyproject.toml') ? 1 : 0);
  set('has_readme', readme ? 1 : 0);
  set('has_init', files.some((p) => p.base === '__init__.py') ? 1 : 0);
  set('has_customize', files.some((p) => /^(site|user)customize\.py$/.test(p.base)) ? 1 : 0);
  const parts = [buildCfg, readme, license, md.summary, md.author, md.url, md.version];
  set('setup_completeness', parts.filter(Boolean).length / parts.length);
  set('depth_max', depth);
  set('bytes_total', ln(bytes));
  set('py_bytes_ratio', bytes ? pyBytes / bytes : 0);
  set('setup_bytes_ratio', pyBytes ? setupBytes / pyBytes : 0);
  set('largest_file_ratio', bytes ? largest / bytes : 0);
  set('odd_names', ln(odd));
}
