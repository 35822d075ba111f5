"""BuildingOS WebSocket API: the REQUEST Lambda authorizer of the $connect route (reference).

API Gateway calls it with identity source ``route.request.querystring.token``, before the $connect
integration. It answers with an IAM policy for the $connect methodArn:
  - no token                          -> raise Exception("Unauthorized")  (API Gateway answers 401)
  - a token that fails any check      -> Deny                              (403)
  - valid, not revoked, user_id = sub -> Allow, context {userId, building, name, jti, expiresAt}
The $connect Lambda then reads ``event.requestContext.authorizer.userId`` instead of the query's
user_id (docs/identity.md).

Handler: ``app.lambda_handler``. Configuration (environment):
  BOS_AUTH_SECRET_FILE | BOS_AUTH_SECRET_ID | BOS_AUTH_SECRET_PARAMETER   the HMAC secret (secret_source)
  BOS_AUTH_REVOKED_TABLE | BOS_AUTH_REVOKED_FILE   revoked jtis: DynamoDB table, or a file (tests, dev)
  BOS_ALLOWED_ORIGINS   comma-separated exact origins (https://buildingos.example.com); when set, a
                        handshake whose Origin header is missing or another is denied
A configuration error denies every connection (fails closed) and logs why, once per cold start.

Logs are one JSON object per decision (decision, reason, detail, sub/jti when verified, connectionId,
requestId). The token and the secret are never logged.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, Mapping, Optional

import revocation
import secret_source
import token_contract as tc

log = logging.getLogger("bos.authorizer")
log.setLevel(logging.INFO)  # Lambda's root logger stays at WARNING; Allow decisions are INFO

CONNECT_SUFFIX = "/$connect"
REVOKED = "revoked"
USER_MISMATCH = "user_mismatch"
ORIGIN_REFUSED = "origin_refused"
WRONG_ROUTE = "wrong_route"
DUPLICATE_PARAMETER = "duplicate_parameter"
STORE_ERROR = "revocation_store_error"
CONFIG_ERROR = "config_error"


class Unauthorized(Exception):
    """Raised as ``Exception("Unauthorized")``: the message API Gateway maps to a 401."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


@dataclass
class Config:
    key: bytes
    store: revocation.RevocationStore
    allowed_origins: FrozenSet[str] = field(default_factory=frozenset)
    clock: Callable[[], float] = time.time


def config_from_env(env: Mapping[str, str],
                    client_factory: Optional[Callable[[str], Any]] = None) -> Config:
    """Raises ValueError (SecretError is one) naming what is wrong, never the secret."""
    key = secret_source.load_key(env, client_factory)
    table, path = env.get("BOS_AUTH_REVOKED_TABLE", ""), env.get("BOS_AUTH_REVOKED_FILE", "")
    if bool(table) == bool(path):
        raise ValueError("set exactly one of BOS_AUTH_REVOKED_TABLE, BOS_AUTH_REVOKED_FILE "
                         "(revocation is not optional)")
    if table:
        store = revocation.DynamoDbRevocationStore(
            table, client_factory("dynamodb") if client_factory else None)
    else:
        store = revocation.FileRevocationStore(path)
    origins = frozenset(o.strip() for o in env.get("BOS_ALLOWED_ORIGINS", "").split(",") if o.strip())
    for origin in origins:
        if not origin.startswith(("https://", "http://")) or origin.endswith("/"):
            raise ValueError(f"BOS_ALLOWED_ORIGINS: {origin[:80]!r} is not an origin like https://host")
    return Config(key=key, store=store, allowed_origins=origins)


# --- the decision ------------------------------------------------------------------------------------
def policy(effect: str, resource: str, principal: str,
           context: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    doc: Dict[str, Any] = {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if context:
        doc["context"] = context  # values must be strings, numbers or booleans (API Gateway)
    return doc


def _header(headers: Any, name: str) -> Optional[str]:
    """Header names arrive as the client spelled them."""
    if not isinstance(headers, dict):
        return None
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name:
            return value if isinstance(value, str) else None
    return None


def _param_count(event: Dict[str, Any], name: str) -> int:
    multi = event.get("multiValueQueryStringParameters")
    if isinstance(multi, dict) and isinstance(multi.get(name), list):
        return len(multi[name])
    single = event.get("queryStringParameters")
    return 1 if isinstance(single, dict) and name in single else 0


def _log(decision: str, reason: str, detail: str, event: Dict[str, Any],
         claims: Optional[tc.Claims] = None) -> None:
    ctx = event.get("requestContext") if isinstance(event.get("requestContext"), dict) else {}
    record = {"decision": decision, "reason": reason, "detail": detail,
              "connectionId": ctx.get("connectionId"), "requestId": ctx.get("requestId")}
    if claims is not None:
        record.update(sub=claims.sub, jti=claims.jti, exp=claims.exp)
    (log.info if decision == "Allow" else log.warning)(json.dumps(record, ensure_ascii=False))


def authorize(event: Any, config: Config) -> Dict[str, Any]:
    """The authorizer's answer for one $connect; raises Unauthorized when there is no token."""
    if not isinstance(event, dict):
        event = {}
    method_arn = event.get("methodArn")
    resource = method_arn if isinstance(method_arn, str) and method_arn else "*"

    def deny(reason: str, detail: str) -> Dict[str, Any]:
        _log("Deny", reason, detail, event)
        return policy("Deny", resource, "unauthorized")

    query = event.get("queryStringParameters")
    query = query if isinstance(query, dict) else {}
    token = query.get("token")
    if not isinstance(token, str) or token == "":
        # API Gateway itself answers 401 without calling us when the identity source is missing or
        # empty; this covers a test console call or a changed identity source.
        _log("Unauthorized", tc.MISSING, "no token in the query string", event)
        raise Unauthorized()

    if not resource.endswith(CONNECT_SUFFIX):
        return deny(WRONG_ROUTE, "methodArn is not a $connect route")
    # Two token= or user_id= parameters: API Gateway passes one, a Lambda may read the other.
    for name in ("token", "user_id"):
        if _param_count(event, name) > 1:
            return deny(DUPLICATE_PARAMETER, f"{name} given more than once")
    if config.allowed_origins:
        origin = _header(event.get("headers"), "origin")
        if origin not in config.allowed_origins:
            return deny(ORIGIN_REFUSED, f"Origin {str(origin)[:100]!r} is not allowed")

    verdict = tc.verify(token, config.key, config.clock())
    if not verdict.ok:
        return deny(verdict.reason, verdict.detail)
    claims = verdict.claims
    assert claims is not None

    try:
        revoked = config.store.is_revoked(claims.jti)
    except Exception as e:  # the store cannot tell: refuse rather than let a revoked link in
        return deny(STORE_ERROR, f"revocation store: {type(e).__name__}")
    if revoked:
        return deny(REVOKED, f"jti {claims.jti} is revoked")

    # The client sends ?user_id=<sub>; any other value is someone claiming a neighbour's id. Without
    # user_id the $connect Lambda answers 400, as the seed does.
    user_id = query.get("user_id")
    if user_id is not None and user_id != claims.sub:
        return deny(USER_MISMATCH, f"user_id {str(user_id)[:140]!r} is not the token's sub {claims.sub}")

    _log("Allow", "", "", event, claims)
    return policy("Allow", resource, claims.sub, {
        "userId": claims.sub,
        "building": claims.bld,
        "name": claims.name,
        "jti": claims.jti,
        "expiresAt": claims.exp,
    })


# --- the Lambda entry point ----------------------------------------------------------------------------
_config: Optional[Config] = None
_config_error: Optional[str] = None


def _load_config() -> Optional[Config]:
    global _config, _config_error
    if _config is None and _config_error is None:
        try:
            _config = config_from_env(os.environ)
        except Exception as e:  # noqa: BLE001 - any failure here must deny, not crash every call
            _config_error = f"{type(e).__name__}: {e}"
            log.error(json.dumps({"decision": "Deny", "reason": CONFIG_ERROR, "detail": _config_error}))
    return _config


def lambda_handler(event: Any, context: Any) -> Dict[str, Any]:
    config = _load_config()
    if config is None:
        arn = event.get("methodArn") if isinstance(event, dict) else None
        return policy("Deny", arn if isinstance(arn, str) and arn else "*", "unauthorized")
    try:
        return authorize(event, config)
    except Unauthorized:
        # Exactly the documented form: API Gateway maps the error message "Unauthorized" to 401.
        raise Exception("Unauthorized") from None
    except Exception as e:  # noqa: BLE001 - a bug here must deny (403), not fail open or crash
        log.error(json.dumps({"decision": "Deny", "reason": "internal_error", "detail": type(e).__name__}))
        arn = event.get("methodArn") if isinstance(event, dict) else None
        return policy("Deny", arn if isinstance(arn, str) and arn else "*", "unauthorized")
