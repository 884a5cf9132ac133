#!/usr/bin/env python3
"""Evasion mutants of blocked malicious-dev samples: the regression set of issue 11.

    make_mutants.py SCAN.jsonl MANIFEST.jsonl OUT_DIR [--per-class N] [--vendor DIR]

SCAN.jsonl is `pywarden scan --jsonl` over the unpacked malicious-dev split (the scanner's own
verdicts pick the samples it blocks today and the file holding the payload: the one with the
strongest finding). For up to N blocked samples (one per family, chosen by a hash of the family
id, so the set is stable), each evasion class of issue 11 is applied alone:

  pad       the payload file padded past the analysis' parse budget with ordinary filler code
            (half above the payload, half below);
  datafile  the payload moved into a `.dat` member that a three-line loader in its place runs
            (`exec(compile(open(...).read(), ...))`);
  chunked   the payload split into string chunks joined and compiled
            (`exec(compile(''.join(chunks), ...))`);
  docs      the payload moved under `docs/` and imported by the original file after a
            `sys.path.insert`;
  vendored  a large vendored library (real benign modules, from --vendor) added beside the payload.

Samples are live malware: this script only reads archive members as bytes and writes new
archives; it never imports, builds or runs anything from them. Write OUT_DIR outside any source
tree. Output: OUT_DIR/<class>/<sha256>/<filename> and OUT_DIR/manifest.jsonl (label malicious,
the original family, `mutation` and `parent`), the layout of the corpus' unpack.sh.
"""
import hashlib, io, json, os, sys, tarfile, zipfile, argparse

SEV = {'critical': 4, 'high': 3, 'medium': 2, 'low': 1, 'info': 0}
CLASSES = ['pad', 'datafile', 'chunked', 'docs', 'vendored']


def payload_path(rec):
    best = None
    for f in rec['findings']:
        p = f.get('path', '').split('#decoded@')[0]
        if not p.endswith('.py'):
            continue
        key = SEV.get(f['severity'], 0)
        if best is None or key > best[0]:
            best = (key, p)
    return best[1] if best else None


def read_members(path):
    """[(name, bytes)] of regular files, plus the container kind."""
    with open(path, 'rb') as fh:
        head = fh.read(4)
    out = []
    if head.startswith(b'PK'):
        with zipfile.ZipFile(path) as z:
            for i in z.infolist():
                if not i.is_dir():
                    out.append((i.filename, z.read(i)))
        return 'zip', out
    with tarfile.open(path, 'r:*') as t:
        for m in t.getmembers():
            if m.isfile():
                out.append((m.name, t.extractfile(m).read()))
    return 'tar', out


def write_archive(kind, members, dest):
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    if kind == 'zip':
        with zipfile.ZipFile(dest, 'w', zipfile.ZIP_DEFLATED) as z:
            for name, data in members:
                z.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)
    else:
        with tarfile.open(dest, 'w:gz') as t:
            for name, data in members:
                ti = tarfile.TarInfo(name)
                ti.size = len(data)
                ti.mtime = 1704067200
                t.addfile(ti, io.BytesIO(data))
    with open(dest, 'rb') as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def filler(n_bytes, seed):
    """Ordinary-looking helper code: small functions and constants, n_bytes long."""
    parts, size, i = [], 0, 0
    while size < n_bytes:
        s = (f'\n\ndef _helper_{seed}_{i}(value, scale={i % 7 + 1}):\n'
             f'    """Return the value scaled and offset ({i})."""\n'
             f'    result = value * scale + {i}\n'
             f'    return result if result > 0 else -result\n')
        parts.append(s)
        size += len(s)
        i += 1
    return ''.join(parts)


def mutate(cls, members, ppath, vendor):
    names = [n for n, _ in members]
    data = dict(members)
    src = data[ppath].decode('utf-8', 'replace')
    d = ppath.rsplit('/', 1)[0] + '/' if '/' in ppath else ''
    base = ppath.rsplit('/', 1)[-1][:-3]
    if cls == 'pad':
        pad = filler(450 * 1024, 'a')
        # a file's leading __future__ imports must stay first: pad below the payload then
        new = (src + pad + filler(450 * 1024, 'b')) if 'from __future__' in src else (pad + '\n' + src + '\n' + filler(450 * 1024, 'b'))
        data[ppath] = new.encode()
    elif cls == 'datafile':
        blob = f'{d}{base}_data.dat'
        data[blob] = data[ppath]
        names.append(blob)
        data[ppath] = (f"import os\n"
                       f"_here = os.path.dirname(os.path.abspath(__file__))\n"
                       f"exec(compile(open(os.path.join(_here, '{base}_data.dat')).read(), '{base}', 'exec'))\n").encode()
    elif cls == 'chunked':
        chunks = [src[i:i + 64] for i in range(0, len(src), 64)]
        body = ',\n    '.join(repr(c) for c in chunks)
        data[ppath] = f"_parts = [\n    {body}\n]\nexec(compile(''.join(_parts), '<{base}>', 'exec'))\n".encode()
    elif cls == 'docs':
        root = ppath.split('/', 1)[0] + '/' if '/' in ppath and ppath.split('/', 1)[0].count('-') else ''
        helper = f'{root}docs/_ext_{base}.py'
        data[helper] = data[ppath]
        names.append(helper)
        up = ppath[len(root):].count('/')
        parents = ''.join([', os.pardir'] * up)
        data[ppath] = (f"import os, sys\n"
                       f"sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)){parents}, 'docs'))\n"
                       f"import _ext_{base}\n").encode()
    elif cls == 'vendored':
        root = ppath.split('/', 1)[0] + '/' if '/' in ppath else ''
        for rel, b in vendor:
            n = f'{root}_vendor/{rel}'
            data[n] = b
            names.append(n)
    return [(n, data[n]) for n in names]


def load_vendor(folder, limit=3 * 1024 * 1024):
    out, size = [], 0
    for dirpath, _, files in sorted(os.walk(folder)):
        for f in sorted(files):
            if f.endswith('.py') and size < limit:
                p = os.path.join(dirpath, f)
                b = open(p, 'rb').read()
                out.append((os.path.relpath(p, folder), b))
                size += len(b)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('scan')
    ap.add_argument('manifest')
    ap.add_argument('out')
    ap.add_argument('--per-class', type=int, default=60)
    ap.add_argument('--vendor', help='a folder of real benign Python modules (an unpacked library)')
    a = ap.parse_args()
    manifest = {}
    for line in open(a.manifest):
        r = json.loads(line)
        manifest[r['sha256']] = r
    picked, seen = [], set()
    recs = [json.loads(l) for l in open(a.scan)]
    recs.sort(key=lambda r: hashlib.sha256(manifest.get(r['sha256'], {}).get('family', r['sha256']).encode()).hexdigest())
    for r in recs:
        m = manifest.get(r['sha256'])
        if not m or r['verdict'] != 'malicious' or m['family'] in seen:
            continue
        p = payload_path(r)
        if not p:
            continue
        seen.add(m['family'])
        picked.append((r, m, p))
        if len(picked) >= a.per_class:
            break
    vendor = load_vendor(a.vendor) if a.vendor else []
    os.makedirs(a.out, exist_ok=True)
    made = 0
    with open(os.path.join(a.out, 'manifest.jsonl'), 'w') as out:
        for r, m, p in picked:
            kind, members = read_members(r['file'])
            inner = dict(members)
            if p not in inner:
                continue
            fname = m['filename'] if kind == 'tar' or m['filename'].endswith(('.whl', '.zip')) else m['filename']
            if kind == 'tar' and not fname.endswith(('.tar.gz', '.tgz')):
                fname = fname.rsplit('.tar', 1)[0] + '.tar.gz'
            for cls in CLASSES:
                if cls == 'vendored' and not vendor:
                    continue
                mm = mutate(cls, members, p, vendor)
                tmp = os.path.join(a.out, cls, '_tmp', fname)
                sha = write_archive(kind, mm, tmp)
                dest = os.path.join(a.out, cls, sha, fname)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                os.replace(tmp, dest)
                out.write(json.dumps({'sha256': sha, 'filename': fname, 'name': m['name'], 'version': m['version'],
                                      'kind': m['kind'], 'label': 'malicious', 'family': m['family'],
                                      'mutation': cls, 'parent': m['sha256'], 'payload': p}) + '\n')
                made += 1
    print(f'mutants: {made} from {len(picked)} blocked samples ({len(picked)} families) in {a.out}', file=sys.stderr)


if __name__ == '__main__':
    main()
