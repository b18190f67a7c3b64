"""The keyring and its configuration: where keys come from, production refusing to start
without them, sealing and opening under several keys, and sealed files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from shared.config import ConfigError, load_settings
from shared.encryption import files, keys

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def keyring_of(environ: dict[str, str]) -> keys.Keyring:
    return keys.keyring_for(load_settings({"CASEWAY_ENV": "test", **environ}))


def test_production_refuses_to_start_without_keys() -> None:
    production = {"CASEWAY_ENV": "production", "CASEWAY_SECRET_KEY": "s" * 40}
    with pytest.raises(ConfigError, match="CASEWAY_ENCRYPTION_KEYS .* must name the keys"):
        load_settings(production)
    with pytest.raises(ConfigError, match="CASEWAY_LOOKUP_KEY"):
        load_settings({**production, "CASEWAY_ENCRYPTION_KEYS": NEW})
    with pytest.raises(ConfigError, match="not a Fernet key"):
        load_settings({**production, "CASEWAY_ENCRYPTION_KEYS": "not-a-key"})
    settings = load_settings({**production, "CASEWAY_ENCRYPTION_KEYS": f"{NEW}, {OLD}",
                              "CASEWAY_LOOKUP_KEY": "l" * 40})  # fmt: skip
    assert settings.encryption_keys == (NEW, OLD)


def test_keys_from_a_file_the_operator_names(tmp_path: Path) -> None:
    named = tmp_path / "keys"
    named.write_text(f"# newest first\n{NEW}\n{OLD}\n")
    settings = load_settings({"CASEWAY_ENCRYPTION_KEYS_FILE": str(named)})
    assert settings.encryption_keys == (NEW, OLD)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings({"CASEWAY_ENCRYPTION_KEYS_FILE": str(tmp_path / "missing")})


def test_outside_production_a_key_file_is_made_once(tmp_path: Path) -> None:
    environ = {"CASEWAY_INSTANCE_DIR": str(tmp_path), "CASEWAY_ENCRYPTION_KEYS": ""}
    first = keyring_of(environ)
    made = tmp_path / keys.DEVELOPMENT_KEY_FILE
    assert made.stat().st_mode & 0o077 == 0  # readable by its owner only
    second = keyring_of(environ)
    assert first.ids == second.ids
    assert second.open(first.seal(b"x")) == b"x"


def test_the_first_key_seals_and_every_key_opens() -> None:
    before = keyring_of({"CASEWAY_ENCRYPTION_KEYS": OLD})
    after = keyring_of({"CASEWAY_ENCRYPTION_KEYS": f"{NEW},{OLD}"})
    sealed = before.seal(b"1961-07-23")
    assert "1961" not in sealed
    assert sealed.startswith(f"enc:{keys.key_id(OLD)}:")
    assert after.open(sealed) == b"1961-07-23"
    assert not after.is_current(sealed)
    resealed = after.reseal(sealed)
    assert after.is_current(resealed)
    with pytest.raises(keys.UnknownKey, match="not among the configured"):
        before.open(resealed)
    # Adding a newer key leaves the lookup hashes as they were.
    assert before.lookup_hash("dob", "x") == after.lookup_hash("dob", "x")
    assert before.lookup_hash("dob", "x") != before.lookup_hash("dob", "y")


def test_a_sealed_file_opens_whole_and_refuses_a_cut(tmp_path: Path) -> None:
    content = bytes(range(256)) * 1000  # several chunks
    plain, sealed = tmp_path / "plain", tmp_path / "sealed"
    plain.write_bytes(content)
    data_key = files.new_data_key()
    files.seal_file(plain, sealed, data_key)
    stored = sealed.read_bytes()
    assert content[:4096] not in stored
    assert files.open_sealed(io.BytesIO(stored), data_key).read() == content
    with pytest.raises(files.DamagedFile):
        files.open_sealed(io.BytesIO(stored[: -len(stored) // 3]), data_key).read()
    with pytest.raises(files.DamagedFile):
        files.open_sealed(io.BytesIO(stored), files.new_data_key()).read()
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    files.seal_file(empty, sealed, data_key)
    assert files.open_sealed(sealed.open("rb"), data_key).read() == b""
