"""Wiring both Flask apps share: settings, database, templates, i18n, CSRF and headers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, g, request
from flask_babel import Babel
from flask_wtf import CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.middleware.proxy_fix import ProxyFix

from shared import PROJECT_ROOT
from shared.config import Settings, load_settings
from shared.db import make_engine
from shared.encryption import keys
from shared.i18n import DEFAULT_LOCALE, autonym, locales_for, text_direction
from shared.jobs import outbox
from shared.sla.policies import PolicyError, load_policies
from shared.storage import Storage, storage_for
from shared.web import dates, errors, health, ids, language, plain_text, session_timeout, text
from shared.web.receiving import UploadingRequest, max_request_bytes
from shared.workflow import WorkflowError, check_all_workflows

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
TRANSLATIONS_DIR = PROJECT_ROOT / "translations"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@dataclass(frozen=True)
class AppServices:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    storage: Storage


def create_app(
    import_name: str, *, app_name: str, layout: str, settings: Settings | None = None
) -> Flask:
    """A Flask app with Caseway's shared wiring; each app adds its own blueprints.

    `app_name` ("portal" or "backoffice") picks the locales the app offers.
    """
    settings = settings or load_settings()
    try:
        check_all_workflows()
        load_policies()
    except (WorkflowError, PolicyError) as error:  # one line: the file, the entry, the mistake
        raise SystemExit(f"caseway: {error}") from None
    app = Flask(import_name, static_folder=STATIC_DIR, static_url_path="/static")
    app.request_class = UploadingRequest
    ids.install(app)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        WTF_CSRF_TIME_LIMIT=None,  # the session cookie's lifetime bounds it instead
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
        BABEL_DEFAULT_LOCALE=DEFAULT_LOCALE,
        CASEWAY_LOCALES=locales_for(app_name),
        CASEWAY_LAYOUT=layout,
        MAX_CONTENT_LENGTH=max_request_bytes(settings.max_upload_bytes),
        CASEWAY_PUBLIC_URL=settings.public_url(app_name),
        TRUSTED_HOSTS=settings.trusted_hosts(app_name) if settings.is_production else None,
    )
    if settings.proxy_hops:
        # Behind N proxies, the client's address and scheme are what the Nth one saw; an
        # X-Forwarded-For from anywhere else is ignored, so it cannot dodge rate limits.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops
        )
    keys.configure_from(settings)  # process-wide: encrypted columns and documents use it
    engine = make_engine(settings.database_url)
    app.extensions["caseway"] = AppServices(
        settings,
        engine,
        outbox.sessions_with_outbox(engine, settings.redis_url),
        storage_for(settings),
    )
    _configure_templates(app)
    Babel(app, locale_selector=language.select_locale)
    dates.install(app)
    CSRFProtect(app)
    app.after_request(_security_headers)
    app.after_request(_never_stored)
    app.teardown_appcontext(_close_session)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(language.blueprint)
    session_timeout.configure(app, settings.session_timeout_seconds)
    errors.register(app)
    text.install(app)
    plain_text.install(app)
    return app


def _configure_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(TEMPLATES_DIR),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)

    @app.context_processor
    def _page_globals() -> dict[str, object]:
        from flask_babel import get_locale

        locale = str(get_locale() or DEFAULT_LOCALE)
        return {
            "layout": app.config["CASEWAY_LAYOUT"],
            "current_locale": locale,
            "offered_locales": app.config["CASEWAY_LOCALES"],
            "autonym": autonym,
            "html_lang": locale.replace("_", "-"),
            "html_dir": text_direction(locale),
        }


def services() -> AppServices:
    from flask import current_app

    found: AppServices = current_app.extensions["caseway"]
    return found


def db_session() -> Session:
    """The session of the current request, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = services().sessions()
    session: Session = g.db_session
    return session


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction for a use case: commit at the end, roll back on any error. What the
    request read before (the session begins on first use) is part of the same transaction."""
    session = db_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _close_session(_error: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def _never_stored(response):  # type: ignore[no-untyped-def]
    # Deny by default, in both apps: nearly every page can show personal data (a case, a
    # form's answers, a file, a member of staff), so no browser or shared cache may keep
    # any of them, not even the sign-in page (its form carries a session's CSRF token).
    # Only static assets are the same for everyone.
    if request.endpoint != "static":
        response.cache_control.no_store = True
    return response


def _security_headers(response):  # type: ignore[no-untyped-def]
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response
