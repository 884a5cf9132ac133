"""Writes small, benign distributions for tests: real wheels (zip with METADATA, WHEEL, RECORD)
and real sdists (tar.gz with PKG-INFO and a plain setup.py). Standard library only.

usage: make_dist.py OUT_DIR SPEC_JSON
SPEC_JSON: [{"kind": "wheel"|"sdist", "name": "demo_pkg", "version": "1.0",
             "files": {"demo_pkg/__init__.py": "..."}, "requires_python": ">=3"}]
"""
import base64, hashlib, io, json, os, sys, tarfile, zipfile

def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

def metadata(spec):
    lines = ["Metadata-Version: 2.1", "Name: " + spec["name"], "Version: " + spec["version"],
             "Summary: " + spec.get("summary", "A test package for pywarden"),
             "Author: pywarden tests", "Author-email: tests@example.org", "License: MIT"]
    if spec.get("requires_python"):
        lines.append("Requires-Python: " + spec["requires_python"])
    return ("\n".join(lines) + "\n\n" + spec.get("description", "Test package.") + "\n").encode()

def wheel(out, spec):
    name, version = spec["name"], spec["version"]
    tag = spec.get("tag", "py3-none-any")
    fn = f"{name}-{version}-{tag}.whl"
    dist_info = f"{name}-{version}.dist-info"
    files = {k: v.encode() for k, v in spec.get("files", {f"{name}/__init__.py": "VALUE = 1\n"}).items()}
    files[f"{dist_info}/METADATA"] = metadata(spec)
    files[f"{dist_info}/WHEEL"] = f"Wheel-Version: 1.0\nGenerator: pywarden-tests\nRoot-Is-Purelib: true\nTag: {tag}\n".encode()
    record = "".join(f"{k},{record_hash(v)},{len(v)}\n" for k, v in files.items()) + f"{dist_info}/RECORD,,\n"
    with zipfile.ZipFile(os.path.join(out, fn), "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in files.items():
            z.writestr(zipfile.ZipInfo(k, (2020, 1, 1, 0, 0, 0)), v)
        z.writestr(zipfile.ZipInfo(f"{dist_info}/RECORD", (2020, 1, 1, 0, 0, 0)), record)
    return fn

def sdist(out, spec):
    name, version = spec["name"], spec["version"]
    top = f"{name}-{version}"
    fn = f"{top}.tar.gz"
    files = {k: v.encode() for k, v in spec.get("files", {
        f"{name}/__init__.py": "VALUE = 1\n",
        "setup.py": f"from setuptools import setup\nsetup(name={name!r}, version={version!r}, packages=[{name!r}])\n",
    }).items()}
    files["PKG-INFO"] = metadata(spec)
    with tarfile.open(os.path.join(out, fn), "w:gz") as t:
        for k, v in files.items():
            info = tarfile.TarInfo(f"{top}/{k}")
            info.size, info.mtime, info.mode = len(v), 1577836800, 0o644
            t.addfile(info, io.BytesIO(v))
    return fn

if __name__ == "__main__":
    out, specs = sys.argv[1], json.loads(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    print(json.dumps([wheel(out, s) if s["kind"] == "wheel" else sdist(out, s) for s in specs]))
