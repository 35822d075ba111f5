"""Revoked token ids (jti): where the authorizer asks "was this link withdrawn?".

A store has one method, ``is_revoked(jti) -> bool``; it raises when it cannot tell, and the
authorizer then refuses (fails closed). Production uses DynamoDB (table layout in docs/identity.md);
tests and the dev server use a file with one jti per line (the dev server's --revoked-jti format) or
a set in memory. boto3 is imported only when a DynamoDB store is built without a client, so the tests
run on a machine without boto3.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Optional, Protocol

MAX_REVOKED_FILE_BYTES = 16 * 1024 * 1024  # ~500,000 ids; a bigger file belongs in DynamoDB


class RevocationStore(Protocol):
    def is_revoked(self, jti: str) -> bool: ...


class MemoryRevocationStore:
    def __init__(self, jtis: Iterable[str] = ()) -> None:
        self._jtis = set(jtis)

    def revoke(self, jti: str) -> None:
        self._jtis.add(jti)

    def is_revoked(self, jti: str) -> bool:
        return jti in self._jtis


def parse_revoked_lines(text: str) -> set:
    """One jti per line; surrounding whitespace and empty lines are ignored (a jti has no spaces)."""
    return {line.strip() for line in text.splitlines() if line.strip()}


class FileRevocationStore:
    """Re-reads the file when its size or mtime changes, so `echo JTI >> FILE` takes effect at once."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._stamp: Optional[tuple] = None
        self._jtis: set = set()

    def is_revoked(self, jti: str) -> bool:
        st = os.stat(self._path)  # a missing file raises: the authorizer fails closed
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
        if stamp != self._stamp:
            if st.st_size > MAX_REVOKED_FILE_BYTES:
                raise ValueError(f"{self._path} is over {MAX_REVOKED_FILE_BYTES} bytes")
            with open(self._path, "r", encoding="utf-8") as f:
                self._jtis = parse_revoked_lines(f.read())
            self._stamp = stamp
        return jti in self._jtis


class DynamoDbRevocationStore:
    """Table keyed by the string attribute ``Jti``; an item's presence means revoked.

    ``client`` is a boto3 DynamoDB *client* (``boto3.client("dynamodb")``) or anything with the same
    ``get_item``; a strongly consistent read, so a revocation applies to the very next $connect.
    """

    def __init__(self, table_name: str, client: Any = None) -> None:
        if not table_name:
            raise ValueError("the revocation table name is empty")
        if client is None:
            import boto3  # lazy: production only; Lambda's Python runtime includes boto3

            client = boto3.client("dynamodb")
        self._table = table_name
        self._client = client

    def is_revoked(self, jti: str) -> bool:
        response = self._client.get_item(
            TableName=self._table,
            Key={"Jti": {"S": jti}},
            ConsistentRead=True,
            ProjectionExpression="Jti",
        )
        return "Item" in response
