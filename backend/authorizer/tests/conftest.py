"""Shared helpers for the authorizer's tests: no network, no boto3, a fixed clock."""

import os
import sys

import pytest

AUTHORIZER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(os.path.dirname(AUTHORIZER_DIR))
sys.path.insert(0, AUTHORIZER_DIR)

import app  # noqa: E402
import revocation  # noqa: E402
import token_contract as tc  # noqa: E402

NOW = 1767225600  # 2026-01-01T00:00:00Z
SECRET_FILE_BYTES = b"pytest-secret-NOT-FOR-PRODUCTION-0123456789abcdefgh\n"
KEY = tc.key_from_secret_bytes(SECRET_FILE_BYTES)
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/$connect"
SUB = "apto-502@torre-a"


def mint(**overrides):
    """A token for apto-502@torre-a issued an hour before NOW, valid 90 days, unless overridden."""
    fields = dict(resident="apto-502", building="torre-a", name="Apto 502", iat=NOW - 3600,
                  exp=NOW - 3600 + 90 * 86400, jti="jti-" + "x" * 20)
    fields.update(overrides)
    token, _ = tc.mint(KEY, **fields)
    return token


def event(token=None, user_id=SUB, *, origin=None, method_arn=METHOD_ARN, extra_query=None,
          multi=None):
    """A REQUEST authorizer event shaped like API Gateway's for a WebSocket $connect."""
    query = {}
    if token is not None:
        query["token"] = token
    if user_id is not None:
        query["user_id"] = user_id
    query["session_id"] = "web-session-1"
    query.update(extra_query or {})
    headers = {"Host": "abcdef123.execute-api.us-east-1.amazonaws.com", "Sec-WebSocket-Version": "13"}
    if origin is not None:
        headers["Origin"] = origin
    return {
        "type": "REQUEST",
        "methodArn": method_arn,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi or {k: [v] for k, v in query.items()},
        "stageVariables": {},
        "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "stage": "prod",
                           "connectionId": "R0oXAdfD0kwCH6w=", "requestId": "XDmGEE2RoE0FRdQ=",
                           "apiId": "abcdef123"},
    }


def make_config(revoked=(), origins=(), now=NOW, store=None):
    return app.Config(key=KEY, store=store or revocation.MemoryRevocationStore(revoked),
                      allowed_origins=frozenset(origins), clock=lambda: now)


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "auth-secret"
    path.write_bytes(SECRET_FILE_BYTES)
    path.chmod(0o600)
    return str(path)
