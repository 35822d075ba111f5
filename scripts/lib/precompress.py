#!/usr/bin/python3
"""Writes .br and .gz siblings next to the compressible files of a site directory.

The dev server (--static) serves them when the request's Accept-Encoding allows, as CloudFront would
compress those responses at the edge; the deploy never uploads them (S3 cannot negotiate an encoding, so
CloudFront's own compression is what production relies on, and the deploy's preflight checks it is on).

Which files: the types CloudFront compresses (by extension: html, js, css, json, webmanifest, svg, wasm,
ttf, txt), from 1,000 bytes (CloudFront's lower bound) up to 10,000,000 (its upper bound), and only when
the sibling is smaller than the file. Brotli: Debian's `brotli` CLI at quality 11; gzip: Python's zlib
at level 9 with a zero mtime and no file name, so the same input always gives the same bytes.

Usage: precompress.py DIR [DIR...]      (prints one line per file to stderr)
"""
import gzip
import os
import shutil
import subprocess
import sys

COMPRESSIBLE_EXTENSIONS = {".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".svg", ".wasm", ".ttf", ".otf", ".txt"}
MIN_BYTES = 1000
MAX_BYTES = 10_000_000
SIBLINGS = (".br", ".gz")
BROTLI = "/usr/bin/brotli"


def die(msg):
    print(f"precompress: error: {msg}", file=sys.stderr)
    sys.exit(1)


def wants_siblings(path):
    name = os.path.basename(path)
    if name.endswith(SIBLINGS) or name.startswith("."):
        return False
    if os.path.splitext(name)[1].lower() not in COMPRESSIBLE_EXTENSIONS:
        return False
    size = os.path.getsize(path)
    return MIN_BYTES <= size <= MAX_BYTES


def brotli_bytes(data):
    r = subprocess.run([BROTLI, "--quality=11", "--stdout", "-"], input=data, capture_output=True)
    if r.returncode != 0:
        die(f"brotli failed: {r.stderr.decode(errors='replace').strip()}")
    return r.stdout


def gzip_bytes(data):
    # gzip.compress writes no file name; mtime=0 keeps the output byte-identical between builds.
    return gzip.compress(data, compresslevel=9, mtime=0)


def write_siblings(path):
    """Returns {".br": bytes or None, ".gz": ...}: the sizes written (None: not smaller, not written)."""
    data = open(path, "rb").read()
    out = {}
    for ext, fn in ((".br", brotli_bytes), (".gz", gzip_bytes)):
        sib = path + ext
        packed = fn(data)
        if len(packed) < len(data):
            with open(sib, "wb") as f:
                f.write(packed)
            out[ext] = len(packed)
        else:
            if os.path.exists(sib):
                os.remove(sib)
            out[ext] = None
    return out


def precompress_dir(root, log=True):
    if not os.path.exists(BROTLI) and not shutil.which("brotli"):
        die(f"{BROTLI} is missing: run scripts/bootstrap (Debian package brotli)")
    results = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for fn in sorted(filenames):
            path = os.path.join(dirpath, fn)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if fn.endswith(SIBLINGS):
                base = path[: -3]
                # A sibling whose file is gone or no longer qualifies is stale: remove it.
                if not os.path.exists(base) or not wants_siblings(base):
                    os.remove(path)
                continue
            if not wants_siblings(path):
                continue
            results[rel] = write_siblings(path)
    if log:
        for rel, sizes in sorted(results.items()):
            raw = os.path.getsize(os.path.join(root, rel))
            parts = " ".join(f"{ext[1:]} {sizes[ext] if sizes[ext] is not None else '-':>8}" for ext in SIBLINGS)
            print(f"  {rel:<40} {raw:>9} bytes  {parts}", file=sys.stderr)
    return results


def main():
    if len(sys.argv) < 2:
        die("usage: precompress.py DIR [DIR...]")
    for d in sys.argv[1:]:
        if not os.path.isdir(d):
            die(f"{d} is not a directory")
        precompress_dir(d)


if __name__ == "__main__":
    main()
