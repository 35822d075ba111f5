"""The resident token contract: one source for its limits, its encoding and its checks.

A resident link is ``<publicUrl>/#t=<token>``. The token is a compact JWS (HS256) over a JSON object
with exactly the claims sub, bld, name, iat, exp, jti. This module mints and verifies it; the Lambda
authorizer (app.py), scripts/resident-link and the known-answer vectors
(tests/fixtures/auth/token-vectors.json, which the dev server's C++ verifier also reads) all use it.

Pure: no I/O, no clock (``now`` is an argument), no exceptions across its boundary (verify() returns
a Verdict). The signature and the algorithm pinning are PyJWT's (Debian python3-jwt 2.6); the shape,
claim and time checks are ours, because PyJWT 2.6 accepts numeric strings for exp/iat, reads the
wall clock itself, and accepts a signature whose unused base64url bits were changed.

Index:
  [SECTION] Limits          every number of the contract
  [SECTION] Identifiers     resident / building ids, sub, display names, jti
  [SECTION] Encoding        canonical base64url and JSON (what minting writes, what verify accepts)
  [SECTION] Secret          the key from the secret file's bytes
  [SECTION] Mint
  [SECTION] Verify
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

import jwt  # Debian python3-jwt 2.6 (PyJWT)

# ---------------------------------------------------------------------------------------------------
# [SECTION] Limits
# ---------------------------------------------------------------------------------------------------
ALGORITHM = "HS256"
HEADER_BYTES = b'{"alg":"HS256","typ":"JWT"}'  # what minting writes (PyJWT sorts header keys)
REQUIRED_CLAIMS = ("sub", "bld", "name", "iat", "exp", "jti")
MIN_SECRET_BYTES = 32  # after the one trailing newline is stripped
MAX_SECRET_FILE_BYTES = 4096  # a secret file larger than this is a mistake (a PEM bundle, a log...)
MAX_TOKEN_BYTES = 2048  # our tokens are 300-600 bytes; API Gateway's whole URL limit is 4096
LEEWAY_S = 60  # clock skew allowed between the minting machine and the verifier, for iat/nbf/exp
MIN_DAYS = 1
MAX_DAYS = 400
MAX_LIFETIME_S = MAX_DAYS * 86400  # exp - iat
MAX_ID_CHARS = 64  # resident id and building id each
MAX_NAME_CHARS = 64  # Unicode code points
JTI_RANDOM_BYTES = 16  # 128 bits; token_urlsafe(16) gives 22 characters
MIN_JTI_CHARS = 22
MAX_JTI_CHARS = 64
MAX_TIME_S = 10**11  # year 5138: any larger iat/exp/nbf is garbage, not a date

# Reasons a token is refused. Only the HTTP status is normative across implementations
# (missing -> 401, everything else -> 403); the names are for logs and tests.
MISSING = "missing"
OVERSIZE = "oversize"
MALFORMED = "malformed"
BAD_HEADER = "bad_header"
BAD_SIGNATURE = "bad_signature"
BAD_CLAIMS = "bad_claims"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"

# ---------------------------------------------------------------------------------------------------
# [SECTION] Identifiers
# ---------------------------------------------------------------------------------------------------
_ID_RE = re.compile(r"[A-Za-z0-9._+-]{1,%d}" % MAX_ID_CHARS, re.ASCII)
_JTI_RE = re.compile(r"[A-Za-z0-9_-]{%d,%d}" % (MIN_JTI_CHARS, MAX_JTI_CHARS), re.ASCII)

# Code points a display name must not contain: C0, DEL and C1 controls, line/paragraph separators,
# and the bidi marks, embeddings, overrides and isolates (a name that reorders the text around it).
# Listed explicitly (not as Unicode categories) so the C++ verifier can apply the same rule.
FORBIDDEN_NAME_RANGES: Tuple[Tuple[int, int], ...] = (
    (0x0000, 0x001F),
    (0x007F, 0x009F),
    (0x061C, 0x061C),
    (0x200E, 0x200F),
    (0x2028, 0x2029),
    (0x202A, 0x202E),
    (0x2066, 0x2069),
    (0xD800, 0xDFFF),  # lone surrogates: only reachable through a JSON \u escape
)


def id_problem(value: Any, what: str) -> Optional[str]:
    """Why ``value`` is not a valid resident or building id, or None."""
    if not isinstance(value, str):
        return f"{what} must be a string"
    if not _ID_RE.fullmatch(value):
        return (f"{what} must be 1-{MAX_ID_CHARS} characters of A-Z a-z 0-9 . _ + - "
                f"(got {value[:80]!r})")
    return None


def name_problem(value: Any) -> Optional[str]:
    """Why ``value`` is not a valid display name (e.g. "Apto 502"), or None."""
    if not isinstance(value, str):
        return "name must be a string"
    if not value.strip(" "):  # U+0020 only: a precise rule both verifiers can apply
        return "name must not be empty or only spaces"
    if len(value) > MAX_NAME_CHARS:
        return f"name must be at most {MAX_NAME_CHARS} characters (got {len(value)})"
    for ch in value:
        cp = ord(ch)
        for lo, hi in FORBIDDEN_NAME_RANGES:
            if lo <= cp <= hi:
                return f"name must not contain control or bidi characters (found U+{cp:04X})"
    return None


def make_sub(resident: str, building: str) -> str:
    """The globally unique user id: ``apto-502`` exists in every building."""
    return f"{resident}@{building}"


def new_jti() -> str:
    return secrets.token_urlsafe(JTI_RANDOM_BYTES)


@dataclass(frozen=True)
class Claims:
    sub: str
    bld: str
    name: str
    iat: int
    exp: int
    jti: str

    @property
    def resident(self) -> str:
        return self.sub.split("@", 1)[0]

    def as_dict(self) -> Dict[str, Any]:
        return {"sub": self.sub, "bld": self.bld, "name": self.name,
                "iat": self.iat, "exp": self.exp, "jti": self.jti}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def claims_problem(payload: Dict[str, Any]) -> Optional[str]:
    """Why a decoded payload is not a valid claim set (types, formats, lifetime), or None.
    Time against ``now`` is checked separately."""
    for claim in REQUIRED_CLAIMS:
        if claim not in payload:
            return f"claim {claim} is missing"
    for claim in ("sub", "bld", "name", "jti"):
        if not isinstance(payload[claim], str):
            return f"claim {claim} must be a string"
    for claim in ("iat", "exp", "nbf"):
        if claim in payload:
            value = payload[claim]
            if not _is_int(value) or not 0 <= value <= MAX_TIME_S:
                return f"claim {claim} must be an integer number of seconds"
    if "aud" in payload:
        return "claim aud is present: the token was issued for another service"
    problem = id_problem(payload["bld"], "bld")
    if problem:
        return problem
    resident, at, building = payload["sub"].partition("@")
    if not at:
        return "sub must be <resident>@<building>"
    problem = id_problem(resident, "the resident part of sub") or id_problem(building, "the building part of sub")
    if problem:
        return problem
    if building != payload["bld"]:
        return "sub names another building than bld"
    problem = name_problem(payload["name"])
    if problem:
        return problem
    if not _JTI_RE.fullmatch(payload["jti"]):
        return f"jti must be {MIN_JTI_CHARS}-{MAX_JTI_CHARS} URL-safe characters"
    if payload["exp"] <= payload["iat"]:
        return "exp must be after iat"
    if payload["exp"] - payload["iat"] > MAX_LIFETIME_S:
        return f"lifetime over {MAX_DAYS} days"
    return None


# ---------------------------------------------------------------------------------------------------
# [SECTION] Encoding
# ---------------------------------------------------------------------------------------------------
_SEGMENT_RE = re.compile(r"[A-Za-z0-9_-]*", re.ASCII)


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode_canonical(segment: str) -> Optional[bytes]:
    """Decodes unpadded base64url, or None. Only the canonical spelling is accepted: a segment whose
    unused low bits are not zero decodes to the same bytes as another segment, and an implementation
    that accepts both lets one signed token have many spellings (PyJWT 2.6 does accept them)."""
    if not _SEGMENT_RE.fullmatch(segment) or len(segment) % 4 == 1:
        return None
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if b64url_encode(data) == segment else None


def canonical_json(obj: Dict[str, Any]) -> bytes:
    """The claim bytes minting signs: keys sorted, no whitespace, UTF-8 (not \\u escapes). This is
    also what nlohmann::json's dump() writes, so both implementations mint byte-identical tokens."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                      allow_nan=False).encode("utf-8")


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def strict_json_object(data: bytes) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    """Parses a JSON object strictly (UTF-8, no duplicate keys, no NaN/Infinity), or says why not.
    Python keeps the last of two equal keys; another parser may keep the first, so a duplicate would
    let two verifiers read different claims from one signed token."""
    try:
        text = data.decode("utf-8")
        obj = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except _DuplicateKey as e:
        return None, f"duplicate key {str(e)[:40]!r}"
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "not valid JSON"
    if not isinstance(obj, dict):
        return None, "not a JSON object"
    return obj, None


# ---------------------------------------------------------------------------------------------------
# [SECTION] Secret
# ---------------------------------------------------------------------------------------------------
class SecretError(ValueError):
    """The secret cannot be used; the message says why, never what the secret is."""


def key_from_secret_bytes(data: bytes, source: str = "the secret") -> bytes:
    """The HMAC key is the secret file's bytes with one trailing newline (0x0A) stripped, so
    `echo` or an editor's final newline does not change the key; nothing else is stripped."""
    if not isinstance(data, (bytes, bytearray)):
        raise SecretError(f"{source} must be bytes")
    if len(data) > MAX_SECRET_FILE_BYTES:
        raise SecretError(f"{source} is over {MAX_SECRET_FILE_BYTES} bytes: not a secret file")
    key = bytes(data[:-1]) if data.endswith(b"\n") else bytes(data)
    if len(key) < MIN_SECRET_BYTES:
        raise SecretError(f"{source} is {len(key)} bytes; at least {MIN_SECRET_BYTES} are required "
                          "(make one with: head -c 48 /dev/urandom | base64 > FILE)")
    # PyJWT refuses PEM and SSH keys as HMAC secrets (a classic algorithm-confusion mistake).
    if key.lstrip().startswith((b"-----BEGIN", b"ssh-", b"ecdsa-sha2-")):
        raise SecretError(f"{source} looks like a PEM or SSH key; HS256 needs a random secret")
    return key


# ---------------------------------------------------------------------------------------------------
# [SECTION] Mint
# ---------------------------------------------------------------------------------------------------
def mint(key: bytes, *, resident: str, building: str, name: str, iat: int, exp: int,
         jti: Optional[str] = None) -> Tuple[str, Claims]:
    """A token for one resident; raises ValueError with a clear message on any bad input."""
    for value, what in ((resident, "resident"), (building, "building")):
        problem = id_problem(value, what)
        if problem:
            raise ValueError(problem)
    claims = Claims(sub=make_sub(resident, building), bld=building, name=name, iat=iat, exp=exp,
                    jti=new_jti() if jti is None else jti)
    problem = claims_problem(claims.as_dict())
    if problem:
        raise ValueError(problem)
    return mint_claims(key, claims.as_dict()), claims


def mint_claims(key: bytes, claims: Dict[str, Any]) -> str:
    """Signs ``claims`` as given (their canonical JSON); the vectors generator uses it for tokens
    whose claims are deliberately wrong."""
    token = jwt.api_jws.PyJWS().encode(canonical_json(claims), key, algorithm=ALGORITHM)
    assert token.split(".", 1)[0] == b64url_encode(HEADER_BYTES)  # PyJWT writes the contract header
    return token


# ---------------------------------------------------------------------------------------------------
# [SECTION] Verify
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # one of the reason constants when refused
    detail: str = ""  # for logs; never contains the token or the secret
    claims: Optional[Claims] = None


def _refuse(reason: str, detail: str) -> Verdict:
    return Verdict(ok=False, reason=reason, detail=detail)


def verify(token: Any, key: bytes, now: float, leeway_s: int = LEEWAY_S) -> Verdict:
    """Checks a token completely against the contract at time ``now`` (seconds since the epoch).
    Revocation and the query's user_id are the caller's (they need a store and a request)."""
    # Shape first, before anything is decoded: size, three base64url segments.
    if not isinstance(token, str) or token == "":
        return _refuse(MISSING, "no token")
    if len(token) > MAX_TOKEN_BYTES or len(token.encode("utf-8", "surrogatepass")) > MAX_TOKEN_BYTES:
        return _refuse(OVERSIZE, f"token over {MAX_TOKEN_BYTES} bytes")
    parts = token.split(".")
    if len(parts) != 3:
        return _refuse(MALFORMED, f"{len(parts)} segments instead of 3")
    header_seg, payload_seg, signature_seg = parts
    if not header_seg or not payload_seg:
        return _refuse(MALFORMED, "empty header or payload segment")
    header_bytes = b64url_decode_canonical(header_seg)
    payload_bytes = b64url_decode_canonical(payload_seg)
    signature = b64url_decode_canonical(signature_seg)
    if header_bytes is None or payload_bytes is None or signature is None:
        return _refuse(MALFORMED, "a segment is not canonical unpadded base64url")

    # The header, before the signature: the algorithm is pinned, never taken from the token.
    header, why = strict_json_object(header_bytes)
    if header is None:
        return _refuse(MALFORMED, f"header: {why}")
    if header.get("alg") != ALGORITHM:
        return _refuse(BAD_HEADER, f"alg {str(header.get('alg'))[:20]!r} is not {ALGORITHM}")
    if "typ" in header and header["typ"] != "JWT":
        return _refuse(BAD_HEADER, "typ is not JWT")
    if "crit" in header or "b64" in header:
        return _refuse(BAD_HEADER, "crit and b64 (RFC 7515/7797 extensions) are not accepted")
    if len(signature) != 32:
        return _refuse(BAD_SIGNATURE, "an HS256 signature is 32 bytes")

    # Signature, with the algorithm pinned again, by PyJWT's JWS layer (constant-time compare). Its
    # JWT layer is not used: it reads the wall clock and takes "123" for an integer; the claim and
    # time checks below take `now` and accept integers only.
    try:
        jwt.api_jws.PyJWS().decode_complete(token, key, algorithms=[ALGORITHM])
    except jwt.InvalidSignatureError:
        return _refuse(BAD_SIGNATURE, "signature does not match")
    except jwt.InvalidAlgorithmError:
        return _refuse(BAD_HEADER, "algorithm not allowed")
    except jwt.PyJWTError as e:
        return _refuse(MALFORMED, f"PyJWT: {type(e).__name__}")

    payload, why = strict_json_object(payload_bytes)
    if payload is None:
        return _refuse(BAD_CLAIMS, f"payload: {why}")
    problem = claims_problem(payload)
    if problem:
        return _refuse(BAD_CLAIMS, problem)

    if payload["iat"] > now + leeway_s:
        return _refuse(NOT_YET_VALID, "iat is in the future")
    if "nbf" in payload and payload["nbf"] > now + leeway_s:
        return _refuse(NOT_YET_VALID, "nbf is in the future")
    if payload["exp"] <= now - leeway_s:
        return _refuse(EXPIRED, "exp has passed")

    claims = Claims(**{name: payload[name] for name in REQUIRED_CLAIMS})
    return Verdict(ok=True, claims=claims)
