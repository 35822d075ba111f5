#!/usr/bin/env python3
"""ctest_matches_catch2.py: the guard that every ctest entry runs exactly one Catch2 case, and every case
has exactly one entry (ctest: rules.ctest-matches-catch2, in the native and the wasm tier).

    ctest_matches_catch2.py --build-dir DIR --skip-return-code N --binary=PATH=PREFIX... [--emulator-arg=X...]

catch_discover_tests turns each line of `BINARY --list-test-names-only` into an entry PREFIX + name that
runs `BINARY <name, with , [ ] escaped>`. That goes wrong silently when a name
holds a character CMake or Catch2 treat specially: `;` splits a name into two entries that match nothing
(Catch2 2.13 then exits 0), an unbalanced `[` or `]` glues names together, `*` and `~` make a pattern or a
negation, and names equal but for case match each other (Catch2 compares names case-insensitively).
So, from `ctest --show-only=json-v1` and each binary's own list:
  - the entries of each binary are exactly PREFIX + each listed name, once each;
  - each entry's spec is that name, and it has SKIP_RETURN_CODE (tests/skip.hpp);
  - each binary runs with tests/catch_runner.hpp's warnings on: a spec that matches nothing fails (Catch2
    2.13 alone exits 0; the runner turns NoTests and NoAssertions on together);
  - no name holds ; \\ " or unbalanced [ ], starts with * ~ # - or ends with *, or has outer spaces;
  - every other entry is labelled `script` (bos_add_script_test): nothing reaches ctest unchecked;
  - no two entries share a name.
One line per problem, exit 1.
"""
import argparse
import collections
import json
import subprocess
import sys

NO_SUCH_CASE = "rules guard: a name no case has"
# A , is fine: the discovery escapes it (and [ ]) for Catch2's spec. So is a ": devserver.auth's
# 'says "auth":"required"' and devserver.host check's '"*"' each run their one case (7 assertions).
BAD_CHARS = set(';\\')


def name_problems(name):
    problems = []
    bad = sorted(BAD_CHARS & set(name))
    if bad:
        problems.append(f"holds {' '.join(bad)}")
    depth = 0
    for c in name:  # CMake reads `;` inside [ ] as part of one list element: brackets must pair up
        depth += {"[": 1, "]": -1}.get(c, 0)
        if depth < 0:
            break
    if depth != 0:
        problems.append("has unbalanced [ ]")
    if name[:1] in ("*", "~", "#", "-"):
        problems.append(f"starts with {name[0]}")
    if name.endswith("*"):
        problems.append("ends with *")
    if name != name.strip():
        problems.append("has leading or trailing spaces")
    return problems


def unescape(spec):
    out, i = "", 0
    while i < len(spec):
        if spec[i] == "\\" and i + 1 < len(spec):
            i += 1
        out += spec[i]
        i += 1
    return out


def properties(test):
    return {p["name"]: p.get("value") for p in test.get("properties", [])}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--skip-return-code", type=int, required=True)
    parser.add_argument("--binary", action="append", default=[], help="PATH=PREFIX")
    parser.add_argument("--emulator-arg", action="append", default=[])
    parser.add_argument("--ctest", default="ctest")
    args = parser.parse_args()

    binaries = {}
    for spec in args.binary:
        path, _, prefix = spec.rpartition("=")
        binaries[path] = prefix
    problems = []
    if not binaries:
        problems.append("no Catch2 binary is registered (bos_catch_discover_tests)")

    shown = subprocess.run([args.ctest, "--show-only=json-v1"], cwd=args.build_dir, capture_output=True, text=True,
                           timeout=120)
    if shown.returncode != 0:
        print(f"ctest --show-only=json-v1 failed ({shown.returncode}): {shown.stderr.strip()}")
        return 1
    tests = json.loads(shown.stdout)["tests"]
    for name, count in collections.Counter(t["name"] for t in tests).items():
        if count > 1:
            problems.append(f"{name}: {count} ctest entries have this name (two binaries with one prefix?)")

    entries = collections.defaultdict(list)  # binary -> [(ctest name, spec, args, properties)]
    for test in tests:
        name = test["name"]
        command = test.get("command") or []
        props = properties(test)
        if "script" in (props.get("LABELS") or []):
            continue
        where = [i for i, part in enumerate(command) if part in binaries]
        if not where:
            problems.append(f"{name}: runs none of the registered Catch2 binaries and is not labelled script "
                            f"(command: {' '.join(command) or 'none: not built?'})")
            continue
        i = where[0]
        rest = command[i + 1:]
        entries[command[i]].append((name, rest[0] if rest else None, rest[1:], props))

    total = 0
    for binary, prefix in sorted(binaries.items()):
        run = subprocess.run(args.emulator_arg + [binary, "--list-test-names-only"], capture_output=True, text=True,
                             timeout=120)
        # Catch2 exits with the number of cases listed; a crash or a missing binary is negative or says so.
        names = [line.rstrip("\r") for line in run.stdout.split("\n") if line.strip()]
        if run.returncode < 0 or not names:
            problems.append(f"{binary}: --list-test-names-only listed nothing (exit {run.returncode}): "
                            f"{run.stderr.strip()[:300]}")
            continue
        total += len(names)
        empty = subprocess.run(args.emulator_arg + [binary, NO_SUCH_CASE], capture_output=True, text=True, timeout=120)
        if empty.returncode == 0:
            problems.append(f"{binary}: a test spec that matches no case exits 0: its main() is not "
                            "tests/catch_runner.hpp (which turns on -w NoTests and -w NoAssertions)")
        folded = collections.Counter(n.casefold() for n in names)
        for n in names:
            for p in name_problems(n):
                problems.append(f"{prefix}{n}: the Catch2 name {p} (rename the case)")
            if folded[n.casefold()] > 1:
                problems.append(f"{prefix}{n}: another case has the same name but for case (Catch2 would run both)")
        expected = collections.Counter(prefix + n for n in names)
        actual = collections.Counter(e[0] for e in entries.get(binary, []))
        for n in sorted((expected - actual).elements()):
            problems.append(f"{n}: a Catch2 case of {binary} with no ctest entry")
        for n in sorted((actual - expected).elements()):
            problems.append(f"{n}: a ctest entry that is no Catch2 case of {binary} (a name split by ctest?)")
        for ctest_name, spec, rest, props in entries.get(binary, []):
            if not ctest_name.startswith(prefix) or spec is None or unescape(spec) != ctest_name[len(prefix):]:
                problems.append(f"{ctest_name}: its test spec {spec!r} is not its name")
            if str(props.get("SKIP_RETURN_CODE")) != str(args.skip_return_code):
                problems.append(f"{ctest_name}: SKIP_RETURN_CODE is {props.get('SKIP_RETURN_CODE')}, "
                                f"not {args.skip_return_code}")

    for p in problems:
        print(p)
    if problems:
        print(f"ctest-matches-catch2: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"ctest-matches-catch2: {total} ctest entries, one per Catch2 case of {len(binaries)} binaries "
          f"({', '.join(sorted(binaries.values()))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
