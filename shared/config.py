"""Settings read from the environment (and a `.env` file in development).

Every setting has a safe default for one developer on one machine; production refuses to
start with the development secret key, because signed cookies and emailed links would be
forgeable by anyone who has read this file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from babel import localedata
from cryptography.fernet import Fernet
from dotenv import dotenv_values
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from shared import PROJECT_ROOT

DEVELOPMENT_SECRET_KEY = "caseway-development-key-not-for-production"  # noqa: S105
ENVIRONMENTS = ("development", "test", "production")
SUPPORTED_DATABASES = ("sqlite", "postgresql")
MINIMUM_SECRET_KEY_LENGTH = 32


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line a person can act on."""


@dataclass(frozen=True)
class SingleSignOn:
    """Staff sign-in through the organisation's OpenID Connect provider, beside passwords."""

    issuer: str  # the provider's issuer; its discovery document is under it
    client_id: str
    client_secret: str
    name: str  # on the button: "Sign in with <name>"
    role_claim: str = "roles"
    # The provider's role values, each with the Caseway role code it grants.
    role_map: tuple[tuple[str, str], ...] = ()
    team_claim: str = ""  # empty: teams are kept in Caseway, not taken from the provider
    provision: bool = False  # create an account at a first sign-in, or only match existing ones
    # When an account not yet linked may be matched by its email address: "verified" (the
    # provider says email_verified), "always" (the provider owns every address, as Entra ID
    # does for its tenant's), "never".
    link_by_email: str = "verified"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    redis_url: str
    clamd_url: str
    storage_dir: Path
    secret_key: str
    smtp_url: str
    instance_dir: Path
    session_timeout_seconds: int = 30 * 60
    organisation_name: str = "Caseway"
    contact_email: str = "help@caseway.example"
    # Shown on the portal's home page for people who cannot use the service online.
    contact_phone: str = ""
    contact_address: str = ""
    portal_url: str = "http://127.0.0.1:5000"
    backoffice_url: str = "http://127.0.0.1:5001"
    mail_from: str = "Caseway <noreply@caseway.example>"
    # The domain of the signed reply addresses on new-message emails, whose mail reaches
    # `caseway mail-in` (an MX record, or the organisation's mail server relaying to it).
    reply_domain: str = "reply.caseway.example"
    # Empty: files in `storage_dir`; "s3://bucket/prefix": an S3-compatible object store.
    storage_url: str = ""
    s3_endpoint_url: str | None = None
    max_upload_bytes: int = 20 * 1024 * 1024
    # Host names served besides those of the two public addresses (production only).
    extra_trusted_hosts: tuple[str, ...] = ()
    # How many proxies in front of the apps add X-Forwarded-For (0: none, trust no header).
    proxy_hops: int = 0
    # The region whose way of writing dates English pages and notices use (GB: 3 November).
    english_region: str = "GB"
    # Fernet master keys for encryption at rest (shared/encryption), newest first: the
    # first encrypts, all decrypt. Empty outside production: a key file is generated in
    # the instance folder. The lookup key keys the hashes equality lookups use.
    encryption_keys: tuple[str, ...] = ()
    lookup_key: str = ""
    # None: no single sign-on, staff sign in with passwords only.
    single_sign_on: SingleSignOn | None = None
    # Role codes whose holders must use two-factor sign-in when they sign in with a
    # password (single sign-on leaves the second factor to the identity provider).
    two_factor_required_roles: tuple[str, ...] = ("administrator",)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def public_url(self, app_name: str) -> str:
        """Where people reach `app_name` ("portal" or "backoffice"): the base of its links."""
        return self.portal_url if app_name == "portal" else self.backoffice_url

    def trusted_hosts(self, app_name: str) -> list[str]:
        """The Host headers `app_name` answers in production; any other gets a 400."""
        host = urlsplit(self.public_url(app_name)).hostname or ""
        return [host, *self.extra_trusted_hosts]


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from `environ` (default: `.env` overlaid by the process environment)."""
    env = dict(environ) if environ is not None else _environment_with_dotenv()
    instance_dir = Path(env.get("CASEWAY_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    environment = env.get("CASEWAY_ENV", "development")
    if environment not in ENVIRONMENTS:
        raise ConfigError(
            f"CASEWAY_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}"
        )
    mail_from = env.get("CASEWAY_MAIL_FROM", "Caseway <noreply@caseway.example>")
    settings = Settings(
        environment=environment,
        database_url=normalise_database_url(
            env.get("CASEWAY_DATABASE_URL") or f"sqlite:///{instance_dir / 'caseway.db'}"
        ),
        redis_url=env.get("CASEWAY_REDIS_URL", "redis://127.0.0.1:6379/0"),
        clamd_url=_checked_clamd_url(env.get("CASEWAY_CLAMD_URL", "tcp://127.0.0.1:3310")),
        storage_dir=Path(env.get("CASEWAY_STORAGE_DIR", instance_dir / "storage")),
        secret_key=env.get("CASEWAY_SECRET_KEY") or DEVELOPMENT_SECRET_KEY,
        smtp_url=env.get("CASEWAY_SMTP_URL", "smtp://127.0.0.1:8025"),
        instance_dir=instance_dir,
        session_timeout_seconds=60 * _positive_int(env, "CASEWAY_SESSION_TIMEOUT_MINUTES", 30),
        organisation_name=env.get("CASEWAY_ORGANISATION_NAME", "Caseway"),
        contact_email=env.get("CASEWAY_CONTACT_EMAIL", "help@caseway.example"),
        contact_phone=env.get("CASEWAY_CONTACT_PHONE", "").strip(),
        contact_address=env.get("CASEWAY_CONTACT_ADDRESS", "").strip(),
        portal_url=_checked_public_url(env, "CASEWAY_PORTAL_URL", "http://127.0.0.1:5000"),
        backoffice_url=_checked_public_url(env, "CASEWAY_BACKOFFICE_URL", "http://127.0.0.1:5001"),
        mail_from=mail_from,
        reply_domain=_reply_domain(env.get("CASEWAY_REPLY_DOMAIN", ""), mail_from),
        storage_url=_checked_storage_url(env.get("CASEWAY_STORAGE_URL", "")),
        s3_endpoint_url=env.get("CASEWAY_S3_ENDPOINT_URL") or None,
        max_upload_bytes=1024 * 1024 * _positive_int(env, "CASEWAY_MAX_UPLOAD_MB", 20),
        extra_trusted_hosts=tuple(
            host.strip() for host in env.get("CASEWAY_TRUSTED_HOSTS", "").split(",") if host.strip()
        ),
        proxy_hops=_whole_number(env, "CASEWAY_PROXY_HOPS", 0),
        english_region=_checked_english_region(env.get("CASEWAY_ENGLISH_REGION", "GB")),
        encryption_keys=_encryption_keys(env),
        lookup_key=env.get("CASEWAY_LOOKUP_KEY", "").strip(),
        single_sign_on=_single_sign_on(env, env.get("CASEWAY_ORGANISATION_NAME", "Caseway")),
        two_factor_required_roles=_role_codes(env.get("CASEWAY_TWO_FACTOR_REQUIRED_ROLES")),
    )
    if settings.is_production and (
        settings.secret_key == DEVELOPMENT_SECRET_KEY
        or len(settings.secret_key) < MINIMUM_SECRET_KEY_LENGTH
    ):
        raise ConfigError(
            f"CASEWAY_SECRET_KEY must be set to a random value of at least "
            f"{MINIMUM_SECRET_KEY_LENGTH} characters when CASEWAY_ENV=production"
        )
    if settings.is_production:
        _check_encryption_keys_for_production(settings)
    return settings


def _encryption_keys(env: Mapping[str, str]) -> tuple[str, ...]:
    """CASEWAY_ENCRYPTION_KEYS (comma-separated) or the file CASEWAY_ENCRYPTION_KEYS_FILE
    names (one a line, # for comments); each must be a Fernet key."""
    listed = env.get("CASEWAY_ENCRYPTION_KEYS", "")
    source = "CASEWAY_ENCRYPTION_KEYS"
    named_file = env.get("CASEWAY_ENCRYPTION_KEYS_FILE", "").strip()
    if not listed.strip() and named_file:
        source = f"CASEWAY_ENCRYPTION_KEYS_FILE ({named_file})"
        try:
            listed = Path(named_file).read_text(encoding="ascii").replace("\n", ",")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{source} cannot be read: {error}") from None
    keys = tuple(
        key.strip() for key in listed.split(",") if key.strip() and not key.strip().startswith("#")
    )
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise ConfigError(
                f"{source} holds a value that is not a Fernet key "
                "(make one with `caseway keys new`)"
            ) from None
    return keys


def _check_encryption_keys_for_production(settings: Settings) -> None:
    if not settings.encryption_keys:
        raise ConfigError(
            "CASEWAY_ENCRYPTION_KEYS (or CASEWAY_ENCRYPTION_KEYS_FILE) must name the keys "
            "that encrypt personal data at rest when CASEWAY_ENV=production "
            "(make one with `caseway keys new`)"
        )
    if len(settings.lookup_key) < MINIMUM_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"CASEWAY_LOOKUP_KEY must be set to a random value of at least "
            f"{MINIMUM_SECRET_KEY_LENGTH} characters when CASEWAY_ENV=production "
            "(it keys the hashes duplicate detection looks up: set it once, never change it)"
        )


def normalise_database_url(raw: str) -> str:
    """Check the URL and pin PostgreSQL to psycopg 3, the driver Caseway ships with."""
    try:
        url: URL = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            "CASEWAY_DATABASE_URL is not a database URL "
            "(expected sqlite:///path/to/file.db or postgresql://user@host/dbname)"
        ) from None
    if url.get_backend_name() not in SUPPORTED_DATABASES:
        raise ConfigError(
            f"CASEWAY_DATABASE_URL uses {url.get_backend_name()!r}; "
            f"Caseway supports {' and '.join(SUPPORTED_DATABASES)}"
        )
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise ConfigError(f"{name} must be a whole number above 0, not {raw!r}")
    return int(raw)


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number (0 or more), not {raw!r}")
    return int(raw)


def _checked_public_url(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, default).rstrip("/")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be the address people use, like https://cases.example.gov")
    return raw


def _reply_domain(raw: str, mail_from: str) -> str:
    """The configured reply domain, or "reply." and the domain notices are sent from."""
    domain = raw.strip().lower().rstrip(".")
    if not domain:
        sender_domain = parseaddr(mail_from)[1].rpartition("@")[2].lower()
        return f"reply.{sender_domain or 'caseway.example'}"
    if "@" in domain or not all(
        label and label.replace("-", "").isalnum() for label in domain.split(".")
    ):
        raise ConfigError(
            f"CASEWAY_REPLY_DOMAIN must be a domain name, like reply.example.gov, not {raw!r}"
        )
    return domain


def _role_codes(raw: str | None) -> tuple[str, ...]:
    """Comma-separated role codes; unset means administrators, empty means nobody."""
    from shared.models.staff import RoleCode  # here: the models need none of the settings

    if raw is None:
        return ("administrator",)
    codes = tuple(role.strip().lower() for role in raw.split(",") if role.strip())
    # A misspelt code would otherwise oblige nobody, silently: refused at start instead.
    known = {code.value for code in RoleCode}
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ConfigError(
            f"CASEWAY_TWO_FACTOR_REQUIRED_ROLES must name roles among "
            f"{', '.join(sorted(known))}; {', '.join(repr(code) for code in unknown)} "
            f"{'is' if len(unknown) == 1 else 'are'} not"
        )
    return codes


def _checked_english_region(raw: str) -> str:
    region = raw.strip().upper()
    if not localedata.exists(f"en_{region}"):
        raise ConfigError(
            f"CASEWAY_ENGLISH_REGION must be a region English is written in, like GB, IE or "
            f"AU, not {raw!r}"
        )
    return region


def _checked_clamd_url(raw: str) -> str:
    if not (raw.startswith("unix://") or raw.startswith("tcp://")):
        raise ConfigError("CASEWAY_CLAMD_URL must be unix:///path/to/clamd.sock or tcp://host:port")
    return raw


def _checked_storage_url(raw: str) -> str:
    if raw and not (raw.startswith("s3://") and len(raw) > len("s3://")):
        raise ConfigError(
            "CASEWAY_STORAGE_URL must be empty (files in CASEWAY_STORAGE_DIR) "
            "or s3://bucket[/prefix]"
        )
    return raw


def _environment_with_dotenv() -> dict[str, str]:
    dotenv_path = Path(os.environ.get("CASEWAY_DOTENV", PROJECT_ROOT / ".env"))
    from_file = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None}
    return {**from_file, **os.environ}


# ---------------------------------------------------------------- single sign-on

LINK_BY_EMAIL = ("verified", "always", "never")


def _single_sign_on(env: Mapping[str, str], organisation_name: str) -> SingleSignOn | None:
    issuer = env.get("CASEWAY_OIDC_ISSUER", "").strip().rstrip("/")
    if not issuer:
        return None
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            "CASEWAY_OIDC_ISSUER must be the provider's issuer, like https://login.example.gov"
        )
    client_id = env.get("CASEWAY_OIDC_CLIENT_ID", "").strip()
    client_secret = env.get("CASEWAY_OIDC_CLIENT_SECRET", "").strip()
    if not client_id or not client_secret:
        raise ConfigError(
            "CASEWAY_OIDC_CLIENT_ID and CASEWAY_OIDC_CLIENT_SECRET must be set with "
            "CASEWAY_OIDC_ISSUER (the client registered at the provider)"
        )
    link_by_email = env.get("CASEWAY_OIDC_LINK_BY_EMAIL", "verified").strip().lower()
    if link_by_email not in LINK_BY_EMAIL:
        raise ConfigError(
            f"CASEWAY_OIDC_LINK_BY_EMAIL must be one of {', '.join(LINK_BY_EMAIL)}, "
            f"not {link_by_email!r}"
        )
    return SingleSignOn(
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        name=env.get("CASEWAY_OIDC_NAME", "").strip() or organisation_name,
        role_claim=env.get("CASEWAY_OIDC_ROLE_CLAIM", "").strip() or "roles",
        role_map=_role_map(env.get("CASEWAY_OIDC_ROLE_MAP", "")),
        team_claim=env.get("CASEWAY_OIDC_TEAM_CLAIM", "").strip(),
        provision=_switch(env, "CASEWAY_OIDC_PROVISION"),
        link_by_email=link_by_email,
    )


def _role_map(raw: str) -> tuple[tuple[str, str], ...]:
    """Pairs of the provider's value and a Caseway role code, from
    "case-workers=caseworker,supervisors=supervisor". A code that names no role is refused
    at start, not at sign-in."""
    from shared.models.staff import RoleCode  # here: the models need none of the settings

    codes = {code.value for code in RoleCode}
    pairs: list[tuple[str, str]] = []
    for item in raw.split(","):
        if not item.strip():
            continue
        theirs, equals, ours = item.rpartition("=")
        if not equals or not theirs.strip() or ours.strip() not in codes:
            raise ConfigError(
                f"CASEWAY_OIDC_ROLE_MAP must be pairs like case-workers=caseworker, each "
                f"naming one of {', '.join(sorted(codes))}; {item.strip()!r} is not"
            )
        pairs.append((theirs.strip(), ours.strip()))
    return tuple(pairs)


def _switch(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "off").strip().lower()
    if raw in ("1", "on", "true", "yes"):
        return True
    if raw in ("", "0", "off", "false", "no"):
        return False
    raise ConfigError(f"{name} must be on or off, not {raw!r}")
