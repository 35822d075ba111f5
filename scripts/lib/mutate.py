#!/usr/bin/python3
"""mutate.py: mutation testing of the engine (src/core) against the native engine tests (scripts/mutate).

A mutant is one small change a real bug could be: a comparison flipped (< into >=, == into !=), a
condition negated (if (x) into if (!(x)), && into ||, true into false), a statement removed. The candidate
sites are found in the engine, protocol and outbox sources; a seeded PRNG picks `--count` of them, so the
same seed on the same tree gives the same mutants. Each mutant is written into the source, bos_core_tests is
rebuilt incrementally (its own build directory, build/mutate), and run with a timeout. It is *killed* when
the tests fail or time out, *survives* when they pass, and is *stillborn* when it does not compile (not
counted). The source is restored after every mutant, and on Ctrl-C or SIGTERM; a copy of the original is
kept in build/mutate/restore/ while a mutant is in place, and the next run puts it back first if the last
one was killed hard.
"""
# Index
#  [SECTION] Sites      finding mutation sites in a C++ source (comments and string literals skipped)
#  [SECTION] Tree       applying a mutant, restoring the source (signals, the crash copy)
#  [SECTION] Run        build, test, classify; the report (text and JSON)
import argparse
import fcntl
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / 'build' / 'mutate'
RESTORE = BUILD / 'restore'
# The engine (since "one Link record": engine.cpp and engine_messages.cpp), the protocol, the outbox.
TARGETS = ['src/core/engine.cpp', 'src/core/engine_messages.cpp', 'src/core/protocol.cpp', 'src/core/outbox.cpp']

# [SECTION] Sites ---------------------------------------------------------------------------------------

FLIPS = {'<': '>=', '>=': '<', '>': '<=', '<=': '>', '==': '!=', '!=': '=='}
COMPARISON = re.compile(r'(?<=\s)(<=|>=|==|!=|<|>)(?=\s)')
LOGIC = re.compile(r'(?<=\s)(&&|\|\|)(?=\s)')
BOOL = re.compile(r'\b(true|false)\b')
# A statement that does something on its own: a call, an assignment, an increment. Declarations are left
# alone (removing one does not compile), as are returns, breaks and the lines of a multi-line statement.
STATEMENT = re.compile(r'^\s+(?!return\b|break\b|continue\b|case\b|default\b|const\b|auto\b|static\b|using\b|if\b|for\b|'
                       r'while\b|switch\b|else\b|do\b|std::|int\b|bool\b|char\b|double\b|float\b|uint|int\d|size_t\b)'
                       r'[A-Za-z_][\w.\->\[\]()]*\s*(\(|=|\+=|-=|\+\+|--|\.|->|<<)[^;{}]*;\s*$')


def code_mask(line, in_block_comment):
    """The line with comments and string/char literals blanked to spaces (same length), and whether a
    block comment is still open at its end."""
    out = []
    i, n = 0, len(line)
    quote = None
    while i < n:
        c = line[i]
        if in_block_comment:
            if line.startswith('*/', i):
                in_block_comment = False
                out.append('  ')
                i += 2
                continue
            out.append(' ')
        elif quote:
            if c == '\\':
                out.append('  ')
                i += 2
                continue
            if c == quote:
                quote = None
            out.append(' ')
        elif line.startswith('//', i):
            out.append(' ' * (n - i))
            break
        elif line.startswith('/*', i):
            in_block_comment = True
            out.append('  ')
            i += 2
            continue
        elif c == 'R' and line.startswith('R"(', i):
            end = line.find(')"', i + 3)
            end = n if end < 0 else end + 2
            out.append(' ' * (end - i))
            i = end
            continue
        elif c in '"\'':
            quote = c
            out.append(' ')
        else:
            out.append(c)
        i += 1
    return ''.join(out)[:n], in_block_comment


def if_condition(masked, start):
    """(begin, end) of the parenthesised condition after `if` at `start`, on one line, or None."""
    open_at = masked.find('(', start)
    if open_at < 0 or masked[start + 2:open_at].strip() not in ('', 'constexpr'):
        return None
    depth = 0
    for j in range(open_at, len(masked)):
        if masked[j] == '(':
            depth += 1
        elif masked[j] == ')':
            depth -= 1
            if depth == 0:
                inner = masked[open_at + 1:j]
                if ';' in inner:  # if (init; cond): negating the whole does not compile
                    return None
                return open_at + 1, j
    return None


def find_sites(rel):
    """Every mutation site of one source: dicts with file, line (1-based), kind, column, old, new."""
    lines = (ROOT / rel).read_text(encoding='utf-8').split('\n')
    sites = []
    in_comment = False
    depth = 0  # brace depth: statements are only removed inside functions
    for no, line in enumerate(lines, 1):
        masked, in_comment = code_mask(line, in_comment)
        stripped = masked.strip()
        if stripped.startswith('#') or not stripped:
            depth += masked.count('{') - masked.count('}')
            continue
        for m in COMPARISON.finditer(masked):
            if '<' in m.group(1) and re.search(r'\w<|template', masked[:m.start()]):
                continue  # a template argument list on this line: the < may not be a comparison
            sites.append(dict(file=rel, line=no, kind='comparison', col=m.start(), old=m.group(1), new=FLIPS[m.group(1)]))
        for m in LOGIC.finditer(masked):
            sites.append(dict(file=rel, line=no, kind='logic', col=m.start(), old=m.group(1),
                              new='||' if m.group(1) == '&&' else '&&'))
        for m in BOOL.finditer(masked):
            sites.append(dict(file=rel, line=no, kind='boolean', col=m.start(), old=m.group(1),
                              new='false' if m.group(1) == 'true' else 'true'))
        for m in re.finditer(r'\bif\b', masked):
            span = if_condition(masked, m.start())
            if span:
                b, e = span
                sites.append(dict(file=rel, line=no, kind='negation', col=b, old=line[b:e], new='!(' + line[b:e] + ')'))
        if depth >= 1 and STATEMENT.match(masked) and masked.rstrip().endswith(';'):
            prev = lines[no - 2].rstrip() if no >= 2 else ''
            # Not the continuation of a statement begun on the line before.
            if not prev or prev.endswith((';', '{', '}', ':')) or prev.lstrip().startswith('//'):
                body = line.strip()
                sites.append(dict(file=rel, line=no, kind='removal', col=len(line) - len(line.lstrip()), old=body,
                                  new='/* removed */'))
        depth += masked.count('{') - masked.count('}')
    return sites


def mutant_text(original, site):
    lines = original.split('\n')
    line = lines[site['line'] - 1]
    col = site['col']
    assert line[col:col + len(site['old'])] == site['old'], (site, line)
    lines[site['line'] - 1] = line[:col] + site['new'] + line[col + len(site['old']):]
    return '\n'.join(lines)


def pick(sites, count, seed):
    """`count` sites, spread over the kinds: a seeded shuffle of each kind, then taken in turn."""
    rng = random.Random(seed)
    by_kind = {}
    for s in sites:
        by_kind.setdefault(s['kind'], []).append(s)
    for k in by_kind:
        rng.shuffle(by_kind[k])
    kinds = sorted(by_kind)
    # Comparisons and removals are most of the bugs we have had: they get two turns in five.
    order = [k for k in ['comparison', 'removal', 'negation', 'comparison', 'removal', 'boolean', 'logic'] if k in by_kind]
    out = []
    while len(out) < count and any(by_kind[k] for k in kinds):
        for k in order:
            if by_kind[k] and len(out) < count:
                out.append(by_kind[k].pop())
    return out

# [SECTION] Tree ----------------------------------------------------------------------------------------


class Tree:
    """One source file at a time is mutated; restore() puts the original back (idempotent)."""

    def __init__(self):
        self.current = None  # (path, original bytes)

    def recover(self):
        # A previous run killed hard (SIGKILL, power) left its copy: put it back before anything else.
        if RESTORE.is_dir():
            for copy in RESTORE.rglob('*'):
                if copy.is_file():
                    rel = copy.relative_to(RESTORE)
                    (ROOT / rel).write_bytes(copy.read_bytes())
                    print(f'mutate: restored {rel} left mutated by an earlier run', file=sys.stderr)
                    copy.unlink()

    def apply(self, rel, text):
        path = ROOT / rel
        original = path.read_bytes()
        copy = RESTORE / rel
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(original)
        self.current = (path, original, copy)
        path.write_text(text, encoding='utf-8')

    def restore(self):
        if self.current:
            path, original, copy = self.current
            path.write_bytes(original)
            copy.unlink(missing_ok=True)
            self.current = None


# [SECTION] Run -----------------------------------------------------------------------------------------


CHILD = None  # the build or test running now: stopped with us on a signal


def run(cmd, timeout=None, **kw):
    global CHILD
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True, **kw) as p:
        CHILD = p
        try:
            out, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, _ = p.communicate()
            raise subprocess.TimeoutExpired(cmd, timeout, output=out)
        finally:
            CHILD = None
        return subprocess.CompletedProcess(cmd, p.returncode, out, None)


def stop_child():
    if CHILD and CHILD.poll() is None:
        try:
            os.killpg(CHILD.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# The team's rule is nice 10 for heavy work: added here unless the caller already did (nice 19 would
# starve the builds behind everyone else's).
NICE = ['nice', '-n', '10'] if os.nice(0) < 10 else []


def build(jobs):
    return run([*NICE, 'cmake', '--build', str(BUILD), '--target', 'bos_core_tests', '-j', str(jobs)])


def test(timeout):
    binary = BUILD / 'tests' / 'core' / 'bos_core_tests'
    try:
        # --abort: the first failed assertion is enough to kill a mutant.
        r = run([*NICE, str(binary), '--abort'], timeout=timeout, cwd=ROOT)
        return ('passed' if r.returncode == 0 else 'failed'), r.stdout
    except subprocess.TimeoutExpired as e:
        return 'timeout', e.output or ''


def first_failure(output):
    for line in output.split('\n'):
        if re.match(r'^\S.*\.cpp:\d+: FAILED', line) or 'FAILED:' in line:
            return line.strip()
    m = re.search(r'-{10,}\n(.+)\n', output)
    return m.group(1).strip() if m else ''


def main():
    ap = argparse.ArgumentParser(description='Mutation testing of src/core against bos_core_tests.')
    ap.add_argument('--count', type=int, default=40, help='mutants to run (default 40)')
    ap.add_argument('--seed', type=int, default=18, help='PRNG seed for picking them (default 18)')
    ap.add_argument('--timeout', type=int, default=0, help='seconds per test run (default: 4 x the unmutated run, at least 60)')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--list', action='store_true', help='print the picked mutants and exit')
    ap.add_argument('--only', type=int, action='append', help='run only mutant N (1-based; repeatable)')
    ap.add_argument('--json', default=str(ROOT / 'artifacts' / 'mutate' / 'report.json'))
    ap.add_argument('--resume', action='store_true', help='keep the results of the last report for the same commit and seed')
    args = ap.parse_args()

    # One run at a time: a second one would restore the first one's mutant from under it.
    BUILD.mkdir(parents=True, exist_ok=True)
    lock = open(BUILD / 'lock', 'w')
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit('mutate: another scripts/mutate is running in this tree')
    tree = Tree()
    tree.recover()
    dirty = run(['git', 'status', '--porcelain', '--', *TARGETS], cwd=ROOT).stdout.strip()
    if dirty:
        sys.exit('mutate: commit or stash your changes to ' + ', '.join(TARGETS) + ' first (the tree is restored to them, '
                 'and a mutant must never be mistaken for your work):\n' + dirty)
    commit = run(['git', 'rev-parse', 'HEAD'], cwd=ROOT).stdout.strip()
    # What was mutated, for --resume: the sources themselves (later commits elsewhere do not matter).
    sources = hashlib.sha256(b''.join((ROOT / rel).read_bytes() for rel in TARGETS)).hexdigest()

    sites = [s for rel in TARGETS for s in find_sites(rel)]
    chosen = pick(sites, args.count, args.seed)
    for i, s in enumerate(chosen, 1):
        s['n'] = i
    if args.list:
        kinds = {}
        for s in sites:
            kinds[s['kind']] = kinds.get(s['kind'], 0) + 1
        print(f'{len(sites)} sites {kinds}; seed {args.seed} picks {len(chosen)}:')
        for s in chosen:
            print(f"  {s['n']:3} {s['file']}:{s['line']} {s['kind']}: {s['old'][:60]} -> {s['new'][:60]}")
        return 0

    def on_signal(signum, _frame):
        stop_child()
        tree.restore()
        print(f'\nmutate: interrupted (signal {signum}); the source is restored', file=sys.stderr)
        sys.exit(130)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    if not (BUILD / 'build.ninja').exists():
        # The native preset's settings, so ccache shares its objects; a directory of its own, so a mutant
        # never lands in build/native.
        r = run(['cmake', '-S', str(ROOT), '-B', str(BUILD), '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=RelWithDebInfo'])
        if r.returncode:
            sys.exit('mutate: cmake failed\n' + r.stdout[-3000:])
    print(f'mutate: building bos_core_tests unmutated (commit {commit[:10]})', file=sys.stderr)
    r = build(args.jobs)
    if r.returncode:
        sys.exit('mutate: the unmutated tree does not build\n' + r.stdout[-3000:])
    t0 = time.monotonic()
    status, out = test(None)
    base = time.monotonic() - t0
    if status != 'passed':
        sys.exit('mutate: the unmutated tests fail: nothing to measure\n' + out[-3000:])
    timeout = args.timeout or max(60, int(4 * base))
    print(f'mutate: unmutated tests pass in {base:.0f} s; per-mutant timeout {timeout} s; '
          f'{len(sites)} sites, {len(chosen)} mutants (seed {args.seed})', file=sys.stderr)

    results = []
    started = time.monotonic()
    done = {}
    if args.resume and Path(args.json).exists():
        last = json.loads(Path(args.json).read_text(encoding='utf-8'))
        if (last.get('sources') == sources or last.get('commit') == commit) and last.get('seed') == args.seed:
            done = {(r['file'], r['line'], r['kind'], r['col'], r['old']): r for r in last['results']}

    def write_report():
        # After every mutant, so a run stopped early still says what it measured.
        counted = [r for r in results if r['outcome'] != 'stillborn']
        killed = sum(r['outcome'] == 'killed' for r in counted)
        report = dict(commit=commit, sources=sources, seed=args.seed, sites=len(sites), planned=len(chosen), mutants=len(results),
                      compiled=len(counted), killed=killed, survived=len(counted) - killed,
                      stillborn=len(results) - len(counted),
                      kill_rate=round(killed / len(counted), 4) if counted else None, base_test_seconds=round(base, 1),
                      timeout_seconds=timeout, total_seconds=round(time.monotonic() - started), results=results)
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
        return counted, killed
    try:
        for s in chosen:
            if args.only and s['n'] not in args.only:
                continue
            key = (s['file'], s['line'], s['kind'], s['col'], s['old'])
            if key in done:
                results.append(done[key])
                continue
            original = (ROOT / s['file']).read_text(encoding='utf-8')
            tree.apply(s['file'], mutant_text(original, s))
            t = time.monotonic()
            try:
                b = build(args.jobs)
                if b.returncode:
                    outcome, detail = 'stillborn', next((l for l in b.stdout.split('\n') if 'error:' in l), '')[:200]
                else:
                    status, out = test(timeout)
                    outcome = {'passed': 'survived', 'failed': 'killed', 'timeout': 'killed'}[status]
                    detail = 'timeout' if status == 'timeout' else (first_failure(out)[:200] if status == 'failed' else '')
            finally:
                tree.restore()
            s.update(outcome=outcome, detail=detail, seconds=round(time.monotonic() - t, 1))
            results.append(s)
            write_report()
            print(f"  {s['n']:3} {outcome:9} {s['file']}:{s['line']} {s['kind']}: {s['old'][:50]} -> {s['new'][:50]}"
                  f"  ({s['seconds']} s) {detail[:90]}", file=sys.stderr)
    finally:
        tree.restore()
        # The tree is what it was: the engine objects in build/mutate are rebuilt from it on the next run.

    after = run(['git', 'status', '--porcelain', '--', *TARGETS], cwd=ROOT).stdout.strip()
    if after:
        sys.exit('mutate: BUG: the sources differ from before the run:\n' + after)
    counted, killed = write_report()
    rate = killed / len(counted) if counted else 0.0
    print(f"mutate: commit {commit[:10]}: {killed} of {len(counted)} mutants killed ({rate * 100:.1f} %), "
          f"{len(counted) - killed} survived, {len(results) - len(counted)} did not compile; report {args.json}")
    for r in counted:
        if r['outcome'] == 'survived':
            print(f"  survived: {r['file']}:{r['line']} {r['kind']}: {r['old'][:70]} -> {r['new'][:70]}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
