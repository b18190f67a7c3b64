"""The keyring: Fernet master keys (newest first: the first encrypts, all decrypt) and the
lookup key of the keyed hashes, one per process.

Every sealed value names the key that sealed it (`enc:<key id>:<Fernet token>`), so a
reader goes straight to its key, and `caseway keys rotate` tells a row already under the
newest key from one to re-encrypt without decrypting it. The key id is a short hash of
the key, which reveals nothing of it.

The apps (shared/web), the worker (shared/jobs/context) and the CLI configure the keyring
from their settings when they start; anything else that reaches for it first (a script, a
test) gets one from `load_settings()`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.config import ConfigError, Settings, load_settings

PREFIX = "enc:"
# Generated once in the instance folder outside production (never in production, which
# refuses to start without keys of its own: shared/config.py).
DEVELOPMENT_KEY_FILE = "encryption.keys"


class UnknownKey(Exception):
    """A value was sealed with a key the keyring no longer holds."""


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()[:8]


class Keyring:
    def __init__(self, keys: Sequence[str], lookup_key: bytes) -> None:
        if not keys:
            raise ConfigError("the keyring needs at least one Fernet key")
        self.ids = [key_id(key) for key in keys]
        fernets = [Fernet(key) for key in keys]
        self._by_id = dict(zip(self.ids, fernets, strict=True))
        self._multi = MultiFernet(fernets)
        self._lookup_key = lookup_key

    @property
    def primary_id(self) -> str:
        return self.ids[0]

    def seal(self, plaintext: bytes) -> str:
        """Encrypted with the newest key, marked with its id."""
        return f"{PREFIX}{self.primary_id}:{self._multi.encrypt(plaintext).decode('ascii')}"

    def open(self, sealed: str) -> bytes:
        kid, _colon, token = sealed.removeprefix(PREFIX).partition(":")
        fernet = self._by_id.get(kid)
        if fernet is None:
            raise UnknownKey(
                f"a value was encrypted with key {kid}, which is not among the configured "
                "encryption keys (was a key removed before `caseway keys rotate` finished?)"
            )
        try:
            return fernet.decrypt(token)
        except InvalidToken:
            raise UnknownKey(f"a value under key {kid} does not decrypt: altered?") from None

    def is_current(self, sealed: str) -> bool:
        return sealed.startswith(f"{PREFIX}{self.primary_id}:")

    def reseal(self, sealed: str) -> str:
        """The same plaintext under the newest key."""
        return self.seal(self.open(sealed))

    def lookup_hash(self, purpose: str, value: str) -> str:
        """A keyed hash (HMAC-SHA256) for equality lookups: the same value always gives
        the same hash, which tells nothing without the lookup key."""
        message = f"{purpose}:{value}".encode()
        return hmac.new(self._lookup_key, message, hashlib.sha256).hexdigest()


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def keyring_for(settings: Settings) -> Keyring:
    keys = list(settings.encryption_keys) or _development_keys(settings)
    return Keyring(keys, _lookup_key(settings, keys))


def _lookup_key(settings: Settings, keys: Sequence[str]) -> bytes:
    if settings.lookup_key:
        return settings.lookup_key.encode()
    # Outside production (which must set CASEWAY_LOOKUP_KEY), derived from the OLDEST key
    # listed, which adding a newer key at the front does not change.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"caseway lookup key").derive(keys[-1].encode("ascii"))  # fmt: skip


def _development_keys(settings: Settings) -> list[str]:
    if settings.is_production:  # load_settings refuses this; a hand-made Settings may not
        raise ConfigError("CASEWAY_ENCRYPTION_KEYS must be set when CASEWAY_ENV=production")
    path = Path(settings.instance_dir) / DEVELOPMENT_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked into place: of two processes
        # starting at once, one key wins and neither reads a half-written file.
        written = path.with_name(f".{path.name}.{os.getpid()}")
        written.write_text(Fernet.generate_key().decode("ascii") + "\n", encoding="ascii")
        written.chmod(0o600)
        try:
            os.link(written, path)
        except FileExistsError:
            pass
        finally:
            written.unlink()
    lines = path.read_text(encoding="ascii").split()
    return [line for line in lines if line and not line.startswith("#")]


_lock = threading.Lock()
_current: Keyring | None = None


def configure(keyring: Keyring) -> None:
    global _current
    with _lock:
        _current = keyring


def configure_from(settings: Settings) -> Keyring:
    keyring = keyring_for(settings)
    configure(keyring)
    return keyring


def current() -> Keyring:
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = keyring_for(load_settings())
    return _current
