"""The public portal: residents file, track and follow their cases."""

from __future__ import annotations

from flask import Flask, request

from shared.config import Settings
from shared.web import create_app


def create_portal(settings: Settings | None = None) -> Flask:
    from portal.views import accessibility, cookies, home
    from shared.web import consent

    app = create_app(__name__, app_name="portal", layout="portal/layout.html", settings=settings)
    for view in (home, cookies, accessibility):
        app.register_blueprint(view.blueprint)

    @app.context_processor
    def _cookie_banner() -> dict[str, object]:
        return {"show_cookie_banner": not consent.choice_made(request)}

    return app
