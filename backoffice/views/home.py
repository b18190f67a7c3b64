"""The back office's landing page."""

from __future__ import annotations

from flask import Blueprint, render_template

from shared.services import health
from shared.web import services

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
def index() -> str:
    app_services = services()
    checks, _ = health.report(
        app_services.engine, app_services.settings.redis_url, app_services.settings.clamd_url
    )
    return render_template("backoffice/home.html", checks=checks["checks"])
