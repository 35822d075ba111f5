#!/usr/bin/env python3
"""scripts_test_test.py: scripts/test itself, run on fake tiers (BOS_TEST_FIXTURE_TIER): zero is a
failure, skipped is loud, cancelled is failed, and the last line counts all three; a tier of the second
lane (BOS_TEST_FIXTURE_SIDE_TIER) runs beside the first lane's, and its result reaches the report the same.

    python3 tests/rules/scripts_test_test.py [-v]
        (ctest: rules.scripts-test-fails-empty-skipped-and-cancelled-tiers)

Each case writes a fake tier's output (the summary lines ctest, node --test and tests/deploy/run.ps1
really print) and its exit code, runs `scripts/test fixture`, and checks the exit status, the tier's line
and the last line. Nothing is installed or built for the fixture tier.
"""
# Index
#   [SECTION] Fake tier outputs    the summaries ctest, node --test, tests/deploy/run.ps1 and pytest print
#   [SECTION] One tier             zero, skipped, cancelled, failed, no summary, --list
#   [SECTION] Two lanes            the second lane beside the first, BOS_TEST_SERIAL, the report's order
import os
import shlex
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "test")

# [SECTION] Fake tier outputs ---------------------------------------------------------------------------

CTEST_OK = """\
    Start 1: native.a
1/4 Test #1: native.a .........................   Passed    0.01 sec
2/4 Test #2: native.b .........................   Passed    0.01 sec
3/4 Test #3: native.c .........................   Passed    0.01 sec
4/4 Test #4: devserver.ipv6 ...................***Skipped   0.02 sec

100% tests passed, 0 tests failed out of 4

Total Test time (real) =   0.05 sec

The following tests did not run:
\t  4 - devserver.ipv6 (Skipped)
"""

CTEST_FAILED = """\
1/3 Test #1: native.a .........................   Passed    0.01 sec
2/3 Test #2: native.b .........................***Failed    0.01 sec
3/3 Test #3: native.c .........................   Passed    0.01 sec

67% tests passed, 1 tests failed out of 3

The following tests FAILED:
\t  2 - native.b (Failed)
Errors while running CTest
"""

CTEST_NONE = """\
Test project /work/build/native
No tests were found!!!
"""

CTEST_ZERO = """\
Test project /work/build/native

100% tests passed, 0 tests failed out of 0
"""

CTEST_ALL_SKIPPED = """\
1/2 Test #1: devserver.ipv6 ...................***Skipped   0.02 sec
2/2 Test #2: devserver.other ..................***Skipped   0.02 sec

100% tests passed, 0 tests failed out of 2

The following tests did not run:
\t  1 - devserver.ipv6 (Skipped)
\t  2 - devserver.other (Skipped)
"""

NODE_TAP_ALL_SKIPPED = """\
TAP version 13
# Subtest: chat
ok 1 - chat # SKIP chromium is missing
1..1
# tests 1
# suites 0
# pass 0
# fail 0
# cancelled 0
# skipped 1
# todo 0
# duration_ms 12.3
"""

NODE_TAP_EMPTY = """\
TAP version 13
1..0
# tests 0
# suites 0
# pass 0
# fail 0
# cancelled 0
# skipped 0
# todo 0
"""

NODE_TAP_CANCELLED = """\
TAP version 13
ok 1 - boot
not ok 2 - chat
  ---
  error: 'Promise resolution is still pending but the event loop has already resolved'
  failureType: 'cancelledByParent'
  ...
1..2
# tests 4
# suites 1
# pass 2
# fail 0
# cancelled 2
# skipped 0
# todo 0
"""

NODE_TAP_SOME_SKIPPED = """\
ok 1 - a
ok 2 - b # SKIP not on this machine
ok 3 - c # TODO later
# tests 3
# pass 1
# fail 0
# cancelled 0
# skipped 1
# todo 1
"""

PESTER_TAP = """\
# Unit.Tests.ps1 (log: artifacts/test/deploy/Unit.log)
ok 1 - reads the environments (0.1 s)
ok 2 - replaces the live dist # SKIP
ok 3 - rolls back (0.2 s)
1..3
# tests 3
# skip 1
# duration 3.1 s
# pass 2
# fail 0
"""


PYTEST_OK = """\
........s...                                                             [100%]
11 passed, 1 skipped in 0.52s
"""

PYTEST_ERRORS = """\
..E.F
2 failed, 3 passed, 1 error in 1.20s
"""

PYTEST_ALL_SKIPPED = """\
sss
3 skipped in 0.05s
"""


# [SECTION] One tier ------------------------------------------------------------------------------------

def run_fixture(output, rc, parser):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "fixture-output.txt")
        with open(log, "w", encoding="utf-8") as f:
            f.write(output)
        env = dict(os.environ)
        env.update({
            "BOS_TEST_FIXTURE_TIER": f"cat {shlex.quote(log)}; exit {rc}",
            "BOS_TEST_FIXTURE_PARSER": parser,
            "BOS_TEST_LOG_DIR": os.path.join(tmp, "logs"),
        })
        p = subprocess.run([SCRIPT, "fixture"], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    lines = p.stdout.strip().splitlines()
    tier = [l for l in lines if l.startswith("fixture ")]
    return p.returncode, lines[-1] if lines else "", tier[0] if tier else "", p.stderr


class ScriptsTest(unittest.TestCase):
    def check(self, output, rc, parser, want_rc_zero, last_line, tier_has=()):
        code, last, tier, err = run_fixture(output, rc, parser)
        self.assertEqual(code == 0, want_rc_zero, f"exit {code}\n{tier}\n{last}\n{err}")
        self.assertEqual(last, last_line, err)
        for text in tier_has:
            self.assertIn(text, tier)
        return err

    def test_a_passing_ctest_tier_counts_its_skipped_test_apart(self):
        err = self.check(CTEST_OK, 0, "ctest", True, "3 passed, 0 failed, 1 skipped", ["3 passed", "1 skipped"])
        self.assertIn("1 TEST(S) SKIPPED", err)

    def test_a_failed_ctest_tier_keeps_its_counts(self):
        self.check(CTEST_FAILED, 8, "ctest", False, "2 passed, 1 failed, 0 skipped")

    def test_a_ctest_tier_that_found_no_tests_fails(self):
        self.check(CTEST_NONE, 8, "ctest", False, "0 passed, 1 failed, 0 skipped", ["DID NOT RUN"])

    def test_a_ctest_tier_that_ran_zero_tests_fails_even_with_exit_0(self):
        self.check(CTEST_ZERO, 0, "ctest", False, "0 passed, 1 failed, 0 skipped", ["ran 0 tests"])

    def test_an_all_skipped_ctest_tier_fails(self):
        self.check(CTEST_ALL_SKIPPED, 0, "ctest", False, "0 passed, 1 failed, 2 skipped", ["ran 0 tests, 2 skipped"])

    def test_an_all_skipped_node_tier_fails(self):
        self.check(NODE_TAP_ALL_SKIPPED, 0, "tap", False, "0 passed, 1 failed, 1 skipped", ["ran 0 tests, 1 skipped"])

    def test_an_empty_node_tier_fails(self):
        self.check(NODE_TAP_EMPTY, 0, "tap", False, "0 passed, 1 failed, 0 skipped", ["ran 0 tests"])

    def test_cancelled_node_tests_fail_the_tier(self):
        err = self.check(NODE_TAP_CANCELLED, 1, "tap", False, "2 passed, 2 failed, 0 skipped")
        self.assertIn("2 TEST(S) CANCELLED", err)

    def test_node_skipped_and_todo_tests_are_counted(self):
        self.check(NODE_TAP_SOME_SKIPPED, 0, "tap", True, "1 passed, 0 failed, 2 skipped")

    def test_pester_skipped_tests_reach_the_last_line(self):
        self.check(PESTER_TAP, 0, "tap", True, "2 passed, 0 failed, 1 skipped")

    def test_pytest_counts_skipped_tests_and_errors_as_failures(self):
        self.check(PYTEST_OK, 0, "pytest", True, "11 passed, 0 failed, 1 skipped")
        self.check(PYTEST_ERRORS, 1, "pytest", False, "3 passed, 3 failed, 0 skipped")

    def test_an_all_skipped_pytest_tier_fails(self):
        self.check(PYTEST_ALL_SKIPPED, 0, "pytest", False, "0 passed, 1 failed, 3 skipped", ["ran 0 tests, 3 skipped"])

    def test_no_summary_fails(self):
        self.check("Segmentation fault\n", 139, "tap", False, "0 passed, 1 failed, 0 skipped", ["no test summary"])

    def test_a_non_zero_exit_without_a_failed_test_fails(self):
        self.check(CTEST_OK, 3, "ctest", False, "0 passed, 1 failed, 1 skipped", ["exited 3"])

    def test_list_and_unknown_tiers_still_work(self):
        p = subprocess.run([SCRIPT, "--list"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertEqual([l.split()[0] for l in p.stdout.splitlines()],
                         ["native", "wasm", "e2e", "deploy", "backend", "firefox", "webkit"])
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOS_TEST_FIXTURE")}
        p = subprocess.run([SCRIPT, "fixture"], capture_output=True, text=True, timeout=60, env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("unknown tier: fixture", p.stderr)


# [SECTION] Two lanes -----------------------------------------------------------------------------------

def fake_tier(tmp, name, output, rc, seconds):
    """A fake tier's command: stamps its start and end (time.monotonic_ns() is per boot: comparable
    across processes), sleeps, prints OUTPUT, exits RC."""
    log = os.path.join(tmp, name + ".out")
    with open(log, "w", encoding="utf-8") as f:
        f.write(output)
    stamp = os.path.join(tmp, name + ".stamps")
    now = "python3 -c 'import time; print(time.monotonic_ns())'"
    return stamp, f"{now} >>{shlex.quote(stamp)}; sleep {seconds}; {now} >>{shlex.quote(stamp)}; cat {shlex.quote(log)}; exit {rc}"


def run_two_lanes(main, side, serial=False, args=("fixture", "fixture-side")):
    """Runs a first-lane and a second-lane fake tier; returns (exit code, stdout lines, stderr, spans)."""
    with tempfile.TemporaryDirectory() as tmp:
        main_stamp, main_cmd = fake_tier(tmp, "main", *main)
        side_stamp, side_cmd = fake_tier(tmp, "side", *side)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOS_TEST_")}
        env.update({
            "BOS_TEST_FIXTURE_TIER": main_cmd, "BOS_TEST_FIXTURE_PARSER": "tap",
            "BOS_TEST_FIXTURE_SIDE_TIER": side_cmd, "BOS_TEST_FIXTURE_SIDE_PARSER": "pytest",
            "BOS_TEST_LOG_DIR": os.path.join(tmp, "logs"),
        })
        if serial:
            env["BOS_TEST_SERIAL"] = "1"
        p = subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
        spans = {}
        for name, stamp in (("main", main_stamp), ("side", side_stamp)):
            with open(stamp, encoding="utf-8") as f:
                spans[name] = [int(x) for x in f.read().split()]
        with open(os.path.join(tmp, "logs", "fixture-side.log"), encoding="utf-8") as f:
            side_log = f.read()
    return p.returncode, p.stdout.strip().splitlines(), p.stderr, spans, side_log


TAP_TWO_PASSED = "ok 1 - a\nok 2 - b\n# pass 2\n# fail 0\n# cancelled 0\n# skipped 0\n"
TAP_ONE_FAILED = "ok 1 - a\nnot ok 2 - b\n# pass 1\n# fail 1\n# cancelled 0\n# skipped 0\n"


class LanesTest(unittest.TestCase):
    def test_the_second_lane_runs_beside_the_first_and_both_reach_the_report_in_order(self):
        code, lines, err, spans, side_log = run_two_lanes((TAP_TWO_PASSED, 0, 2), (PYTEST_OK, 0, 2))
        self.assertEqual(code, 0, err)
        (m0, m1), (s0, s1) = spans["main"], spans["side"]
        self.assertTrue(s0 < m1 and m0 < s1, f"the lanes did not overlap: main {spans['main']} side {spans['side']}")
        tiers = [l.split()[0] for l in lines if l.startswith("fixture")]
        self.assertEqual(tiers, ["fixture", "fixture-side"])
        self.assertIn("beside the others", [l for l in lines if l.startswith("fixture-side")][0])
        self.assertEqual(lines[-1], "13 passed, 0 failed, 1 skipped")
        self.assertIn("11 passed, 1 skipped", side_log)   # its own log, apart from the first lane's
        self.assertIn("1 TEST(S) SKIPPED", err)            # its messages still reach stderr

    def test_serial_runs_one_tier_at_a_time(self):
        code, lines, err, spans, _ = run_two_lanes((TAP_TWO_PASSED, 0, 1), (PYTEST_OK, 0, 1), serial=True)
        self.assertEqual(code, 0, err)
        (m0, m1), (s0, s1) = spans["main"], spans["side"]
        self.assertTrue(m1 <= s0, f"BOS_TEST_SERIAL=1 overlapped: main {spans['main']} side {spans['side']}")
        self.assertEqual(lines[-1], "13 passed, 0 failed, 1 skipped")

    def test_a_failing_or_empty_second_lane_tier_fails_the_run(self):
        code, lines, err, _, _ = run_two_lanes((TAP_TWO_PASSED, 0, 0), (PYTEST_ERRORS, 1, 0))
        self.assertNotEqual(code, 0)
        self.assertEqual(lines[-1], "5 passed, 3 failed, 0 skipped")
        code, lines, err, _, _ = run_two_lanes((TAP_ONE_FAILED, 1, 0), (PYTEST_ALL_SKIPPED, 0, 0))
        self.assertNotEqual(code, 0)
        self.assertEqual(lines[-1], "1 passed, 2 failed, 3 skipped")
        self.assertIn("TIER fixture-side DID NOT RUN: ran 0 tests, 3 skipped", err)

    def test_the_report_keeps_the_order_the_tiers_were_asked_in(self):
        code, lines, err, _, _ = run_two_lanes((TAP_TWO_PASSED, 0, 0), (PYTEST_OK, 0, 1),
                                               args=("fixture-side", "fixture"))
        self.assertEqual(code, 0, err)
        self.assertEqual([l.split()[0] for l in lines if l.startswith("fixture")], ["fixture-side", "fixture"])


if __name__ == "__main__":
    unittest.main()
