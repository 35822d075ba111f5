#!/usr/bin/env python3
"""skip_test.py: the exit codes ctest relies on, from a real Catch2 binary (skip_probe.cpp) built with the
project's runner (tests/catch_runner.hpp): BOS_SKIP gives the skip code and ctest reports Skipped, a failure
never reads as a skip, and the runner's NoTests / NoAssertions warnings (on without any flag) fail an
empty match and a case (or a leaf section) that asserts nothing, where Catch2 2.13 alone exits 0.

    python3 tests/rules/skip_test.py PROBE_BINARY SKIP_CODE     (ctest: rules.skip-and-empty-cases)
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

PROBE = sys.argv[1] if len(sys.argv) > 1 else ""
SKIP = int(sys.argv[2]) if len(sys.argv) > 2 else 77
CTEST = shutil.which("ctest") or "/usr/bin/ctest"


def run(*args):
    p = subprocess.run([PROBE, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


class Runner(unittest.TestCase):
    def test_a_skipped_case_exits_with_the_skip_code_and_says_why(self):
        rc, out = run("probe: skips")
        self.assertEqual(rc, SKIP, out)
        self.assertIn("SKIPPED: the probe's precondition is missing", out)

    def test_a_passing_case_exits_0(self):
        self.assertEqual(run("probe: passes")[0], 0)

    def test_a_failure_next_to_a_skip_is_a_failure(self):
        rc, out = run("probe: skips,probe: fails")
        self.assertNotIn(rc, (0, SKIP), out)

    def test_an_empty_match_fails(self):
        rc, out = run("probe: no such case")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("No test cases matched", out)

    def test_a_case_without_assertions_fails(self):
        rc, out = run("probe: asserts nothing")
        self.assertNotIn(rc, (0, SKIP), out)

    def test_a_leaf_section_without_assertions_fails(self):
        self.assertNotIn(run("probe: a section asserts nothing")[0], (0, SKIP))

    def test_a_second_w_is_refused_by_catch2_2_13(self):
        # Why the runner sets the warnings itself instead of EXTRA_ARGS -w NoTests -w NoAssertions.
        rc, out = run("probe: passes", "-w", "NoTests", "-w", "NoAssertions")
        self.assertNotEqual(rc, 0)
        self.assertIn("Unrecognised token: -w", out)
        self.assertEqual(run("probe: passes", "-w", "NoTests")[0], 0)  # one -w still adds to them

    def test_ctest_reports_the_skip_as_skipped(self):
        with tempfile.TemporaryDirectory() as build:
            with open(os.path.join(build, "CTestTestfile.cmake"), "w") as f:
                for name in ("probe: skips", "probe: passes"):
                    f.write(f'add_test([==[{name}]==] "{PROBE}" [==[{name}]==])\n')
                    f.write(f'set_tests_properties([==[{name}]==] PROPERTIES SKIP_RETURN_CODE {SKIP})\n')
            p = subprocess.run([CTEST], cwd=build, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertRegex(p.stdout, r"probe: skips \.+\*+Skipped")
        self.assertRegex(p.stdout, r"\n\s+\d+ - probe: skips \(Skipped\)")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + [a for a in sys.argv[3:]])
