from pathlib import Path

import pytest

from shared.config import DEVELOPMENT_SECRET_KEY, ConfigError, load_settings


def test_defaults_are_an_embedded_sqlite_database_under_the_instance_folder(tmp_path: Path) -> None:
    settings = load_settings({"CASEWAY_INSTANCE_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'caseway.db'}"
    assert settings.storage_dir == tmp_path / "storage"
    assert settings.environment == "development"
    assert settings.secret_key == DEVELOPMENT_SECRET_KEY


def test_postgresql_urls_are_pinned_to_psycopg_3() -> None:
    settings = load_settings({"CASEWAY_DATABASE_URL": "postgresql://cw:pw@db.internal/caseway"})
    assert settings.database_url == "postgresql+psycopg://cw:pw@db.internal/caseway"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "CASEWAY_DATABASE_URL is not a database URL"),
        ("mysql://root@localhost/caseway", "Caseway supports sqlite and postgresql"),
    ],
)
def test_a_bad_database_url_gives_one_clear_line(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        load_settings({"CASEWAY_DATABASE_URL": url})
    assert "\n" not in str(raised.value)


# Production also refuses to start without encryption keys (tests/unit/test_encryption_keys.py).
PRODUCTION_KEYS = {
    "CASEWAY_ENCRYPTION_KEYS": "cw1zZDzkyQ0yzXk1xMgdtwh4AGnTwORaIUDcf4Gv6ok=",
    "CASEWAY_LOOKUP_KEY": "l" * 40,
}


def test_production_refuses_the_development_secret_key() -> None:
    with pytest.raises(ConfigError, match="CASEWAY_SECRET_KEY"):
        load_settings({"CASEWAY_ENV": "production"})
    with pytest.raises(ConfigError, match="at least 32 characters"):
        load_settings({"CASEWAY_ENV": "production", "CASEWAY_SECRET_KEY": "short"})
    settings = load_settings({"CASEWAY_ENV": "production", "CASEWAY_SECRET_KEY": "x" * 40,
                              **PRODUCTION_KEYS})  # fmt: skip
    assert settings.is_production


def test_unknown_environment_and_clamd_scheme_are_refused() -> None:
    with pytest.raises(ConfigError, match="CASEWAY_ENV"):
        load_settings({"CASEWAY_ENV": "staging"})
    with pytest.raises(ConfigError, match="CASEWAY_CLAMD_URL"):
        load_settings({"CASEWAY_CLAMD_URL": "http://127.0.0.1:3310"})


def test_dotenv_file_is_read_and_the_process_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("CASEWAY_SMTP_URL=smtp://mail.dev:2525\nCASEWAY_REDIS_URL=redis://dotenv/0\n")
    monkeypatch.setenv("CASEWAY_DOTENV", str(dotenv))
    monkeypatch.setenv("CASEWAY_REDIS_URL", "redis://from-environment/0")
    settings = load_settings()
    assert settings.smtp_url == "smtp://mail.dev:2525"
    assert settings.redis_url == "redis://from-environment/0"


def test_document_storage_and_upload_limit_settings(tmp_path: Path) -> None:
    from shared.storage import storage_for
    from shared.storage.local import LocalStorage
    from shared.storage.s3 import S3Storage

    default = load_settings({"CASEWAY_INSTANCE_DIR": str(tmp_path)})
    assert default.max_upload_bytes == 20 * 1024 * 1024
    assert isinstance(storage_for(default), LocalStorage)
    s3 = load_settings({"CASEWAY_STORAGE_URL": "s3://caseway-docs/council",
                        "CASEWAY_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
                        "CASEWAY_MAX_UPLOAD_MB": "5"})  # fmt: skip
    assert s3.max_upload_bytes == 5 * 1024 * 1024
    store = storage_for(s3)
    assert isinstance(store, S3Storage)
    assert (store.bucket, store.prefix) == ("caseway-docs", "council")
    with pytest.raises(ConfigError, match="CASEWAY_STORAGE_URL"):
        load_settings({"CASEWAY_STORAGE_URL": "/var/caseway"})
    with pytest.raises(ConfigError, match="CASEWAY_MAX_UPLOAD_MB"):
        load_settings({"CASEWAY_MAX_UPLOAD_MB": "0"})


def test_public_addresses_trusted_hosts_and_proxy_hops() -> None:
    settings = load_settings(
        {
            "CASEWAY_PORTAL_URL": "https://cases.council.example/",
            "CASEWAY_BACKOFFICE_URL": "https://staff.council.example:8443",
            "CASEWAY_TRUSTED_HOSTS": " portal.internal , ,10.0.0.5",
            "CASEWAY_PROXY_HOPS": "2",
        }
    )
    assert settings.public_url("portal") == "https://cases.council.example"
    assert settings.trusted_hosts("portal") == [
        "cases.council.example",
        "portal.internal",
        "10.0.0.5",
    ]
    assert settings.trusted_hosts("backoffice")[0] == "staff.council.example"
    assert settings.proxy_hops == 2
    assert load_settings({}).proxy_hops == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CASEWAY_PROXY_HOPS", "one", "CASEWAY_PROXY_HOPS must be a whole number"),
        ("CASEWAY_PROXY_HOPS", "-1", "CASEWAY_PROXY_HOPS must be a whole number"),
        ("CASEWAY_PORTAL_URL", "cases.council.example", "CASEWAY_PORTAL_URL must be the address"),
        ("CASEWAY_BACKOFFICE_URL", "javascript:alert(1)", "CASEWAY_BACKOFFICE_URL must be"),
    ],
)
def test_bad_addresses_and_hops_give_one_clear_line(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({name: value})


def test_the_english_region_sets_how_dates_are_written() -> None:
    from datetime import date

    from shared.i18n import formatting_locale, long_date

    assert load_settings({}).english_region == "GB"
    day = date(2025, 11, 3)
    assert long_date(day, formatting_locale("en", "GB")) == "3 November 2025"
    us = load_settings({"CASEWAY_ENGLISH_REGION": "us"}).english_region
    assert long_date(day, formatting_locale("en", us)) == "November 3, 2025"
    assert formatting_locale("cy", "GB") == "cy"  # other languages write their own way
    with pytest.raises(ConfigError, match="CASEWAY_ENGLISH_REGION"):
        load_settings({"CASEWAY_ENGLISH_REGION": "Narnia"})
