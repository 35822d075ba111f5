#!/usr/bin/python3
"""What app.wasm is made of, per component: the table in docs/performance.md ("What the wasm is made of").

Builds the app once more with --profiling-funcs (function names kept in the wasm's name section; the code
is the same as the release build's, which the script checks: equal Code section sizes, and Data within the
build id's few bytes) in
build/wasm-size, then attributes every function body (wasm-objdump -x, Debian's wabt) to a component:

  nlohmann/json   any function whose name mentions nlohmann:: (the library's templates, and the std::
                  containers and algorithms instantiated for its types)
  Dear ImGui      ImGui::, Im* types and helpers, the stb libraries inside it (ImStb, stbtt_, stbrp_),
                  the OpenGL3 backend; std:: templates instantiated for Im* types
  engine          bos:: outside bos::app/ui/web (src/core); std:: templates instantiated for its types
  app and UI      bos::app, bos::ui, bos::web (src/app, src/ui, wasm/: the chat view, the wiring, the
                  platform layer)
  libc++          std:: (and operator new/delete, __cxa_*) not instantiated for a type above
  libc + runtime  C functions: Emscripten's libc (musl), emmalloc, compiler-rt, stack and GL helpers
Functions a name does not place (anonymous namespaces, global functions) are placed by the object file
that defines them (llvm-nm over the project's libraries and objects). The Data section (string tables,
ImGui's built-in font, lookup tables) is reported as one row with its largest segments; the JS glue
(app.js) as another. Sizes in bytes; gzip -9 and brotli -q 11 of the release app.wasm for scale.

  bench/wasm_size.py                  build (if needed) and print the Markdown table
  bench/wasm_size.py --json FILE      also write the figures as JSON
  bench/wasm_size.py --wasm W --js J  attribute an existing --profiling-funcs build instead
  bench/wasm_size.py --top N          also list the N largest functions
"""
import argparse
import collections
import gzip
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build", "wasm-size")
RELEASE_WASM = os.path.join(ROOT, "build", "wasm", "wasm", "app.wasm")
COMPONENTS = ["Dear ImGui", "nlohmann/json", "engine", "app and UI", "libc++", "libc + runtime", "unattributed"]
# Project libraries (CMake targets) and the component whose source they hold.
LIBRARY_COMPONENT = {
    "bos_imgui": "Dear ImGui", "bos_core_app": "engine", "bos_logic_app": "app and UI", "bos_ui_app": "app and UI",
    "bos_ui_view_app": "app and UI", "bos_app": "app and UI",
}


def die(msg):
    print(f"wasm_size: error: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        die(f"{' '.join(cmd)} failed: {r.stderr.strip()[-2000:]}")
    return r.stdout


def build():
    env = dict(os.environ, NODE_PATH="/usr/share/nodejs", EMSDK_PYTHON="/usr/bin/python3")
    if not os.path.exists(os.path.join(BUILD, "build.ninja")):
        print("wasm_size: configuring build/wasm-size (the wasm preset, linked with --profiling-funcs)", file=sys.stderr)
        run(["cmake", "--preset", "wasm", "-B", BUILD, "-DCMAKE_EXE_LINKER_FLAGS=--profiling-funcs"], cwd=ROOT, env=env)
    print("wasm_size: building bos_app in build/wasm-size", file=sys.stderr)
    run(["nice", "-n", "10", "cmake", "--build", BUILD, "--target", "bos_app", "-j2"], cwd=ROOT, env=env)
    return os.path.join(BUILD, "wasm", "app.wasm"), os.path.join(BUILD, "wasm", "app.js")


def sections(wasm):
    out = {}
    for line in run(["wasm-objdump", "-h", wasm]).splitlines():
        m = re.match(r'\s*(\w+) start=0x[0-9a-f]+ end=0x[0-9a-f]+ \(size=0x([0-9a-f]+)\)(?: count: (\d+))?(?: "(.+)")?', line)
        if m:
            name = m.group(1) if m.group(1) != "Custom" else f'custom "{m.group(4)}"'
            out[name] = int(m.group(2), 16)
    return out


def functions(wasm):
    funcs = []
    for line in run(["wasm-objdump", "-x", "-j", "Code", wasm]).splitlines():
        m = re.match(r"\s*- func\[(\d+)\] size=(\d+)(?: <(.*)>)?$", line)
        if m:
            funcs.append((int(m.group(1)), int(m.group(2)), m.group(3) or ""))
    return funcs


def data_segments(wasm):
    segs = []
    for line in run(["wasm-objdump", "-x", "-j", "Data", wasm]).splitlines():
        m = re.match(r"\s*- segment\[(\d+)\](?: <([^>]*)>)? .*size=(\d+)", line)
        if m:
            segs.append((m.group(2) or f"segment {m.group(1)}", int(m.group(3))))
    return segs


def object_symbols(build_dir):
    """demangled function name -> component, from the objects of the project's own libraries."""
    by_name = {}
    for dirpath, _, filenames in os.walk(build_dir):
        m = re.search(r"CMakeFiles/([\w-]+)\.dir", dirpath)
        if not m or m.group(1) not in LIBRARY_COMPONENT:
            continue
        for fn in filenames:
            if not fn.endswith(".o"):
                continue
            out = subprocess.run(["llvm-nm-14", "-C", "--defined-only", os.path.join(dirpath, fn)], capture_output=True, text=True).stdout
            for line in out.splitlines():
                parts = line.split(" ", 2)
                if len(parts) == 3 and parts[1] in "TtWw":
                    by_name.setdefault(parts[2], LIBRARY_COMPONENT[m.group(1)])
    return by_name


IMGUI = re.compile(r"(^|[^\w])(ImGui|ImGui_Impl\w*|Im[A-Z]\w*|ImStb|stbtt_\w+|stbrp_\w+|stb_\w+|STB_TEXTEDIT\w*)")
APP = re.compile(r"bos::(app|ui|web)::")
ENGINE = re.compile(r"bos::")
LIBCXX = re.compile(r"^(std::|operator new|operator delete|__cxa_|__cxxabiv1|__gxx_|typeinfo|vtable|__cxx_|__dynamic_cast|abort_message|demangling)")


def classify(name, by_object):
    n = re.sub(r"^(non-virtual thunk to |virtual thunk to |covariant return thunk to )", "", name)
    if "nlohmann::" in n:
        return "nlohmann/json"
    head = n.split("(", 1)[0]
    if n.startswith("std::") or LIBCXX.match(n):
        # A template instantiated for a project type belongs to that type's component.
        if APP.search(n):
            return "app and UI"
        if ENGINE.search(n):
            return "engine"
        if IMGUI.search(n):
            return "Dear ImGui"
        return "libc++"
    if APP.match(n):
        return "app and UI"
    if n.startswith("bos::"):
        return "engine"
    if IMGUI.match(head) or head.startswith("operator") and IMGUI.search(n):
        return "Dear ImGui"
    if n in by_object:
        return by_object[n]
    if head in by_object:
        return by_object[head]
    if "::" not in head and re.match(r"^[A-Za-z_$.][\w$.]*$", head):
        return "libc + runtime"
    return "unattributed"


def packed(path):
    data = open(path, "rb").read()
    br = subprocess.run(["/usr/bin/brotli", "--quality=11", "--stdout", "-"], input=data, capture_output=True).stdout
    return len(data), len(gzip.compress(data, 9, mtime=0)), len(br)


def table(report):
    lines = ["| component | code (bytes) | share of code | functions | largest function |", "|---|---|---|---|---|"]
    code_total = report["codeBytes"]
    for c in COMPONENTS:
        row = report["components"].get(c)
        if not row or not row["functions"]:
            continue
        big = row["largest"]
        lines.append(f"| {c} | {row['bytes']:,} | {100 * row['bytes'] / code_total:.1f} % | {row['functions']:,} | "
                     f"`{big['name'][:70]}` ({big['bytes']:,}) |")
    lines.append(f"| **code section** | **{code_total:,}** | 100 % | {report['functionCount']:,} | |")
    segs = ", ".join(f"{n} {b:,}" for n, b in report["dataLargest"])
    lines.append(f"| data section (strings, tables, ImGui's built-in font) | {report['dataBytes']:,} | | "
                 f"{report['dataSegments']} segments | largest: {segs} |")
    other = report["otherSectionsBytes"]
    lines.append(f"| other sections (types, imports, exports, tables) | {other:,} | | | |")
    r = report["release"]
    lines.append(f"| **app.wasm (release)** | **{r['raw']:,}** | | | gzip -9 {r['gzip']:,}, brotli -q 11 {r['br']:,} |")
    j = report["js"]
    lines.append(f"| JS glue, app.js (not in app.wasm) | {j['raw']:,} | | | gzip -9 {j['gzip']:,}, brotli -q 11 {j['br']:,} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wasm")
    ap.add_argument("--js")
    ap.add_argument("--json")
    ap.add_argument("--top", type=int, default=0)
    a = ap.parse_args()
    wasm, js = (a.wasm, a.js) if a.wasm else build()
    if not os.path.exists(RELEASE_WASM):
        die(f"{RELEASE_WASM} is missing: scripts/build --wasm first (the release build is what ships)")
    secs = sections(wasm)
    rel = sections(RELEASE_WASM)
    # The build id (a string in Data) differs between two builds; anything more means different code.
    for s, slack in (("Code", 0), ("Data", 64)):
        if abs((secs.get(s) or 0) - (rel.get(s) or 0)) > slack:
            print(f"wasm_size: warning: the {s} section differs from the release build's ({secs.get(s)} vs {rel.get(s)}): "
                  f"rebuild both from the same tree", file=sys.stderr)
    funcs = functions(wasm)
    by_object = object_symbols(os.path.dirname(os.path.dirname(wasm)))
    comp = collections.defaultdict(lambda: {"bytes": 0, "functions": 0, "largest": {"name": "", "bytes": 0}})
    detail = []
    for idx, size, name in funcs:
        c = classify(name, by_object)
        row = comp[c]
        row["bytes"] += size
        row["functions"] += 1
        if size > row["largest"]["bytes"]:
            row["largest"] = {"name": name, "bytes": size}
        detail.append({"index": idx, "bytes": size, "name": name, "component": c})
    segs = data_segments(wasm)
    raw, gz, br = packed(RELEASE_WASM)
    jraw, jgz, jbr = packed(js)
    report = {
        "wasm": os.path.relpath(wasm, ROOT), "release": {"raw": raw, "gzip": gz, "br": br},
        "js": {"raw": jraw, "gzip": jgz, "br": jbr},
        "codeBytes": secs.get("Code", 0), "functionCount": len(funcs), "dataBytes": secs.get("Data", 0),
        "dataSegments": len(segs), "dataLargest": sorted(segs, key=lambda s: -s[1])[:3],
        "otherSectionsBytes": sum(rel.values()) - rel.get("Code", 0) - rel.get("Data", 0),
        "sections": secs, "components": dict(comp),
    }
    print(table(report))
    if a.top:
        print(f"\nThe {a.top} largest functions:\n")
        for d in sorted(detail, key=lambda d: -d["bytes"])[: a.top]:
            print(f"  {d['bytes']:>7,}  {d['component']:<15} {d['name'][:150]}")
    if a.json:
        report["functions"] = detail
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
