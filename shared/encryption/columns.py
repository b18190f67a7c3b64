"""Column types that encrypt on write and decrypt on read, so code using the models reads
and writes plain values and never sees a ciphertext.

A row written before encryption (plain JSON, a plain ISO date) still reads: a value
without the `enc:` mark is taken as it is, until `caseway keys rotate` encrypts it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import JSON, Text, TypeDecorator
from sqlalchemy.engine import Dialect

from shared.encryption import keys

DATE_OF_BIRTH = "date_of_birth"


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document (answers to a form) encrypted whole. The column stays JSON: the
    ciphertext is a JSON string, a row from before encryption an object."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return keys.current().seal(json.dumps(value, separators=(",", ":")).encode())

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if keys.is_sealed(value):
            return json.loads(keys.current().open(value))
        return value


class EncryptedText(TypeDecorator[str]):
    """A secret string (an authenticator app's key), kept as its ciphertext."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keys.current().seal(value.encode())

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or not keys.is_sealed(value):
            return value
        return keys.current().open(value).decode()


class EncryptedDate(TypeDecorator[date]):
    """A date kept as text: its ciphertext, or an ISO date from before encryption."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: date | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keys.current().seal(value.isoformat().encode())

    def process_result_value(self, value: str | None, dialect: Dialect) -> date | None:
        if value is None:
            return None
        if keys.is_sealed(value):
            return date.fromisoformat(keys.current().open(value).decode())
        return date.fromisoformat(value)


def date_of_birth_hash(value: date | None) -> str | None:
    """What duplicate detection compares instead of the date itself."""
    if value is None:
        return None
    return keys.current().lookup_hash(DATE_OF_BIRTH, value.isoformat())
