"""The known-answer vectors (tests/fixtures/auth/token-vectors.json), which the dev server's C++
verifier checks too: every vector through the real authorizer, every mintable one re-minted, every
secret through the key rule, and the file itself reproducible from its generator."""

import hashlib
import hmac
import json
import os

import pytest

import app
import make_vectors
import revocation
import token_contract as tc
from conftest import METHOD_ARN, REPO_ROOT, event

FIXTURE = os.path.join(REPO_ROOT, "tests", "fixtures", "auth", "token-vectors.json")
with open(FIXTURE, encoding="utf-8") as f:
    DOC = json.load(f)
SECRETS = {s["id"]: s for s in DOC["secrets"]}


def key_of(secret_id):
    return bytes.fromhex(SECRETS[secret_id]["key_hex"])


def test_the_fixture_is_what_the_generator_writes():
    with open(FIXTURE, encoding="utf-8") as f:
        assert f.read() == make_vectors.build(), "run backend/authorizer/make_vectors.py"


def test_the_fixture_covers_every_outcome():
    outcomes = {(v["expect"], v["status"], v.get("reason", "")) for v in DOC["tokens"]}
    reasons = {reason for _, _, reason in outcomes}
    assert {tc.MISSING, tc.OVERSIZE, tc.MALFORMED, tc.BAD_HEADER, tc.BAD_SIGNATURE, tc.BAD_CLAIMS,
            tc.EXPIRED, tc.NOT_YET_VALID, app.REVOKED, app.USER_MISMATCH} <= reasons
    assert ("allow", 101, "") in outcomes and ("allow", 400, "") in outcomes and len(DOC["tokens"]) >= 60


@pytest.mark.parametrize("vector", DOC["tokens"], ids=[v["id"] for v in DOC["tokens"]])
def test_vector_through_the_authorizer(vector):
    config = app.Config(key=key_of(vector["secret"]),
                        store=revocation.MemoryRevocationStore(vector["revoked_jtis"]),
                        clock=lambda: vector["now"])
    ev = event(vector["token"], vector["query_user_id"])
    if vector["status"] == 401:
        with pytest.raises(app.Unauthorized):
            app.authorize(ev, config)
        return
    answer = app.authorize(ev, config)
    effect = answer["policyDocument"]["Statement"][0]["Effect"]
    assert answer["policyDocument"]["Statement"][0]["Resource"] == METHOD_ARN
    if vector["expect"] == "allow":
        assert effect == "Allow"
        assert vector["status"] == (101 if vector["query_user_id"] is not None else 400)
        assert answer["context"]["userId"] == vector["claims"]["sub"]
        assert answer["context"]["name"] == vector["claims"]["name"]
    else:
        assert vector["status"] == 403 and effect == "Deny"
        verdict = tc.verify(vector["token"], config.key, vector["now"])
        assert (verdict.reason if not verdict.ok else
                ("revoked" if verdict.claims.jti in vector["revoked_jtis"] else "user_mismatch")) == vector["reason"]


MINTABLE = [v for v in DOC["tokens"] if "mint_claims" in v]


@pytest.mark.parametrize("vector", MINTABLE, ids=[v["id"] for v in MINTABLE])
def test_minting_the_claims_gives_the_exact_token(vector):
    assert tc.mint_claims(key_of(vector["secret"]), vector["mint_claims"]) == vector["token"]
    # And independently of PyJWT: HMAC-SHA256 over the canonical header and claim bytes.
    head = tc.b64url_encode(b'{"alg":"HS256","typ":"JWT"}')
    body = tc.b64url_encode(json.dumps(vector["mint_claims"], ensure_ascii=False, sort_keys=True,
                                       separators=(",", ":")).encode("utf-8"))
    sig = hmac.new(key_of(vector["secret"]), f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert f"{head}.{body}.{tc.b64url_encode(sig)}" == vector["token"]


@pytest.mark.parametrize("secret", DOC["secrets"], ids=[s["id"] for s in DOC["secrets"]])
def test_secret_vector(secret):
    data = bytes.fromhex(secret["file_hex"])
    if secret["accepted"]:
        assert tc.key_from_secret_bytes(data).hex() == secret["key_hex"]
    else:
        with pytest.raises(tc.SecretError):
            tc.key_from_secret_bytes(data)
