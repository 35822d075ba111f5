"""The $connect authorizer: API Gateway events in, IAM policies (or the 401 exception) out."""

import json
import logging

import pytest

import app
import token_contract as tc
from conftest import KEY, METHOD_ARN, NOW, SUB, event, make_config, mint

VALID = mint()


def forged(header: dict, payload: dict, key: bytes = KEY, digest: str = "sha256") -> str:
    import hashlib
    import hmac

    signing_input = f"{tc.b64url_encode(tc.canonical_json(header))}.{tc.b64url_encode(tc.canonical_json(payload))}"
    sig = hmac.new(key, signing_input.encode(), getattr(hashlib, digest)).digest()
    return f"{signing_input}.{tc.b64url_encode(sig)}"


CLAIMS = tc.verify(VALID, KEY, NOW).claims.as_dict()
HEADER = {"alg": "HS256", "typ": "JWT"}
h, p, s = VALID.split(".")
NONE_BARE = tc.b64url_encode(b'{"alg":"none"}')
NONE_JWT = tc.b64url_encode(b'{"alg":"none","typ":"JWT"}')

# (case id, token, query user_id, config overrides, expected effect, expected reason in the log)
TABLE = [
    ("valid", VALID, SUB, {}, "Allow", ""),
    ("tampered payload", f"{h}.{tc.b64url_encode(tc.canonical_json({**CLAIMS, 'sub': 'apto-503@torre-a'}))}.{s}",
     "apto-503@torre-a", {}, "Deny", tc.BAD_SIGNATURE),
    ("tampered signature", f"{h}.{p}.{s[:-2]}{'AA' if s[-2:] != 'AA' else 'BA'}", SUB, {}, "Deny", tc.BAD_SIGNATURE),
    ("wrong secret", forged(HEADER, CLAIMS, key=b"k" * 32), SUB, {}, "Deny", tc.BAD_SIGNATURE),
    ("alg none", f"{NONE_BARE}.{p}.", SUB, {}, "Deny", tc.BAD_HEADER),
    ("alg none keeping the signature", f"{NONE_JWT}.{p}.{s}", SUB, {}, "Deny", tc.BAD_HEADER),
    ("alg HS512 signed with the secret", forged({"alg": "HS512", "typ": "JWT"}, CLAIMS, digest="sha512"), SUB, {},
     "Deny", tc.BAD_HEADER),
    ("alg RS256 confusion", forged({"alg": "RS256", "typ": "JWT"}, CLAIMS), SUB, {}, "Deny", tc.BAD_HEADER),
    ("expired", VALID, SUB, {"now": CLAIMS["exp"] + tc.LEEWAY_S}, "Deny", tc.EXPIRED),
    ("expired but inside the leeway", VALID, SUB, {"now": CLAIMS["exp"] + tc.LEEWAY_S - 1}, "Allow", ""),
    ("not yet valid", mint(iat=NOW + 3600, exp=NOW + 7200), SUB, {}, "Deny", tc.NOT_YET_VALID),
    ("revoked", VALID, SUB, {"revoked": ["jti-" + "x" * 20]}, "Deny", app.REVOKED),
    ("another jti revoked", VALID, SUB, {"revoked": ["jti-" + "y" * 20]}, "Allow", ""),
    ("user_id is the neighbour", VALID, "apto-503@torre-a", {}, "Deny", app.USER_MISMATCH),
    ("user_id without the building", VALID, "apto-502", {}, "Deny", app.USER_MISMATCH),
    ("user_id absent", VALID, None, {}, "Allow", ""),
    ("oversize", VALID + "A" * tc.MAX_TOKEN_BYTES, SUB, {}, "Deny", tc.OVERSIZE),
    ("malformed: one segment", "not-a-token", SUB, {}, "Deny", tc.MALFORMED),
    ("malformed: padding", VALID + "=", SUB, {}, "Deny", tc.MALFORMED),
    ("malformed: header not JSON", f"{tc.b64url_encode(b'HS256')}.{p}.{s}", SUB, {}, "Deny", tc.MALFORMED),
    ("claims: exp as a string", forged(HEADER, {**CLAIMS, "exp": str(CLAIMS["exp"])}), SUB, {}, "Deny",
     tc.BAD_CLAIMS),
    ("claims: jti missing", forged(HEADER, {k: v for k, v in CLAIMS.items() if k != "jti"}), SUB, {}, "Deny",
     tc.BAD_CLAIMS),
    ("claims: sub without building", forged(HEADER, {**CLAIMS, "sub": "apto-502"}), "apto-502", {}, "Deny",
     tc.BAD_CLAIMS),
    ("origin allowed", VALID, SUB, {"origins": ["https://chat.example"], "origin": "https://chat.example"},
     "Allow", ""),
    ("origin refused", VALID, SUB, {"origins": ["https://chat.example"], "origin": "https://evil.example"},
     "Deny", app.ORIGIN_REFUSED),
    ("origin missing", VALID, SUB, {"origins": ["https://chat.example"]}, "Deny", app.ORIGIN_REFUSED),
]


@pytest.mark.parametrize("case,token,user_id,opts,effect,reason", TABLE, ids=[row[0] for row in TABLE])
def test_decision_table(case, token, user_id, opts, effect, reason, caplog):
    config = make_config(revoked=opts.get("revoked", ()), origins=opts.get("origins", ()),
                         now=opts.get("now", NOW))
    with caplog.at_level(logging.INFO, logger="bos.authorizer"):
        answer = app.authorize(event(token, user_id, origin=opts.get("origin")), config)
    statement = answer["policyDocument"]["Statement"]
    assert statement == [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": METHOD_ARN}]
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "bos.authorizer"]
    assert len(records) == 1 and records[0]["decision"] == effect and records[0]["reason"] == reason
    # The token is a bearer credential: it never reaches a log line, in whole or as its signature.
    assert all(token.split(".")[-1] not in r.getMessage() for r in caplog.records if token.split(".")[-1])
    if effect == "Allow":
        assert answer["principalId"] == SUB
        assert answer["context"] == {"userId": SUB, "building": "torre-a", "name": "Apto 502",
                                     "jti": "jti-" + "x" * 20, "expiresAt": CLAIMS["exp"]}
        assert all(isinstance(v, (str, int)) for v in answer["context"].values())  # API Gateway's rule
    else:
        assert "context" not in answer and answer["principalId"] == "unauthorized"


@pytest.mark.parametrize("token", [None, ""], ids=["absent", "empty"])
def test_no_token_is_unauthorized_401(token):
    with pytest.raises(app.Unauthorized) as info:
        app.authorize(event(token), make_config())
    assert str(info.value) == "Unauthorized"


def test_lambda_handler_raises_the_documented_exception(monkeypatch, secret_file, tmp_path):
    revoked = tmp_path / "revoked"
    revoked.write_text("")
    monkeypatch.setattr(app, "_config", None)
    monkeypatch.setattr(app, "_config_error", None)
    monkeypatch.setenv("BOS_AUTH_SECRET_FILE", secret_file)
    monkeypatch.setenv("BOS_AUTH_REVOKED_FILE", str(revoked))
    with pytest.raises(Exception) as info:
        app.lambda_handler(event(None), None)
    assert type(info.value) is Exception and str(info.value) == "Unauthorized"  # API Gateway -> 401


def test_lambda_handler_allows_with_env_config_and_sees_revocations_at_once(monkeypatch, secret_file, tmp_path):
    revoked = tmp_path / "revoked"
    revoked.write_text("some-other-jti-000000000000\n")
    monkeypatch.setattr(app, "_config", None)
    monkeypatch.setattr(app, "_config_error", None)
    monkeypatch.setenv("BOS_AUTH_SECRET_FILE", secret_file)
    monkeypatch.setenv("BOS_AUTH_REVOKED_FILE", str(revoked))
    token, claims = tc.mint(KEY, resident="apto-502", building="torre-a", name="Apto 502",
                            iat=int(__import__("time").time()), exp=int(__import__("time").time()) + 86400)
    assert app.lambda_handler(event(token), None)["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    with open(revoked, "a") as f:
        f.write(claims.jti + "\n")
    assert app.lambda_handler(event(token), None)["policyDocument"]["Statement"][0]["Effect"] == "Deny"


@pytest.mark.parametrize("env,why", [
    ({}, "BOS_AUTH_SECRET_FILE"),
    ({"BOS_AUTH_SECRET_FILE": "/nonexistent/secret", "BOS_AUTH_REVOKED_FILE": "/tmp/x"}, "does not exist"),
    ({"BOS_AUTH_SECRET_FILE": "SECRET"}, "BOS_AUTH_REVOKED_TABLE"),
    ({"BOS_AUTH_SECRET_FILE": "SECRET", "BOS_AUTH_REVOKED_FILE": "/tmp/x", "BOS_AUTH_REVOKED_TABLE": "t"},
     "exactly one"),
    ({"BOS_AUTH_SECRET_FILE": "SECRET", "BOS_AUTH_REVOKED_FILE": "/tmp/x",
      "BOS_ALLOWED_ORIGINS": "https://chat.example/"}, "not an origin"),
], ids=["nothing", "missing secret file", "no revocation store", "two revocation stores", "bad origin"])
def test_a_configuration_error_denies_every_connection(env, why, monkeypatch, secret_file, caplog):
    for name in ("BOS_AUTH_SECRET_FILE", "BOS_AUTH_SECRET_ID", "BOS_AUTH_SECRET_PARAMETER",
                 "BOS_AUTH_REVOKED_TABLE", "BOS_AUTH_REVOKED_FILE", "BOS_ALLOWED_ORIGINS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, secret_file if value == "SECRET" else value)
    monkeypatch.setattr(app, "_config", None)
    monkeypatch.setattr(app, "_config_error", None)
    with caplog.at_level(logging.INFO, logger="bos.authorizer"):
        for _ in range(2):
            answer = app.lambda_handler(event(VALID), None)
            assert answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and why in errors[0]  # logged once per cold start, saying what is wrong


def test_a_bug_inside_authorize_denies(monkeypatch):
    monkeypatch.setattr(app, "_config", make_config())
    monkeypatch.setattr(app, "authorize", lambda e, c: 1 / 0)
    answer = app.lambda_handler(event(VALID), None)
    assert answer["policyDocument"]["Statement"][0] == {"Action": "execute-api:Invoke", "Effect": "Deny",
                                                        "Resource": METHOD_ARN}


def test_a_failing_revocation_store_denies():
    class Broken:
        def is_revoked(self, jti):
            raise TimeoutError("DynamoDB did not answer")

    answer = app.authorize(event(VALID), make_config(store=Broken()))
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def test_only_the_connect_route_is_authorized():
    arn = METHOD_ARN.replace("$connect", "sendMessage")
    answer = app.authorize(event(VALID, method_arn=arn), make_config())
    assert answer["policyDocument"]["Statement"][0] == {"Action": "execute-api:Invoke", "Effect": "Deny",
                                                        "Resource": arn}


@pytest.mark.parametrize("name", ["token", "user_id"])
def test_a_parameter_given_twice_is_denied(name):
    values = {"token": [VALID, mint(resident="apto-503")], "user_id": [SUB, "apto-503@torre-a"]}[name]
    multi = {"token": [VALID], "user_id": [SUB], "session_id": ["s"], name: values}
    answer = app.authorize(event(VALID, multi=multi), make_config())
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def test_origin_header_name_is_case_insensitive():
    ev = event(VALID)
    ev["headers"]["origin"] = "https://chat.example"
    answer = app.authorize(ev, make_config(origins=["https://chat.example"]))
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"


@pytest.mark.parametrize("bad_event", [None, [], "x", {"queryStringParameters": "token=x"}],
                         ids=["None", "list", "string", "query not an object"])
def test_a_malformed_event_is_unauthorized_not_a_crash(bad_event):
    with pytest.raises(app.Unauthorized):
        app.authorize(bad_event, make_config())


def test_boto3_is_not_needed_by_the_tests():
    import sys

    assert "boto3" not in sys.modules
