"""`GET /healthz` on both apps: database, Redis and clamd, each up or down with a reason."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from shared.services import health

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    from shared.web import services

    app_services = services()
    body, can_serve = health.report(
        app_services.engine, app_services.settings.redis_url, app_services.settings.clamd_url
    )
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if can_serve else 503
