#!/usr/bin/python3
"""Assembles the deployable site in dist/ from the wasm build, shell/ and web/.

Every asset except the HTML entry points and the service worker (sw.js) gets a content hash in its name (app.3f9c2a1b.js) and every
reference to it is rewritten, leaves first (wasm, font, icons), then the files that name them (js, css,
manifest), then the HTML. So assets can be cached forever and an old tab keeps finding its files.

dist/ never holds config.json (the deploy writes it per environment, the dev server serves its own),
source maps, Markdown or dotfiles. Compressible files get .br and .gz siblings (scripts/lib/precompress.py)
for the dev server to negotiate; the deploy skips them (CloudFront compresses at the edge).

Usage: assemble_site.py --root REPO --wasm-build build/wasm --out dist [--stage DIR] [--listing FILE]
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import precompress  # noqa: E402  (scripts/lib, next to this file)

HTML_ENTRY_POINTS = {"index.html"}
# Files that keep their name, besides the HTML: the service worker (browsers find its new version by
# fetching the same URL; it is served no-cache). It holds the list of this build's set (fill_service_worker).
SERVICE_WORKER = "sw.js"
UNHASHED = HTML_ENTRY_POINTS | {SERVICE_WORKER}
TEXT_EXTENSIONS = {".html", ".js", ".css", ".json", ".webmanifest", ".svg", ".txt"}
DENY = re.compile(r"(^|/)(\.[^/]*|.*\.map|.*\.md|config\.json)$")
HASHED = re.compile(r"\.[0-9a-f]{8,}\.[^/]+$")
HASH_LEN = 10

# Noto Sans subset (every text): printable ASCII, Latin-1, the common punctuation (U+2000-2027: spaces,
# dashes, quotes, bullet, ellipsis; U+2030-203A: per mille, primes, guillemets), euro sign, replacement glyph.
# Latin Extended-A (U+0100-017F) and the rest of General Punctuation went when the browser began drawing what
# the atlas lacks (issue 17, src/ui/text_layout.hpp): 4.1 KB brotli. No bold face: the two titles it drew
# ("BuildingOS", "Aviso importante") cost 9.9 KB gzipped and took the site over its 250 KB budget; the UI
# draws them in faux bold (src/ui/chat_view.cpp).
# boot.js and the deploy still accept an optional `data-font-bold`.
# No OpenType layout tables (GSUB, GPOS, GDEF): Dear ImGui 1.86 draws with stb_truetype, which reads
# cmap/glyf/loca/hmtx only, never kerning or ligatures; they were 4.1 KB (1.4 KB brotli) of unused bytes.
FONTS = {
    "NotoSans-Regular.ttf": ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
                             "U+0020-007E,U+00A0-00FF,U+2000-2027,U+2030-203A,U+20AC,U+FFFD"),
}


def die(msg):
    print(f"assemble_site: error: {msg}", file=sys.stderr)
    sys.exit(1)


def subset_font(src, dst, unicodes):
    """fontTools subset, cached: rebuilt only when the source font or the range list changes."""
    stamp = dst + ".stamp"
    options = ["--layout-features=", "--drop-tables+=GSUB,GPOS,GDEF", "--no-hinting", "--desubroutinize",
               "--name-IDs=*", "--notdef-outline"]
    key = f"{unicodes}|{' '.join(options)}|{os.path.getsize(src)}|{int(os.path.getmtime(src))}"
    if os.path.exists(dst) and os.path.exists(stamp) and open(stamp).read() == key:
        return
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    cmd = ["/usr/bin/python3", "-m", "fontTools.subset", src, f"--unicodes={unicodes}",
           f"--output-file={dst}", *options]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        die(f"font subset failed for {src}: {r.stderr.strip()}")
    with open(stamp, "w") as f:
        f.write(key)


# Shell sources the wasm build puts inside site/boot.js (wasm/CMakeLists.txt), never served on their own.
BUILT_INTO_BOOT_JS = {"token.js"}


def stage(root, wasm_build, stage_dir):
    shutil.rmtree(stage_dir, ignore_errors=True)
    os.makedirs(stage_dir)
    app_dir = os.path.join(wasm_build, "wasm")
    for name in ("app.js", "app.wasm"):
        src = os.path.join(app_dir, name)
        if not os.path.exists(src):
            die(f"{src} is missing: build the wasm preset first")
        shutil.copy2(src, os.path.join(stage_dir, name))
    for sub in ("shell", "web"):
        base = os.path.join(root, sub)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for fn in filenames:
                rel = os.path.relpath(os.path.join(dirpath, fn), base)
                if DENY.search(rel) or fn.endswith((".in", ".py")) or (sub == "shell" and rel in BUILT_INTO_BOOT_JS):
                    continue
                dst = os.path.join(stage_dir, rel)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy2(os.path.join(dirpath, fn), dst)
    # The shell files the wasm build completed (boot.js and style.css with the page facts generated from
    # the C++ in front: src/app/page_facts.hpp) replace their sources.
    site_dir = os.path.join(app_dir, "site")
    for name in ("boot.js", "style.css"):
        src = os.path.join(site_dir, name)
        if not os.path.exists(src):
            die(f"{src} is missing: build the wasm preset first (target bos_site_shell)")
        shutil.copy2(src, os.path.join(stage_dir, name))
    font_cache = os.path.join(wasm_build, "fonts")
    for name, (src, unicodes) in FONTS.items():
        if not os.path.exists(src):
            die(f"{src} is missing: run scripts/bootstrap (fonts-noto-core)")
        out = os.path.join(font_cache, name)
        subset_font(src, out, unicodes)
        shutil.copy2(out, os.path.join(stage_dir, name))


def is_text(path):
    return os.path.splitext(path)[1] in TEXT_EXTENSIONS


def hash_and_rewrite(stage_dir, out_dir):
    files = []
    for dirpath, _, filenames in os.walk(stage_dir):
        for fn in filenames:
            files.append(os.path.relpath(os.path.join(dirpath, fn), stage_dir).replace(os.sep, "/"))
    contents = {f: open(os.path.join(stage_dir, f), "rb").read() for f in files}
    assets = [f for f in files if f not in UNHASHED]
    renamed = {}

    def refs_of(f):
        if not is_text(f):
            return set()
        data = contents[f]
        return {a for a in assets if a != f and os.path.basename(a).encode() in data}

    def rewrite(data):
        # Longest names first so "app.js" never rewrites inside "app.js.mem"-like names.
        for old in sorted(renamed, key=len, reverse=True):
            data = re.sub(rb"(?<![\w.-])" + re.escape(os.path.basename(old).encode()) + rb"(?![\w-])",
                          os.path.basename(renamed[old]).encode(), data)
        return data

    pending = set(assets)
    deps = {f: refs_of(f) for f in files}
    while pending:
        ready = [f for f in sorted(pending) if not (deps[f] & pending)]
        if not ready:
            die(f"reference cycle between assets: {sorted(pending)}")
        for f in ready:
            data = rewrite(contents[f])
            contents[f] = data
            digest = hashlib.sha256(data).hexdigest()[:HASH_LEN]
            stem, ext = os.path.splitext(f)
            renamed[f] = f"{stem}.{digest}{ext}"
            pending.discard(f)
    for f in HTML_ENTRY_POINTS & set(files):
        contents[f] = rewrite(contents[f])
        renamed[f] = f
    for f in UNHASHED - HTML_ENTRY_POINTS:
        if f in contents:
            renamed[f] = f

    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    for f, new in renamed.items():
        dst = os.path.join(out_dir, new)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as fh:
            fh.write(contents[f])
    return renamed


def fill_placeholders(out_dir, renamed):
    """index.html learns the wasm's size so boot.js can show real download progress."""
    path = os.path.join(out_dir, "index.html")
    html = open(path, encoding="utf-8").read()
    wasm_bytes = os.path.getsize(os.path.join(out_dir, renamed["app.wasm"]))
    html = html.replace("%%WASM_BYTES%%", str(wasm_bytes))
    if "%%" in html:
        die("index.html has an unfilled %%PLACEHOLDER%%")
    with open(path, "w", encoding="utf-8") as f:
        f.write(html)


def fill_service_worker(out_dir, renamed):
    """sw.js learns its set: the SHA-256 of index.html (as built; the deploy rewrites it with the page it
    uploads) and every hashed file of this build, from the same table the files were renamed with."""
    if SERVICE_WORKER not in renamed:
        return
    page = open(os.path.join(out_dir, "index.html"), "rb").read()
    files = sorted(new for old, new in renamed.items() if old not in UNHASHED)
    the_set = json.dumps({"index": hashlib.sha256(page).hexdigest(), "files": files}, separators=(",", ":"))
    path = os.path.join(out_dir, SERVICE_WORKER)
    text = open(path, encoding="utf-8").read()
    if text.count("%%BOS_SET%%") != 1:
        die(f"{SERVICE_WORKER} must hold %%BOS_SET%% exactly once")
    text = text.replace("%%BOS_SET%%", the_set)
    if "%%" in text:
        die(f"{SERVICE_WORKER} has an unfilled %%PLACEHOLDER%%")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def check_dist(out_dir, renamed):
    for new in renamed.values():
        if DENY.search(new):
            die(f"{new} must not be in dist/")
        if new not in UNHASHED and not HASHED.search(new):
            die(f"{new} has no content hash")
    html = open(os.path.join(out_dir, "index.html"), encoding="utf-8").read()
    for ref in re.findall(r'(?:src|href|data-app|data-wasm|data-font|data-font-bold)="([^"#?:]+)"', html):
        if not os.path.exists(os.path.join(out_dir, ref)):
            die(f"index.html references {ref}, which is not in dist/")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--wasm-build", required=True)
    ap.add_argument("--out", required=True)
    # Tests assemble a second build of the same wasm (another shell/web tree) without touching build/wasm.
    ap.add_argument("--stage", help="staging directory (default WASM_BUILD/site-stage)")
    ap.add_argument("--listing", help="where the old -> new name table goes (default WASM_BUILD/site-files.json)")
    a = ap.parse_args()
    stage_dir = a.stage or os.path.join(a.wasm_build, "site-stage")
    stage(a.root, a.wasm_build, stage_dir)
    renamed = hash_and_rewrite(stage_dir, a.out)
    fill_placeholders(a.out, renamed)
    fill_service_worker(a.out, renamed)
    check_dist(a.out, renamed)
    listing = {old: new for old, new in sorted(renamed.items())}
    with open(a.listing or os.path.join(a.wasm_build, "site-files.json"), "w") as f:
        json.dump(listing, f, indent=2)
    siblings = precompress.precompress_dir(a.out, log=False)
    for old, new in sorted(renamed.items()):
        size = os.path.getsize(os.path.join(a.out, new))
        sizes = siblings.get(new)
        extra = "" if not sizes else "  " + " ".join(
            f"{ext[1:]} {sizes[ext] if sizes[ext] is not None else '-':>8}" for ext in precompress.SIBLINGS)
        print(f"  {new:<40} {size:>9} bytes{extra}", file=sys.stderr)


if __name__ == "__main__":
    main()
