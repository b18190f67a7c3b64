"""The staff back office: triage, routing, casework and decisions."""

from __future__ import annotations

from flask import Flask

from shared.config import Settings
from shared.web import create_app


def create_backoffice(settings: Settings | None = None) -> Flask:
    from backoffice.views import home

    app = create_app(
        __name__, app_name="backoffice", layout="backoffice/layout.html", settings=settings
    )
    app.register_blueprint(home.blueprint)
    return app
