#!/usr/bin/python3
"""Writes the known-answer vectors of the resident token contract:
tests/fixtures/auth/token-vectors.json. The Python authorizer's tests and the dev server's C++
verifier both check every vector, so the two implementations accept and refuse the same tokens.

  backend/authorizer/make_vectors.py            rewrite the fixture
  backend/authorizer/make_vectors.py --check    exit 1 if the fixture differs from a fresh run

Deterministic: fixed secrets, times and jtis (HS256 signatures are deterministic), so a fresh run
reproduces the committed file byte for byte (the tests check that too).

Index:
  [SECTION] Fixed inputs      secrets, times, the jti
  [SECTION] Token builders    raw signing, segment surgery
  [SECTION] Secret vectors    the key rule
  [SECTION] Token vectors     accepted, 401, 403 by time, signature, header, claims, shape, request
  [SECTION] The document      the contract summary and main()
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import token_contract as tc  # noqa: E402

# ---------------------------------------------------------------------------------------------------
# [SECTION] Fixed inputs
# ---------------------------------------------------------------------------------------------------
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "auth", "token-vectors.json")

NOW = 1767225600  # 2026-01-01T00:00:00Z
IAT = NOW - 3600
EXP = IAT + 90 * 86400
MAIN_FILE = b"bos-test-secret-NOT-FOR-PRODUCTION-0123456789abcdef\n"
OTHER_FILE = b"another-test-secret-NOT-FOR-PRODUCTION-fedcba987654\n"
MAIN_KEY = tc.key_from_secret_bytes(MAIN_FILE)
OTHER_KEY = tc.key_from_secret_bytes(OTHER_FILE)
JTI = "kq3V7fW2xR9pLm4TzA8bNc"  # 22 URL-safe characters, as token_urlsafe(16) makes
SUB = "apto-502@torre-a"


# ---------------------------------------------------------------------------------------------------
# [SECTION] Token builders
# ---------------------------------------------------------------------------------------------------
def b64(data: bytes) -> str:
    return tc.b64url_encode(data)


def raw_token(header: Any, payload: Any, key: bytes = MAIN_KEY, alg: str = "sha256") -> str:
    """A token from exact header/payload bytes (or objects, canonically encoded), HMAC-signed."""
    h = header if isinstance(header, bytes) else tc.canonical_json(header)
    p = payload if isinstance(payload, bytes) else tc.canonical_json(payload)
    signing_input = f"{b64(h)}.{b64(p)}".encode("ascii")
    sig = hmac.new(key, signing_input, getattr(hashlib, alg)).digest()
    return f"{signing_input.decode()}.{b64(sig)}"


def claims(**overrides: Any) -> Dict[str, Any]:
    c: Dict[str, Any] = {"sub": SUB, "bld": "torre-a", "name": "Apto 502", "iat": IAT, "exp": EXP,
                         "jti": JTI}
    for key, value in overrides.items():
        if value is None:
            c.pop(key, None)
        else:
            c[key] = value
    return c


def with_segment(token: str, index: int, segment: str) -> str:
    parts = token.split(".")
    parts[index] = segment
    return ".".join(parts)


def flip_last_char(segment: str) -> str:
    return segment[:-1] + ("A" if segment[-1] != "A" else "B")


def noncanonical(segment: str) -> str:
    """Same decoded bytes, different spelling: set the unused low bits of the last character."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spare_bits = {2: 4, 3: 2}[len(segment) % 4]  # 2 chars -> 1 byte (4 spare), 3 chars -> 2 bytes (2 spare)
    index = alphabet.index(segment[-1])
    return segment[:-1] + alphabet[index | ((1 << spare_bits) - 1)]


# ---------------------------------------------------------------------------------------------------
# [SECTION] Secret vectors
# ---------------------------------------------------------------------------------------------------
def secret_vectors() -> List[Dict[str, Any]]:
    k32 = b"0123456789abcdef0123456789abcdef"
    cases = [
        ("main", MAIN_FILE, "the fixture's main secret (48 bytes + newline)"),
        ("other", OTHER_FILE, "a second secret: tokens signed with it are refused under main"),
        ("exactly-32-no-newline", k32, "32 bytes, no newline: used as is"),
        ("32-plus-newline", k32 + b"\n", "one trailing newline is stripped"),
        ("32-plus-two-newlines", k32 + b"\n\n", "only one newline is stripped: the key is 33 bytes"),
        ("32-plus-crlf", k32 + b"\r\n", "only 0x0A is stripped: the key keeps the 0x0D"),
        ("31-plus-newline", k32[:31] + b"\n", "31 bytes after stripping: refused"),
        ("31-plus-two-newlines", k32[:31] + b"\n\n", "32 bytes after stripping one newline: accepted"),
        ("empty", b"", "refused"),
    ]
    out = []
    for ident, data, about in cases:
        try:
            key: Optional[bytes] = tc.key_from_secret_bytes(data)
        except tc.SecretError:
            key = None
        entry: Dict[str, Any] = {"id": ident, "about": about, "file_hex": data.hex(),
                                 "accepted": key is not None}
        if key is not None:
            entry["key_hex"] = key.hex()
        out.append(entry)
    return out


# ---------------------------------------------------------------------------------------------------
# [SECTION] Token vectors
# ---------------------------------------------------------------------------------------------------
def token_vectors() -> List[Dict[str, Any]]:
    valid = tc.mint_claims(MAIN_KEY, claims())
    vectors: List[Dict[str, Any]] = []

    def add(ident: str, about: str, token: Optional[str], *, now: int = NOW, user_id: Optional[str] = SUB,
            revoked: Optional[List[str]] = None, reason: str = "", mint: Optional[Dict[str, Any]] = None,
            secret: str = "main") -> None:
        if token is None and reason != tc.MISSING:
            raise SystemExit(f"vector {ident}: could not be built from this token")
        verdict = tc.verify(token, tc.key_from_secret_bytes(MAIN_FILE if secret == "main" else OTHER_FILE), now)
        got = "allow" if verdict.ok else verdict.reason
        if verdict.ok and revoked and verdict.claims.jti in revoked:
            got = "revoked"
        elif verdict.ok and user_id is not None and user_id != verdict.claims.sub:
            got = "user_mismatch"
        expected = reason or "allow"
        if got != expected:
            raise SystemExit(f"vector {ident}: expected {expected}, the verifier says {got} ({verdict.detail})")
        entry: Dict[str, Any] = {"id": ident, "about": about, "secret": secret, "now": now}
        entry["token"] = token
        entry["query_user_id"] = user_id
        entry["revoked_jtis"] = revoked or []
        if expected == "allow":
            # The authorizer allows; without user_id the $connect Lambda (and the dev server) says 400.
            entry.update(expect="allow", status=101 if user_id is not None else 400,
                         claims=verdict.claims.as_dict())
        else:
            entry.update(expect="deny", status=401 if expected == tc.MISSING else 403, reason=expected)
        if mint is not None:
            if tc.mint_claims(MAIN_KEY, mint) != token:
                raise SystemExit(f"vector {ident}: minting the claims does not give the token")
            entry["mint_claims"] = mint
        vectors.append(entry)

    header = {"alg": "HS256", "typ": "JWT"}
    h_seg, p_seg, s_seg = valid.split(".")

    # --- accepted ---
    add("valid", "a token as scripts/resident-link mints it", valid, mint=claims())
    utf8 = claims(name="Cobertura Sênior – Bloco B 🏢", sub="cob-1@torre-b", bld="torre-b")
    add("valid-utf8-name", "non-ASCII name: claims are UTF-8 JSON, not \\u escapes (canonical form)",
        tc.mint_claims(MAIN_KEY, utf8), user_id="cob-1@torre-b", mint=utf8)
    long_name = claims(name="Ç" * 64)
    add("valid-name-64-code-points", "64 code points (128 UTF-8 bytes) is the limit",
        tc.mint_claims(MAIN_KEY, long_name), mint=long_name)
    ids = claims(sub="A.b_c+d-9@Bld.1_+-", bld="Bld.1_+-")
    add("valid-id-charset", "every character the ids allow", tc.mint_claims(MAIN_KEY, ids),
        user_id="A.b_c+d-9@Bld.1_+-", mint=ids)
    add("valid-without-user-id", "no user_id in the query: the authorizer allows "
        "(the $connect Lambda / dev server then answers 400 for the missing user_id)", valid, user_id=None)
    add("valid-just-before-exp", "now = exp - 1", valid, now=EXP - 1)
    add("valid-in-exp-leeway", "now = exp + 59: inside the 60 s leeway", valid, now=EXP + 59)
    add("valid-iat-in-leeway", "iat = now + 60: a minting clock 60 s ahead is tolerated", valid, now=IAT - 60)
    no_typ = raw_token({"alg": "HS256"}, claims())
    add("valid-header-without-typ", "typ is optional; alg is what matters", no_typ)
    kid = raw_token({"alg": "HS256", "typ": "JWT", "kid": "2026-01"}, claims())
    add("valid-header-with-kid", "unknown header parameters (kid) are ignored", kid)
    extra = claims(iss="buildingos", extra={"x": 1})
    add("valid-extra-claims", "unknown claims are ignored", tc.mint_claims(MAIN_KEY, extra))
    add("valid-nbf-past", "nbf in the past", tc.mint_claims(MAIN_KEY, claims(nbf=IAT)))

    # --- 401 ---
    add("missing-empty", "token= (empty): API Gateway answers 401 without calling the authorizer", "",
        reason=tc.MISSING)
    add("missing-absent", "no token parameter at all (token is null here)", None, reason=tc.MISSING)

    # --- 403: time ---
    add("expired-at-leeway-edge", "now = exp + 60: expired", valid, now=EXP + 60, reason=tc.EXPIRED)
    add("expired", "expired a day ago", valid, now=EXP + 86400, reason=tc.EXPIRED)
    add("not-yet-valid-iat", "iat 61 s in the future", valid, now=IAT - 61, reason=tc.NOT_YET_VALID)
    add("not-yet-valid-nbf", "nbf an hour in the future", tc.mint_claims(MAIN_KEY, claims(nbf=NOW + 3600)),
        reason=tc.NOT_YET_VALID)

    # --- 403: signature ---
    other = tc.mint_claims(OTHER_KEY, claims())
    add("wrong-secret", "signed with another secret", other, reason=tc.BAD_SIGNATURE)
    neighbour = with_segment(valid, 1, b64(tc.canonical_json(claims(sub="apto-503@torre-a"))))
    add("tampered-payload", "sub changed to the neighbour's, signature kept", neighbour,
        user_id="apto-503@torre-a", reason=tc.BAD_SIGNATURE)
    add("tampered-signature", "last signature character changed", with_segment(valid, 2, flip_last_char(s_seg)),
        reason=tc.BAD_SIGNATURE)
    add("signature-truncated", "signature of 31 bytes", with_segment(valid, 2, b64(bytes(31))),
        reason=tc.BAD_SIGNATURE)
    add("signature-noncanonical", "signature's unused base64url bits set: same bytes, other spelling",
        with_segment(valid, 2, noncanonical(s_seg)), reason=tc.MALFORMED)
    add("payload-noncanonical", "payload's unused base64url bits set",
        with_segment(valid, 1, noncanonical(p_seg)) if len(p_seg) % 4 in (2, 3) else None,
        reason=tc.MALFORMED)

    # --- 403: header / algorithm confusion ---
    none_seg = b64(b'{"alg":"none","typ":"JWT"}')
    add("alg-none-unsigned", 'alg "none", empty signature', f"{none_seg}.{p_seg}.", reason=tc.BAD_HEADER)
    add("alg-none-with-signature", 'alg "none" but the HS256 signature kept',
        with_segment(valid, 0, b64(b'{"alg":"none","typ":"JWT"}')), reason=tc.BAD_HEADER)
    add("alg-hs512", "HS512, correctly signed with the same secret",
        raw_token({"alg": "HS512", "typ": "JWT"}, claims(), alg="sha512"), reason=tc.BAD_HEADER)
    add("alg-rs256-confusion", "RS256 in the header, HMAC-signed with the secret (key confusion)",
        raw_token({"alg": "RS256", "typ": "JWT"}, claims()), reason=tc.BAD_HEADER)
    add("alg-lowercase", 'alg "hs256"', raw_token({"alg": "hs256", "typ": "JWT"}, claims()), reason=tc.BAD_HEADER)
    add("alg-missing", "no alg", raw_token({"typ": "JWT"}, claims()), reason=tc.BAD_HEADER)
    add("typ-other", 'typ "at+jwt"', raw_token({"alg": "HS256", "typ": "at+jwt"}, claims()), reason=tc.BAD_HEADER)
    add("crit-header", "a crit extension", raw_token({"alg": "HS256", "crit": ["exp"], "typ": "JWT"}, claims()),
        reason=tc.BAD_HEADER)
    add("b64-false-header", "RFC 7797 unencoded payload", raw_token({"alg": "HS256", "b64": False, "typ": "JWT"},
        claims()), reason=tc.BAD_HEADER)
    add("header-duplicate-alg", 'alg given twice ("none" then "HS256")',
        raw_token(b'{"alg":"none","alg":"HS256","typ":"JWT"}', claims()), reason=tc.MALFORMED)
    add("header-not-json", "header is not JSON", raw_token(b"alg=HS256", claims()), reason=tc.MALFORMED)

    # --- 403: claims ---
    for claim in tc.REQUIRED_CLAIMS:
        add(f"missing-{claim}", f"no {claim} claim", tc.mint_claims(MAIN_KEY, claims(**{claim: None})),
            reason=tc.BAD_CLAIMS)
    add("exp-string", 'exp as a string "1774998000" (PyJWT alone would accept it)',
        tc.mint_claims(MAIN_KEY, claims(exp=str(EXP))), reason=tc.BAD_CLAIMS)
    add("exp-float", "exp as 1774998000.5", tc.mint_claims(MAIN_KEY, claims(exp=EXP + 0.5)), reason=tc.BAD_CLAIMS)
    add("iat-bool", "iat true", tc.mint_claims(MAIN_KEY, claims(iat=True)), reason=tc.BAD_CLAIMS)
    add("exp-before-iat", "exp = iat", tc.mint_claims(MAIN_KEY, claims(exp=IAT)), reason=tc.BAD_CLAIMS)
    add("lifetime-over-400-days", "exp - iat = 400 days + 1 s",
        tc.mint_claims(MAIN_KEY, claims(exp=IAT + tc.MAX_LIFETIME_S + 1)), now=IAT + 10, reason=tc.BAD_CLAIMS)
    add("lifetime-400-days", "exp - iat = 400 days exactly",
        tc.mint_claims(MAIN_KEY, claims(exp=IAT + tc.MAX_LIFETIME_S)), now=IAT + 10)
    add("sub-without-building", 'sub "apto-502" (ids repeat in every building)',
        tc.mint_claims(MAIN_KEY, claims(sub="apto-502")), user_id="apto-502", reason=tc.BAD_CLAIMS)
    add("sub-other-building", "sub names torre-b, bld is torre-a",
        tc.mint_claims(MAIN_KEY, claims(sub="apto-502@torre-b")), user_id="apto-502@torre-b", reason=tc.BAD_CLAIMS)
    add("sub-bad-charset", "a space in the resident id",
        tc.mint_claims(MAIN_KEY, claims(sub="apto 502@torre-a")), user_id="apto 502@torre-a", reason=tc.BAD_CLAIMS)
    add("sub-id-65-chars", "resident id of 65 characters",
        tc.mint_claims(MAIN_KEY, claims(sub="a" * 65 + "@torre-a")), user_id="a" * 65 + "@torre-a",
        reason=tc.BAD_CLAIMS)
    add("jti-short", "jti of 21 characters (under 128 bits)", tc.mint_claims(MAIN_KEY, claims(jti=JTI[:21])),
        reason=tc.BAD_CLAIMS)
    add("jti-bad-charset", "jti with '/'", tc.mint_claims(MAIN_KEY, claims(jti=JTI[:21] + "/")),
        reason=tc.BAD_CLAIMS)
    add("name-65-code-points", "name over 64 code points", tc.mint_claims(MAIN_KEY, claims(name="Ç" * 65)),
        reason=tc.BAD_CLAIMS)
    add("name-empty", 'name ""', tc.mint_claims(MAIN_KEY, claims(name="")), reason=tc.BAD_CLAIMS)
    add("name-whitespace", 'name "   "', tc.mint_claims(MAIN_KEY, claims(name="   ")), reason=tc.BAD_CLAIMS)
    add("name-bidi-override", "U+202E in the name",
        tc.mint_claims(MAIN_KEY, claims(name="Apto \u202e205")), reason=tc.BAD_CLAIMS)
    add("name-control", "U+0007 in the name", tc.mint_claims(MAIN_KEY, claims(name="Apto\u0007502")),
        reason=tc.BAD_CLAIMS)
    add("name-newline", "a newline in the name", tc.mint_claims(MAIN_KEY, claims(name="Apto\n502")),
        reason=tc.BAD_CLAIMS)
    surrogate = tc.canonical_json(claims()).replace(b'"Apto 502"', b'"Apto \\ud800"')
    add("name-lone-surrogate", "a \\ud800 escape (a C++ JSON parser rejects it outright)",
        raw_token(header, surrogate), reason=tc.BAD_CLAIMS)
    add("aud-present", "an aud claim: issued for another service",
        tc.mint_claims(MAIN_KEY, claims(aud="other-service")), reason=tc.BAD_CLAIMS)
    dup = tc.canonical_json(claims()).replace(b'{"bld"', b'{"sub":"apto-503@torre-a","bld"')
    add("payload-duplicate-sub", "sub given twice (parsers disagree on which one wins)",
        raw_token(header, dup), reason=tc.BAD_CLAIMS)
    add("payload-array", "payload is a JSON array", raw_token(header, b"[1,2]"), reason=tc.BAD_CLAIMS)
    add("payload-not-json", "payload is not JSON", raw_token(header, b"sub=apto-502"), reason=tc.BAD_CLAIMS)
    add("payload-nan", "NaN is not JSON", raw_token(header, tc.canonical_json(claims()).replace(
        str(EXP).encode(), b"NaN")), reason=tc.BAD_CLAIMS)

    # --- 403: shape ---
    add("two-segments", "header.payload only", ".".join(valid.split(".")[:2]), reason=tc.MALFORMED)
    add("four-segments", "an extra segment", valid + ".x", reason=tc.MALFORMED)
    add("padded", "base64 padding '='", with_segment(valid, 2, s_seg + "="), reason=tc.MALFORMED)
    add("standard-base64", "'+' and '/' instead of '-' and '_'",
        with_segment(valid, 2, s_seg.replace("-", "+").replace("_", "/")) if ("-" in s_seg or "_" in s_seg)
        else None, reason=tc.MALFORMED)
    add("whitespace", "a trailing space", valid + " ", reason=tc.MALFORMED)
    add("non-ascii", "a non-ASCII character in the payload segment", with_segment(valid, 1, p_seg + "é"),
        reason=tc.MALFORMED)
    add("segment-length-1-mod-4", "a segment whose length is 1 mod 4", with_segment(valid, 1, p_seg[:4 * (len(p_seg) // 4)] + "A"),
        reason=tc.MALFORMED)
    add("garbage", "not a JWS at all", "hello", reason=tc.MALFORMED)
    add("oversize", f"{tc.MAX_TOKEN_BYTES + 1} bytes", "a" * (tc.MAX_TOKEN_BYTES + 1), reason=tc.OVERSIZE)

    # --- 403: the request, not the token ---
    add("revoked", "a valid token whose jti is revoked", valid, revoked=["someone-elses-jti-0000000", JTI],
        reason="revoked")
    add("user-id-neighbour", "own token, the neighbour's user_id", valid, user_id="apto-503@torre-a",
        reason="user_mismatch")
    add("user-id-without-building", "own token, user_id without @building", valid, user_id="apto-502",
        reason="user_mismatch")
    add("user-id-case", "user_id differs in case only", valid, user_id="APTO-502@torre-a", reason="user_mismatch")
    return [v for v in vectors if v["token"] is not None or v["reason"] == tc.MISSING]


# ---------------------------------------------------------------------------------------------------
# [SECTION] The document
# ---------------------------------------------------------------------------------------------------
def build() -> str:
    doc = {
        "about": ("Known-answer vectors of the resident token (docs/identity.md). Generated by "
                  "backend/authorizer/make_vectors.py; checked by backend/authorizer/tests and the dev "
                  "server's tests. Secrets here are test values, never used anywhere else."),
        "contract": {
            "link": "<publicUrl>/#t=<token>",
            "query": "?user_id=<sub>&session_id=<...>&token=<token>",
            "jws": "compact JWS, HS256, unpadded base64url (canonical spelling only)",
            "header": tc.HEADER_BYTES.decode(),
            "claims": list(tc.REQUIRED_CLAIMS),
            "claims_encoding": ("mint: JSON with keys sorted, no whitespace, UTF-8 (no \\u escapes "
                                "except for \" \\\\ and controls); verify: any JSON object, strictly parsed"),
            "key": "the secret file's bytes, one trailing 0x0A stripped, at least 32 bytes",
            "min_secret_bytes": tc.MIN_SECRET_BYTES,
            "max_token_bytes": tc.MAX_TOKEN_BYTES,
            "leeway_s": tc.LEEWAY_S,
            "max_lifetime_s": tc.MAX_LIFETIME_S,
            "id_pattern": "^[A-Za-z0-9._+-]{1,64}$",
            "sub": "<resident id>@<bld>",
            "jti_pattern": f"^[A-Za-z0-9_-]{{{tc.MIN_JTI_CHARS},{tc.MAX_JTI_CHARS}}}$",
            "name_max_code_points": tc.MAX_NAME_CHARS,
            "name_forbidden_code_points": [f"U+{lo:04X}-U+{hi:04X}" for lo, hi in tc.FORBIDDEN_NAME_RANGES],
            "checks_in_order": [
                "no token or empty -> 401 (missing)",
                f"over {tc.MAX_TOKEN_BYTES} bytes -> 403 (oversize)",
                "not exactly 3 segments, empty header/payload, or a segment that is not canonical unpadded "
                "base64url -> 403 (malformed)",
                "header not a strict JSON object (duplicate keys, NaN) -> 403 (malformed)",
                "alg not exactly HS256, typ present and not JWT, crit or b64 present -> 403 (bad_header)",
                "signature not 32 bytes or not HMAC-SHA256(key, header_seg + '.' + payload_seg) -> 403 (bad_signature)",
                "payload not a strict JSON object; a required claim missing; sub/bld/name/jti not strings; "
                "iat/exp/nbf (nbf is optional) not integers in 0..1e11; aud present; bld not matching "
                "id_pattern; sub not <id>@<bld>; jti not matching jti_pattern; name empty, only U+0020 "
                "spaces, over name_max_code_points or holding a forbidden code point; exp <= iat; "
                "exp - iat > max_lifetime_s -> 403 (bad_claims); unknown claims and header parameters "
                "are ignored",
                "iat > now + leeway or nbf > now + leeway -> 403 (not_yet_valid)",
                "exp <= now - leeway -> 403 (expired)",
                "jti in the revoked list -> 403 (revoked)",
                "query user_id present and != sub -> 403 (user_mismatch)",
            ],
            "expect": "the authorizer's decision: allow, or deny (401 for a missing token, else 403)",
            "status": ("the handshake's HTTP status, the authorizer and then the seed's $connect Lambda: "
                       "101 accepted, 400 user_id missing (after a valid token), 401, 403"),
            "reason": "informative (logs); only expect and status are normative across implementations",
        },
        "secrets": secret_vectors(),
        "tokens": token_vectors(),
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def main(argv: List[str]) -> int:
    text = build()
    if argv[1:] == ["--check"]:
        try:
            with open(FIXTURE, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = ""
        if current != text:
            print(f"{FIXTURE} is out of date: run backend/authorizer/make_vectors.py", file=sys.stderr)
            return 1
        return 0
    if argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
    with open(FIXTURE, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {FIXTURE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
