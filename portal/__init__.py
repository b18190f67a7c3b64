"""The public portal: residents file, track and follow their cases."""

from __future__ import annotations

from flask import Flask

from shared.config import Settings
from shared.web import create_app


def create_portal(settings: Settings | None = None) -> Flask:
    from portal.views import home

    app = create_app(__name__, layout="portal/layout.html", settings=settings)
    app.register_blueprint(home.blueprint)
    return app
