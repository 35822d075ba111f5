#!/usr/bin/env python3
"""ctest_matches_catch2_test.py: the guard (ctest_matches_catch2.py) against the real catch_discover_tests
script (Debian's CatchAddTests.cmake) and a fake Catch2 binary: clean names pass (a `,` and paired `[ ]` too); a `;`, an unbalanced `[`,
names equal but for case, a missing SKIP_RETURN_CODE and a binary without the project's runner (an empty
match exits 0) each fail it.

    python3 tests/rules/ctest_matches_catch2_test.py [-v]   (ctest: rules.guard-catches-split-test-names)
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
GUARD = os.path.join(HERE, "ctest_matches_catch2.py")
CATCH_ADD_TESTS = "/usr/lib/cmake/Catch2/CatchAddTests.cmake"
CMAKE = shutil.which("cmake") or "/usr/bin/cmake"
CTEST = shutil.which("ctest") or "/usr/bin/ctest"

FAKE_BINARY = """#!/bin/sh
# A Catch2 binary as far as discovery and the guard can tell (EMPTY_RC: its exit code for a spec that
# matches no case; 2 is what tests/catch_runner.hpp's NoTests warning gives).
if [ "$1" = --list-test-names-only ]; then cat "$(dirname "$0")/names.txt"; exit 0; fi
if [ "$1" = --list-reporters ]; then echo "Available reporters:"; echo "  console"; exit 0; fi
if ! grep -qxF "$1" "$(dirname "$0")/names.txt"; then echo "No test cases matched '$1'"; exit EMPTY_RC; fi
exit 0
"""


def discover(names, properties="SKIP_RETURN_CODE;77", empty_rc=2):
    """Runs the real discovery script on a fake binary; returns (guard exit code, guard output)."""
    with tempfile.TemporaryDirectory() as build:
        binary = os.path.join(build, "fake_tests")
        with open(binary, "w") as f:
            f.write(FAKE_BINARY.replace("EMPTY_RC", str(empty_rc)))
        os.chmod(binary, 0o755)
        with open(os.path.join(build, "names.txt"), "w", encoding="utf-8") as f:
            f.write("".join(n + "\n" for n in names))
        tests_file = os.path.join(build, "fake_tests_tests.cmake")
        defs = {
            "TEST_TARGET": "fake_tests", "TEST_EXECUTABLE": binary, "TEST_EXECUTOR": "", "TEST_WORKING_DIR": build,
            "TEST_SPEC": "", "TEST_EXTRA_ARGS": "", "TEST_PROPERTIES": properties, "TEST_PREFIX": "fake.",
            "TEST_SUFFIX": "", "TEST_LIST": "fake_tests_TESTS", "TEST_REPORTER": "", "TEST_OUTPUT_DIR": "",
            "TEST_OUTPUT_PREFIX": "", "TEST_OUTPUT_SUFFIX": "", "CTEST_FILE": tests_file,
        }
        cmd = [CMAKE] + [f"-D{k}={v}" for k, v in defs.items()] + ["-P", CATCH_ADD_TESTS]
        made = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if made.returncode != 0:
            raise AssertionError(f"CatchAddTests.cmake failed: {made.stderr}")
        with open(os.path.join(build, "CTestTestfile.cmake"), "w") as f:
            f.write(f'include("{tests_file}")\n')
        guard = subprocess.run([sys.executable, GUARD, "--build-dir", build, "--ctest", CTEST, "--skip-return-code",
                                "77", f"--binary={binary}=fake."], capture_output=True, text=True, timeout=60)
        return guard.returncode, guard.stdout + guard.stderr


@unittest.skipUnless(os.path.exists(CATCH_ADD_TESTS), "Debian's catch2 package provides CatchAddTests.cmake")
class Guard(unittest.TestCase):
    def test_clean_names_pass(self):
        rc, out = discover(["outbox: resends in order", "Scenario: a, b and c", "backoff in [floor, ceiling]", "403 (foreign Origin)"])
        self.assertEqual(rc, 0, out)
        self.assertIn("4 ctest entries", out)

    def test_a_semicolon_splits_a_name_and_fails(self):
        rc, out = discover(["outbox: resends in order", "gateway errors once; not per frame"])
        self.assertEqual(rc, 1, out)
        self.assertIn("fake.gateway errors once; not per frame: a Catch2 case of", out)   # no entry runs it
        self.assertIn("fake.gateway errors once: a ctest entry that is no Catch2 case", out)  # the halves
        self.assertIn("the Catch2 name holds ;", out)

    def test_an_unbalanced_bracket_fails(self):
        rc, out = discover(["list [ends here", "the next case", "another ] one"])
        self.assertEqual(rc, 1, out)
        self.assertIn("has unbalanced [ ]", out)

    def test_names_equal_but_for_case_fail(self):
        rc, out = discover(["Outbox: resends", "outbox: resends"])
        self.assertEqual(rc, 1, out)
        self.assertIn("same name but for case", out)

    def test_a_binary_whose_empty_match_passes_fails(self):
        rc, out = discover(["outbox: resends in order"], empty_rc=0)  # Catch2 2.13's own main()
        self.assertEqual(rc, 1, out)
        self.assertIn("a test spec that matches no case exits 0", out)

    def test_an_entry_without_the_skip_code_fails(self):
        rc, out = discover(["outbox: resends in order"], properties="TIMEOUT;60")
        self.assertEqual(rc, 1, out)
        self.assertIn("SKIP_RETURN_CODE", out)


if __name__ == "__main__":
    unittest.main()
