"""The public portal: residents file, track and follow their cases."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import get_locale

from shared.casetypes import load_case_types
from shared.config import Settings
from shared.services import signin
from shared.web import create_app, db_session


def case_type_label(code: str) -> str:
    """A case type's name in the page's language, from configuration."""
    definition = next((d for d in load_case_types() if d.code == code), None)
    return definition.label(str(get_locale() or "en")) if definition else code


def create_portal(settings: Settings | None = None) -> Flask:
    from portal import limits, status
    from portal.views import (
        accessibility,
        cookies,
        feedback,
        filing,
        home,
        messages,
        tracking,
        uploads,
    )
    from shared.web import consent

    app = create_app(__name__, app_name="portal", layout="portal/layout.html", settings=settings)
    for view in (home, cookies, accessibility, feedback, filing, uploads, tracking, messages):
        app.register_blueprint(view.blueprint)

    @app.context_processor
    def _cookie_banner() -> dict[str, object]:
        return {"show_cookie_banner": not consent.choice_made(request)}

    limits.init(app, app.extensions["caseway"].settings.redis_url)

    @app.before_request
    def _signed_in_citizen() -> None:
        g.party = None
        if "party_id" not in session:
            return
        g.party = signin.signed_in_party(db_session(), party_id=session["party_id"],
                                         version=session.get("session_version"))  # fmt: skip
        if g.party is None:
            # Signed out since (or signed in again elsewhere): a replayed copy of this
            # cookie must not keep its looked-up cases or drafts either.
            locale = session.get("locale")
            session.clear()
            if locale:
                session["locale"] = locale

    app.add_template_global(case_type_label)
    app.add_template_global(status.status_text)
    app.add_template_global(status.next_text)

    return app
