"""scripts/resident-link: end to end as a separate process (the way an administrator runs it), and
its argument and secret checks in-process (one process per row would cost seconds on a busy machine)."""

import importlib.machinery
import importlib.util
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

import app
import token_contract as tc
from conftest import KEY, REPO_ROOT, SECRET_FILE_BYTES, event, make_config

SCRIPT = os.path.join(REPO_ROOT, "scripts", "resident-link")
GOOD = ["--resident", "apto-502", "--building", "torre-a", "--name", "Apto 502", "--days", "90", "--env", "dev"]

_loader = importlib.machinery.SourceFileLoader("resident_link", SCRIPT)
_spec = importlib.util.spec_from_loader("resident_link", _loader)
resident_link = importlib.util.module_from_spec(_spec)
_loader.exec_module(resident_link)


def run(args, secret_file=None, env_extra=None, cwd=None):
    """The script as its own process."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    if secret_file is not None:
        env["BOS_AUTH_SECRET_FILE"] = secret_file
    env.update(env_extra or {})
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, timeout=60, cwd=cwd)


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr

    def __repr__(self):
        return f"Result({self.returncode}, {self.stdout!r}, {self.stderr!r})"


@pytest.fixture
def call(monkeypatch, capsys):
    """The script's main() in this process, with its own environment."""
    def invoke(args, secret_file=None, env_extra=None):
        monkeypatch.delenv("BOS_AUTH_SECRET_FILE", raising=False)
        if secret_file is not None:
            monkeypatch.setenv("BOS_AUTH_SECRET_FILE", secret_file)
        for name, value in (env_extra or {}).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        try:
            code = resident_link.main(list(args))
        except SystemExit as e:
            code = e.code
        out, err = capsys.readouterr()
        return Result(code, out, err)
    return invoke


def token_of(link):
    match = re.fullmatch(r"(.*)/#t=([A-Za-z0-9_.-]+)", link)
    assert match, link
    return match.group(1), match.group(2)


def test_mints_a_link_the_authorizer_accepts(secret_file):
    t0 = int(time.time())
    result = run(GOOD + ["--base-url", "http://127.0.0.1:3001"], secret_file)
    t1 = int(time.time())
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and result.stdout.endswith("\n")  # only the link
    base, token = token_of(result.stdout.strip())
    assert base == "http://127.0.0.1:3001"
    verdict = tc.verify(token, KEY, time.time())
    assert verdict.ok
    claims = verdict.claims
    assert (claims.sub, claims.bld, claims.name) == ("apto-502@torre-a", "torre-a", "Apto 502")
    assert t0 <= claims.iat <= t1 and claims.exp - claims.iat == 90 * 86400
    # The log on stderr carries what revoking the link needs, and never the token or the secret.
    assert f"jti={claims.jti}" in result.stderr and "sub=apto-502@torre-a" in result.stderr
    assert f"exp={claims.exp}" in result.stderr
    assert token not in result.stderr and SECRET_FILE_BYTES.strip().decode() not in result.stderr + result.stdout
    answer = app.authorize(event(token, claims.sub), make_config(now=time.time()))
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert answer["context"]["userId"] == "apto-502@torre-a"


def test_the_environment_gives_the_base_url(secret_file, call):
    result = call(GOOD, secret_file)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("https://buildingos-dev.yourdomain.com/#t=")


def test_each_link_has_its_own_jti(secret_file, call):
    links = [call(GOOD, secret_file).stdout.strip() for _ in range(2)]
    jtis = {tc.verify(token_of(link)[1], KEY, time.time()).claims.jti for link in links}
    assert len(jtis) == 2


def test_a_unicode_name_and_surrounding_spaces(secret_file, call):
    result = call(["--resident", "cob-1", "--building", "torre-b", "--name", "  Cobertura Sênior 🏢 ",
                  "--days", "400", "--env", "prod"], secret_file)
    assert result.returncode == 0, result.stderr
    claims = tc.verify(token_of(result.stdout.strip())[1], KEY, time.time()).claims
    assert claims.name == "Cobertura Sênior 🏢" and claims.exp - claims.iat == 400 * 86400


def test_qr_svg_is_qrencodes_drawing_of_exactly_the_printed_link(secret_file, tmp_path):
    (tmp_path / "qr").mkdir()
    out = tmp_path / "qr" / "apto-502.svg"
    result = run(GOOD + ["--qr", str(out)], secret_file)
    assert result.returncode == 0, result.stderr
    link = result.stdout.strip()
    svg = out.read_bytes()
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert b"Created with qrencode" in svg and root.find(".//{http://www.w3.org/2000/svg}path") is not None
    # No QR decoder here (zbar is not installed): qrencode is deterministic, so the same input gives
    # the same drawing and another input another one.
    def draw(text):
        return subprocess.run(["qrencode", "-t", "SVG", "-l", "M", "-s", "8", "-m", "4", "--svg-path", "-o", "-"],
                              input=text.encode(), capture_output=True, check=True).stdout
    assert draw(link) == svg
    assert draw(link[:-1]) != svg
    assert [p.name for p in (tmp_path / "qr").iterdir()] == ["apto-502.svg"]  # no temporary file left


def test_without_qrencode_nothing_is_printed_and_no_file_is_left(secret_file, tmp_path, call):
    (tmp_path / "qr").mkdir()
    out = tmp_path / "qr" / "qr.svg"
    result = call(GOOD + ["--qr", str(out)], secret_file, env_extra={"PATH": str(tmp_path / "qr")})
    assert result.returncode == 1
    assert result.stdout == "" and "qrencode is not installed" in result.stderr
    assert list((tmp_path / "qr").iterdir()) == []


BAD_ARGS = [
    ("resident with a space", {"--resident": "apto 502"}, "--resident must be"),
    ("resident empty", {"--resident": ""}, "--resident must be"),
    ("resident 65 characters", {"--resident": "a" * 65}, "--resident must be"),
    ("building with @", {"--building": "torre@a"}, "--building must be"),
    ("building non-ASCII", {"--building": "tôrre"}, "--building must be"),
    ("days 0", {"--days": "0"}, "--days must be"),
    ("days 401", {"--days": "401"}, "--days must be"),
    ("days not a number", {"--days": "ninety"}, "--days must be"),
    ("days with a sign", {"--days": "+5"}, "--days must be"),
    ("days in Arabic digits", {"--days": "٩٠"}, "--days must be"),
    ("days fractional", {"--days": "1.5"}, "--days must be"),
    ("name 65 characters", {"--name": "x" * 65}, "at most 64"),
    ("name empty", {"--name": "  "}, "must not be empty"),
    ("name with a control character", {"--name": "Apto\a502"}, "control or bidi"),
    ("name with a newline", {"--name": "Apto 502\n"}, "control or bidi"),
    ("name with a bidi override", {"--name": "Apto \u202e205"}, "control or bidi"),
    ("unknown environment", {"--env": "qa"}, "not in deploy/environments.json"),
    ("base url not http", {"--base-url": "ftp://chat.example"}, "must start with https://"),
    ("base url http outside loopback", {"--base-url": "http://chat.example"}, "only allowed for 127.0.0.1"),
    ("base url with userinfo", {"--base-url": "https://buildingos.com.br@evil.example"}, "user name or password"),
    ("base url with a query", {"--base-url": "https://chat.example/?x=1"}, "query"),
    ("base url with a fragment", {"--base-url": "https://chat.example/#t=old"}, "fragment"),
    ("base url with a space", {"--base-url": "https://chat.example/a b"}, "spaces"),
    ("base url non-ASCII host", {"--base-url": "https://bùildingos.example"}, "punycode"),
    ("base url no host", {"--base-url": "https://"}, "has no host"),
    ("base url bad port", {"--base-url": "https://chat.example:99999"}, "not a URL"),
    ("qr not svg", {"--qr": "out.png"}, "--qr must name a .svg file"),
    ("qr in a missing directory", {"--qr": "/nonexistent-dir/out.svg"}, "does not exist"),
]


@pytest.mark.parametrize("case,changes,message", BAD_ARGS, ids=[row[0] for row in BAD_ARGS])
def test_bad_arguments_exit_2_with_a_clear_message(case, changes, message, secret_file, call):
    args = list(GOOD)
    for flag, value in changes.items():
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    result = call(args, secret_file)
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert message in result.stderr


@pytest.mark.parametrize("args,message", [
    (GOOD + ["--secret", "hunter2"], "unrecognized arguments"),
    (GOOD[:-2], "the following arguments are required: --env"),
    (["--res", "apto-502"] + GOOD[2:], "required: --resident"),
], ids=["a secret argument", "missing --env", "abbreviated option"])
def test_argument_syntax_errors_exit_2(args, message, secret_file, call):
    result = call(args, secret_file)
    assert result.returncode == 2 and result.stdout == "" and message in result.stderr


@pytest.mark.parametrize("case", ["unset", "missing file", "short", "empty"])
def test_secret_problems_exit_2(case, tmp_path, call):
    path = tmp_path / "secret"
    if case == "short":
        path.write_bytes(b"x" * 31 + b"\n")
    elif case == "empty":
        path.write_bytes(b"")
    result = call(GOOD, None if case == "unset" else str(path))
    assert result.returncode == 2 and result.stdout == ""
    expected = {"unset": "BOS_AUTH_SECRET_FILE is not set", "missing file": "does not exist",
                "short": "at least 32", "empty": "at least 32"}[case]
    assert expected in result.stderr


def test_a_readable_secret_file_is_warned_about(secret_file, call):
    os.chmod(secret_file, 0o644)
    result = call(GOOD, secret_file)
    assert result.returncode == 0 and "readable by other users" in result.stderr


def test_help_names_the_secret_variable(call):
    result = call(["--help"])
    assert result.returncode == 0 and "BOS_AUTH_SECRET_FILE" in result.stdout and "--qr" in result.stdout


def test_works_from_another_directory_and_through_a_symlink(secret_file, tmp_path):
    link = tmp_path / "mint"
    link.symlink_to(SCRIPT)
    result = subprocess.run([str(link), *GOOD], capture_output=True, text=True, cwd=str(tmp_path),
                            env={"PATH": "/usr/bin:/bin", "BOS_AUTH_SECRET_FILE": secret_file}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert shutil.which("qrencode")  # the bootstrap installs it; the QR tests above rely on it
