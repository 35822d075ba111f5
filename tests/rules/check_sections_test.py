#!/usr/bin/env python3
"""check_sections_test.py: scripts/check-sections on fixture trees: a sectioned long file passes, and each
way of missing the convention fails with a line naming the file.

    python3 tests/rules/check_sections_test.py [-v]   (ctest: rules.check-sections-catches-unsectioned-files)
"""
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest
from importlib.machinery import SourceFileLoader

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "check-sections")
_spec = importlib.util.spec_from_loader("check_sections", SourceFileLoader("check_sections", SCRIPT))
check_sections = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_sections)

FILLER = "int x;\n" * 160


def sectioned(comment="//", names=("Parsing", "Dispatch"), index_names=None, index=True):
    index_names = names if index_names is None else index_names
    head = f"{comment} file.cpp: what it is.\n"
    if index:
        head += f"{comment}\n{comment} Index\n" + "".join(f"{comment}   [SECTION] {n}   what it holds\n" for n in index_names)
    body = "".join(f"\n{comment} [SECTION] {n} {'-' * 40}\n{FILLER}" for n in names)
    return head + body


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class CheckSections(unittest.TestCase):
    def problems(self, files, exceptions=None):
        with tempfile.TemporaryDirectory() as root:
            for rel, text in files.items():
                write(root, rel, text)
            return check_sections.check(root, exceptions or {})

    def test_sectioned_and_short_files_pass(self):
        self.assertEqual(self.problems({
            "src/core/a.cpp": sectioned(),
            "scripts/tool": "#!/usr/bin/env bash\n" + sectioned(comment="#"),
            "tests/deploy/X.Tests.ps1": sectioned(comment="#"),
            "src/core/short.cpp": "int x;\n" * 300,
            "docs/long.md": "text\n" * 400,                       # not source
            "tests/deploy/fixtures/site/app.js": "x;\n" * 400,   # a fixture
            "fuzz/corpus/frame/0a1b": "x\n" * 400,               # a corpus input
        }), [])

    def test_a_long_file_without_markers_fails(self):
        problems = self.problems({"bench/run.mjs": "x;\n" * 301})
        self.assertEqual(len(problems), 1)
        self.assertTrue(problems[0].startswith("bench/run.mjs: 301 lines: 0 [SECTION] marker(s)"), problems[0])

    def test_markers_without_an_index_fail(self):
        problems = self.problems({"tests/a.cpp": sectioned(index=False)})
        self.assertEqual(len(problems), 1)
        self.assertIn("no index", problems[0])

    def test_an_index_that_does_not_match_the_markers_fails(self):
        problems = self.problems({"wasm/main.cpp": sectioned(names=("Glue", "State"), index_names=("State",))})
        self.assertEqual(len(problems), 1)
        self.assertIn("the index (State) does not match the markers (Glue, State)", problems[0])

    def test_an_extensionless_script_counts(self):
        problems = self.problems({"scripts/tool": "#!/usr/bin/env bash\n" + "echo\n" * 320})
        self.assertEqual(len(problems), 1)
        self.assertTrue(problems[0].startswith("scripts/tool: "))

    def test_an_exception_lets_a_file_fail_and_a_stale_one_is_a_problem(self):
        files = {"devserver/server.cpp": "x;\n" * 400, "src/core/chat.cpp": sectioned()}
        problems = self.problems(files, {"devserver/server.cpp": "devsrv", "src/core/chat.cpp": "core"})
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("src/core/chat.cpp: listed in EXCEPTIONS (core) but passes now", problems[0])

    def test_the_command_fails_with_one_line_per_file(self):
        with tempfile.TemporaryDirectory() as root:
            write(root, "bench/run.mjs", "x;\n" * 301)
            write(root, "bench/ok.mjs", sectioned())
            p = subprocess.run([sys.executable, SCRIPT, "--root", root, "--no-exceptions"], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            self.assertEqual(len(p.stdout.splitlines()), 1, p.stdout)
            self.assertIn("1 problem(s)", p.stderr)

    def test_the_repository_passes_with_its_exceptions(self):
        p = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
