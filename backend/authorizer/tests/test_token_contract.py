"""The token contract's pieces: ids, names, base64url, the secret rule, minting."""

import pytest

import token_contract as tc
from conftest import KEY, NOW


@pytest.mark.parametrize("value,ok", [
    ("apto-502", True), ("torre-a", True), ("A.b_c+d-9", True), ("x" * 64, True),
    ("", False), ("x" * 65, False), ("apto 502", False), ("apto@502", False), ("apto/502", False),
    ("apto-５０２", False), ("apto-502\n", False), (None, False), (502, False),
])
def test_id_rule(value, ok):
    assert (tc.id_problem(value, "resident") is None) is ok


@pytest.mark.parametrize("value,ok", [
    ("Apto 502", True), ("Cobertura Sênior – Bloco B", True), ("👩‍👩‍👧 Família 1201", True), ("Ç" * 64, True),
    ("", False), ("   ", False), ("Ç" * 65, False), ("Apto\t502", False), ("Apto\u0085502", False),
    ("Apto \u202e205", False), ("Apto \u2066x\u2069", False), ("Apto\u2028502", False), ("\u200fApto", False),
    (None, False),
])
def test_name_rule(value, ok):
    assert (tc.name_problem(value) is None) is ok


@pytest.mark.parametrize("data", [b"", b"\x00", b"\xff\xfe", bytes(range(32)), b"\xfb\xff"])
def test_base64url_round_trip(data):
    assert tc.b64url_decode_canonical(tc.b64url_encode(data)) == data


@pytest.mark.parametrize("segment", ["A", "AB=", "AB+/", "A B", "AQ", "_w", "AAB"])
def test_base64url_refuses_padding_other_alphabets_and_noncanonical_bits(segment):
    # "AQ" is canonical for b"\x01"; "AB" would be the non-canonical spelling; "_w" is canonical 0xff.
    decoded = tc.b64url_decode_canonical(segment)
    if segment in ("AQ", "_w"):
        assert decoded is not None
    else:
        assert decoded is None


def test_non_canonical_spelling_of_the_same_byte_is_refused():
    assert tc.b64url_decode_canonical("AQ") == b"\x01"
    assert tc.b64url_decode_canonical("AR") is None  # same byte, a spare bit set


@pytest.mark.parametrize("data,key", [
    (b"a" * 32, b"a" * 32), (b"a" * 32 + b"\n", b"a" * 32), (b"a" * 32 + b"\n\n", b"a" * 32 + b"\n"),
    (b"a" * 32 + b"\r\n", b"a" * 32 + b"\r"), (b"\x00" * 40, b"\x00" * 40),
])
def test_secret_rule_accepts(data, key):
    assert tc.key_from_secret_bytes(data) == key


@pytest.mark.parametrize("data", [b"", b"\n", b"a" * 31, b"a" * 31 + b"\n", b"a" * 5000,
                                  b"-----BEGIN PUBLIC KEY-----\n" + b"M" * 64 + b"\n-----END PUBLIC KEY-----\n",
                                  b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG3cmoBvfoxzzlcm8kyg user@host\n"])
def test_secret_rule_refuses(data):
    with pytest.raises(tc.SecretError) as info:
        tc.key_from_secret_bytes(data, "the secret file /x")
    assert "/x" in str(info.value)


def test_mint_writes_the_contract_header_and_sorted_claims():
    token, claims = tc.mint(KEY, resident="apto-502", building="torre-a", name="Apto 502", iat=NOW,
                            exp=NOW + 86400)
    head, body, sig = token.split(".")
    assert tc.b64url_decode_canonical(head) == b'{"alg":"HS256","typ":"JWT"}'
    assert tc.b64url_decode_canonical(body) == (
        '{"bld":"torre-a","exp":%d,"iat":%d,"jti":"%s","name":"Apto 502","sub":"apto-502@torre-a"}'
        % (NOW + 86400, NOW, claims.jti)).encode()
    assert len(tc.b64url_decode_canonical(sig)) == 32
    assert claims.sub == "apto-502@torre-a" and claims.resident == "apto-502"


def test_jtis_are_random_and_url_safe():
    jtis = {tc.new_jti() for _ in range(200)}
    assert len(jtis) == 200
    assert all(len(j) >= tc.MIN_JTI_CHARS and tc._JTI_RE.fullmatch(j) for j in jtis)


@pytest.mark.parametrize("overrides,message", [
    ({"resident": "apto 502"}, "resident must be"),
    ({"building": ""}, "building must be"),
    ({"name": "x" * 65}, "at most 64"),
    ({"exp": NOW}, "exp must be after iat"),
    ({"exp": NOW + tc.MAX_LIFETIME_S + 1}, "lifetime over 400 days"),
    ({"jti": "short"}, "jti must be"),
])
def test_mint_refuses_bad_input_with_a_clear_message(overrides, message):
    fields = dict(resident="apto-502", building="torre-a", name="Apto 502", iat=NOW, exp=NOW + 86400)
    fields.update(overrides)
    with pytest.raises(ValueError) as info:
        tc.mint(KEY, **fields)
    assert message in str(info.value)


def test_verify_gives_the_claims_of_a_minted_token():
    token, claims = tc.mint(KEY, resident="apto-502", building="torre-a", name="Apto 502", iat=NOW,
                            exp=NOW + 86400)
    verdict = tc.verify(token, KEY, NOW)
    assert verdict.ok and verdict.claims == claims and verdict.reason == ""


@pytest.mark.parametrize("token", [None, 5, b"bytes", ["a"]], ids=["None", "int", "bytes", "list"])
def test_verify_refuses_non_strings_as_missing(token):
    assert tc.verify(token, KEY, NOW).reason == tc.MISSING


def test_verify_handles_hostile_sizes_quickly():
    import time

    t0 = time.monotonic()
    for token in ["a" * 10_000_000, "." * 5000, "\ud800" * 100, "a." * 1000]:
        assert not tc.verify(token, KEY, NOW).ok
    assert time.monotonic() - t0 < 2  # bounded work, size checked before anything is decoded


def test_deeply_nested_json_is_refused_not_a_crash():
    payload = b"[" * 500 + b"]" * 500
    head = tc.b64url_encode(b'{"alg":"HS256","typ":"JWT"}')
    import hashlib
    import hmac

    body = tc.b64url_encode(payload)
    sig = tc.b64url_encode(hmac.new(KEY, f"{head}.{body}".encode(), hashlib.sha256).digest())
    verdict = tc.verify(f"{head}.{body}.{sig}", KEY, NOW)
    assert verdict.reason in (tc.BAD_CLAIMS, tc.OVERSIZE)
