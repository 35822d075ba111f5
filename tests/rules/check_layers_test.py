#!/usr/bin/env python3
"""check_layers_test.py: scripts/check-layers on fixture trees: a clean tree passes, and every rule fails
with its own line (file:line, the include, the rule) on a deliberate bad include.

    python3 tests/rules/check_layers_test.py [-v]          (ctest: rules.check-layers-catches-bad-includes)
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest
import importlib.util
from importlib.machinery import SourceFileLoader

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "check-layers")
# The same code the command runs, imported (the script has no .py suffix).
_spec = importlib.util.spec_from_loader("check_layers", SourceFileLoader("check_layers", SCRIPT))
check_layers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_layers)

# A miniature of the real tree: every layer, each including only what it may.
CLEAN = {
    "src/core/engine.hpp": '#pragma once\n#include <string>\n#include <nlohmann/json.hpp>\n#include "core/limits.hpp"\n',
    "src/core/limits.hpp": "#pragma once\n#include <cstddef>\n",
    "src/core/engine.cpp": '#include "core/engine.hpp"\n#include <cstdio>\n// #include <chrono>  (a comment is not an include)\n'
                           '/* #include "ui/chat_view.hpp"\n   #include <thread> */\nconst char* s = "#include <random>";\n',
    "src/ui/chat_view.hpp": '#pragma once\n#include "core/engine.hpp"\n',
    "src/ui/chat_view.cpp": '#include "ui/chat_view.hpp"\n#include "imgui.h"\n#include <chrono>\n',
    "src/app/app.hpp": '#pragma once\n#include "ui/chat_view.hpp"\n#include "core/engine.hpp"\n',
    "wasm/main.cpp": '#include <emscripten.h>\n#include <GLES3/gl3.h>\n#include "app/app.hpp"\n#include "build_id.h"\n',
    "devserver/server.hpp": "#pragma once\n#include <boost/asio/io_context.hpp>\n#include <chrono>\n",
    "devserver/server.cpp": '#include "server.hpp"\n#include <nlohmann/json.hpp>\n',
    "tests/core/engine_test.cpp": '#include "core/engine.hpp"\n#include <thread>\n',
}

# One bad include per rule: (file, the line added at its end, the text the violation line must hold).
BAD = [
    ("src/core/engine.cpp", '#include "ui/chat_view.hpp"', 'src/core must not include src/ui'),
    ("src/core/engine.cpp", '#include "app/app.hpp"', 'src/core must not include src/app'),
    ("src/core/engine.cpp", '#include "../../wasm/main.cpp"', 'src/core must not include wasm/'),
    ("src/core/engine.cpp", '#include "devserver/server.hpp"', 'src/core must not include devserver/'),
    ("src/core/engine.cpp", "#include <emscripten/html5.h>", "platform header: emscripten "),
    ("src/core/engine.cpp", "#include <GLES3/gl3.h>", "platform header: graphics "),
    ("src/core/engine.cpp", '#include "imgui.h"', "platform header: imgui "),
    ("src/core/engine.cpp", "#include <sys/socket.h>", "platform header: sockets/OS "),
    ("src/core/engine.cpp", "#include <boost/asio.hpp>", "platform header: boost "),
    ("src/core/engine.cpp", "#include <chrono>", "platform header: clocks "),
    ("src/core/engine.cpp", "#  include <thread>", "platform header: threads "),
    ("src/core/engine.cpp", "#include <random>", "platform header: randomness "),
    ("src/core/engine.cpp", "#include <fstream>", "platform header: file I/O "),
    ("src/core/engine.hpp", "#if __has_include(<emscripten.h>)\n#endif", "platform header: emscripten "),
    ("src/ui/chat_view.cpp", '#include "wasm/web.hpp"', "src/ui must not include wasm/"),
    ("src/ui/chat_view.cpp", '#include "app/app.hpp"', "src/ui must not include src/app"),
    ("src/ui/chat_view.cpp", "#include <emscripten.h>", "src/ui must not include a platform header: emscripten"),
    ("src/app/app.hpp", '#include "wasm/web.hpp"', "src/app must not include wasm/"),
    ("src/app/app.hpp", "#include <GLES3/gl3.h>", "src/app must not include a platform header: graphics"),
    ("devserver/server.cpp", '#include "core/engine.hpp"', "devserver/ must not include src/core"),
    ("devserver/server.cpp", '#include "../src/ui/chat_view.hpp"', "devserver/ must not include src/ui"),
    ("devserver/server.cpp", '#include "src/app/app.hpp"', "devserver/ must not include src/app"),
    ("src/core/engine.cpp", '#include "devserver/server.hpp"', "devserver/"),
]


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def run(root):
    p = subprocess.run([sys.executable, SCRIPT, "--root", root], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


class CheckLayers(unittest.TestCase):
    def test_the_clean_fixture_passes(self):
        with tempfile.TemporaryDirectory() as root:
            write_tree(root, CLEAN)
            rc, out, err = run(root)
            self.assertEqual(rc, 0, out + err)
            self.assertIn("no violation", out)

    def test_the_repository_passes(self):
        rc, out, err = run(ROOT)
        self.assertEqual(rc, 0, out + err)

    def test_a_bad_include_fails_the_command_with_its_line(self):
        with tempfile.TemporaryDirectory() as root:
            files = dict(CLEAN)
            files["src/core/engine.cpp"] += "#include <chrono>\n"
            write_tree(root, files)
            rc, out, err = run(root)
            self.assertEqual(rc, 1, out + err)
            self.assertEqual(out.splitlines(), ["src/core/engine.cpp:7: #include <chrono>: src/core must not include a "
                                                "platform header: clocks (time comes in as `now`)"])
            self.assertIn("1 violation(s)", err)

    def test_each_bad_include_fails_with_one_clear_line(self):
        for rel, line, expected in BAD:
            with self.subTest(file=rel, include=line):
                with tempfile.TemporaryDirectory() as root:
                    write_tree(root, CLEAN)
                    path = os.path.join(root, rel)
                    with open(path, encoding="utf-8") as f:
                        before = f.read()
                    with open(path, "a", encoding="utf-8") as f:
                        f.write(line + "\n")
                    lines = check_layers.check(root)
                    self.assertEqual(len(lines), 1, lines)
                    # file:line: the include: the rule
                    number = before.count("\n") + 1
                    self.assertRegex(lines[0], rf"^{re.escape(rel)}:{number}: (#include |__has_include\()[<\"]")
                    self.assertIn(expected, lines[0])

    def test_every_violation_is_reported_not_only_the_first(self):
        with tempfile.TemporaryDirectory() as root:
            files = dict(CLEAN)
            files["src/core/engine.cpp"] += "#include <chrono>\n#include <thread>\n"
            files["devserver/server.cpp"] += '#include "core/engine.hpp"\n'
            write_tree(root, files)
            rc, out, _ = run(root)
            self.assertEqual(rc, 1)
            self.assertEqual(len(out.splitlines()), 3, out)


if __name__ == "__main__":
    unittest.main()
