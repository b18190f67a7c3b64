"""Staff passwords (argon2) and signed, expiring tokens for links sent by email."""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

# argon2-cffi's defaults (RFC 9106's low-memory recommendation). A hash records its own
# parameters, so changing them never locks anyone out; the test suite swaps in the
# cheapest ones (tests/conftest.py), as Django's test settings swap password hashers.
PRODUCTION_HASHER = PasswordHasher()
_hasher = PRODUCTION_HASHER


def use_password_hasher(hasher: PasswordHasher) -> None:
    global _hasher
    _hasher = hasher


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sign_token(secret_key: str, purpose: str, payload: Any) -> str:
    """A URL-safe token only this deployment can make, bound to one purpose."""
    return URLSafeTimedSerializer(secret_key, salt=f"caseway.{purpose}").dumps(payload)


def read_token(secret_key: str, purpose: str, token: str, max_age_seconds: int) -> Any | None:
    """The payload of a valid, unexpired token for `purpose`; None otherwise."""
    serializer = URLSafeTimedSerializer(secret_key, salt=f"caseway.{purpose}")
    try:
        return serializer.loads(token, max_age=max_age_seconds)
    except BadSignature:  # SignatureExpired is a subclass
        return None
