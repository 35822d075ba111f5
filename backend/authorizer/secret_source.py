"""Where the HMAC secret comes from: a file (tests, dev server, scripts/resident-link), AWS Secrets
Manager or an SSM SecureString parameter (production). Every source goes through the same rule
(token_contract.key_from_secret_bytes: one trailing newline stripped, at least 32 bytes).

Environment (exactly one of):
  BOS_AUTH_SECRET_FILE       a path; the file's bytes are the secret
  BOS_AUTH_SECRET_ID         a Secrets Manager secret id or ARN (SecretBinary, else SecretString)
  BOS_AUTH_SECRET_PARAMETER  an SSM parameter name (SecureString, read WithDecryption)

boto3 is imported only for the two AWS sources, and only if no client is injected.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping, Optional

from token_contract import MAX_SECRET_FILE_BYTES, SecretError, key_from_secret_bytes

SECRET_ENV_VARS = ("BOS_AUTH_SECRET_FILE", "BOS_AUTH_SECRET_ID", "BOS_AUTH_SECRET_PARAMETER")


def read_secret_file(path: str) -> bytes:
    """The key from a secret file; SecretError (never OSError) with a message that names the path."""
    if not path:
        raise SecretError("the secret file path is empty")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SECRET_FILE_BYTES + 1)
    except FileNotFoundError:
        raise SecretError(f"the secret file {path} does not exist") from None
    except IsADirectoryError:
        raise SecretError(f"the secret file {path} is a directory") from None
    except OSError as e:
        raise SecretError(f"cannot read the secret file {path}: {e.strerror}") from None
    return key_from_secret_bytes(data, f"the secret file {path}")


def _boto3_client(service: str) -> Any:
    import boto3  # lazy: production only

    return boto3.client(service)


def key_from_secrets_manager(secret_id: str, client: Any = None) -> bytes:
    client = client or _boto3_client("secretsmanager")
    response = client.get_secret_value(SecretId=secret_id)
    if response.get("SecretBinary") is not None:
        data = response["SecretBinary"]
    else:
        data = str(response.get("SecretString", "")).encode("utf-8")
    return key_from_secret_bytes(data, f"the secret {secret_id}")


def key_from_ssm(name: str, client: Any = None) -> bytes:
    client = client or _boto3_client("ssm")
    response = client.get_parameter(Name=name, WithDecryption=True)
    data = str(response["Parameter"]["Value"]).encode("utf-8")
    return key_from_secret_bytes(data, f"the parameter {name}")


def load_key(env: Mapping[str, str],
             client_factory: Optional[Callable[[str], Any]] = None) -> bytes:
    """The key named by the environment; SecretError if none or more than one source is set."""
    chosen = [name for name in SECRET_ENV_VARS if env.get(name)]
    if len(chosen) != 1:
        raise SecretError(f"set exactly one of {', '.join(SECRET_ENV_VARS)} "
                          f"({'none' if not chosen else ', '.join(chosen)} set)")
    name = chosen[0]
    factory = client_factory or _boto3_client
    if name == "BOS_AUTH_SECRET_FILE":
        return read_secret_file(env[name])
    if name == "BOS_AUTH_SECRET_ID":
        return key_from_secrets_manager(env[name], factory("secretsmanager"))
    return key_from_ssm(env[name], factory("ssm"))


def secret_file_from_environment(env: Mapping[str, str] = os.environ) -> bytes:
    """For scripts/resident-link: the file named by BOS_AUTH_SECRET_FILE, never an argument."""
    path = env.get("BOS_AUTH_SECRET_FILE", "")
    if not path:
        raise SecretError("BOS_AUTH_SECRET_FILE is not set: it must name the file holding the "
                          "signing secret (the secret is never passed as an argument)")
    return read_secret_file(path)
