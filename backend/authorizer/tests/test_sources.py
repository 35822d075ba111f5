"""Where the secret and the revoked jtis come from: files, and AWS through injected fake clients
(the request each production call makes is asserted; boto3 is never imported)."""

import os

import pytest

import app
import revocation
import secret_source
import token_contract as tc
from conftest import KEY, SECRET_FILE_BYTES


# --- secret ------------------------------------------------------------------------------------------
def test_secret_file_gives_the_key(secret_file):
    assert secret_source.read_secret_file(secret_file) == KEY == SECRET_FILE_BYTES[:-1]


@pytest.mark.parametrize("kind,message", [
    ("missing", "does not exist"), ("directory", "is a directory"), ("short", "at least 32"),
    ("empty-path", "path is empty"),
])
def test_secret_file_problems_are_clear(kind, message, tmp_path):
    path = {"missing": str(tmp_path / "nope"), "directory": str(tmp_path), "empty-path": ""}.get(kind)
    if kind == "short":
        path = str(tmp_path / "short")
        with open(path, "wb") as f:
            f.write(b"too-short-secret\n")
    with pytest.raises(tc.SecretError) as info:
        secret_source.read_secret_file(path)
    assert message in str(info.value)
    assert "too-short-secret" not in str(info.value)  # never echo the secret


class FakeAws:
    def __init__(self, **answers):
        self.answers = answers
        self.calls = []

    def __call__(self, service):
        self.service = service
        return self

    def get_secret_value(self, **kwargs):
        self.calls.append(("get_secret_value", kwargs))
        return self.answers["secret"]

    def get_parameter(self, **kwargs):
        self.calls.append(("get_parameter", kwargs))
        return {"Parameter": {"Value": self.answers["parameter"]}}

    def get_item(self, **kwargs):
        self.calls.append(("get_item", kwargs))
        return {"Item": {"Jti": kwargs["Key"]["Jti"]}} if kwargs["Key"]["Jti"]["S"] in self.answers.get(
            "revoked", ()) else {}


@pytest.mark.parametrize("answer,key", [
    ({"SecretBinary": b"b" * 40 + b"\n"}, b"b" * 40),
    ({"SecretString": "s" * 40 + "\n"}, b"s" * 40),
    ({"SecretString": "ç" * 20}, "ç".encode() * 20),
])
def test_secrets_manager(answer, key):
    fake = FakeAws(secret=answer)
    assert secret_source.load_key({"BOS_AUTH_SECRET_ID": "bos/auth/prod"}, fake) == key
    assert fake.service == "secretsmanager"
    assert fake.calls == [("get_secret_value", {"SecretId": "bos/auth/prod"})]


def test_secrets_manager_short_secret_is_refused():
    with pytest.raises(tc.SecretError):
        secret_source.load_key({"BOS_AUTH_SECRET_ID": "x"}, FakeAws(secret={"SecretString": "short"}))


def test_ssm_parameter():
    fake = FakeAws(parameter="p" * 48)
    assert secret_source.load_key({"BOS_AUTH_SECRET_PARAMETER": "/bos/prod/auth-secret"}, fake) == b"p" * 48
    assert fake.service == "ssm"
    assert fake.calls == [("get_parameter", {"Name": "/bos/prod/auth-secret", "WithDecryption": True})]


@pytest.mark.parametrize("env", [{}, {"BOS_AUTH_SECRET_FILE": "a", "BOS_AUTH_SECRET_ID": "b"}])
def test_exactly_one_secret_source(env):
    with pytest.raises(tc.SecretError) as info:
        secret_source.load_key(env, FakeAws())
    assert "exactly one" in str(info.value)


def test_resident_link_secret_comes_only_from_the_environment(secret_file):
    assert secret_source.secret_file_from_environment({"BOS_AUTH_SECRET_FILE": secret_file}) == KEY
    with pytest.raises(tc.SecretError) as info:
        secret_source.secret_file_from_environment({})
    assert "BOS_AUTH_SECRET_FILE is not set" in str(info.value)


# --- revocation --------------------------------------------------------------------------------------
def test_memory_store():
    store = revocation.MemoryRevocationStore(["a" * 22])
    assert store.is_revoked("a" * 22) and not store.is_revoked("b" * 22)
    store.revoke("b" * 22)
    assert store.is_revoked("b" * 22)


def test_file_store_reads_one_jti_per_line_and_notices_changes(tmp_path):
    path = tmp_path / "revoked"
    path.write_text("  first-jti-000000000000  \n\n")
    store = revocation.FileRevocationStore(str(path))
    assert store.is_revoked("first-jti-000000000000") and not store.is_revoked("second-jti-00000000000")
    with open(path, "a") as f:
        f.write("second-jti-00000000000\n")
    assert store.is_revoked("second-jti-00000000000")


def test_file_store_missing_file_raises_so_the_authorizer_fails_closed(tmp_path):
    store = revocation.FileRevocationStore(str(tmp_path / "gone"))
    with pytest.raises(OSError):
        store.is_revoked("x" * 22)


def test_dynamodb_store_request_shape():
    fake = FakeAws(revoked={"revoked-jti-000000000000"})
    store = revocation.DynamoDbRevocationStore("bos-revoked-tokens-prod", fake)
    assert store.is_revoked("revoked-jti-000000000000")
    assert not store.is_revoked("fine-jti-0000000000000")
    assert fake.calls[0] == ("get_item", {"TableName": "bos-revoked-tokens-prod",
                                          "Key": {"Jti": {"S": "revoked-jti-000000000000"}},
                                          "ConsistentRead": True, "ProjectionExpression": "Jti"})


def test_config_from_env_with_aws_sources_uses_the_injected_clients():
    fake = FakeAws(secret={"SecretString": "z" * 40}, revoked={"r" * 22})
    config = app.config_from_env({"BOS_AUTH_SECRET_ID": "arn:aws:secretsmanager:us-east-1:1:secret:bos",
                                  "BOS_AUTH_REVOKED_TABLE": "bos-revoked-tokens-prod",
                                  "BOS_ALLOWED_ORIGINS": "https://a.example, https://b.example"}, fake)
    assert config.key == b"z" * 40
    assert config.store.is_revoked("r" * 22)
    assert config.allowed_origins == frozenset({"https://a.example", "https://b.example"})


def test_importing_the_lambda_does_not_import_boto3():
    import subprocess
    import sys

    code = ("import sys; sys.path.insert(0, %r); import app, revocation, secret_source; "
            "print('boto3' in sys.modules)" % os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
