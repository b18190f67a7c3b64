"""`GET /healthz` on both apps: database, Redis and clamd, each up or down.

Open to anyone (load balancers and monitors call it), so it says states only: versions
and error texts tell an attacker what to aim at. An app may show the details to some
callers (the back office: a signed-in administrator) through
`CASEWAY_HEALTH_DETAILS_FOR`; `caseway health` prints them for operators on the machine.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from shared.services import health

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    from shared.web import services

    app_services = services()
    body, can_serve = health.report(
        app_services.engine, app_services.settings.redis_url, app_services.settings.clamd_url
    )
    checks: dict[str, dict[str, str]] = body["checks"]  # type: ignore[assignment]
    shows_details = current_app.config.get("CASEWAY_HEALTH_DETAILS_FOR", lambda: False)
    if shows_details():
        response = jsonify(body)
    else:
        states = {name: {"status": check["status"]} for name, check in checks.items()}
        response = jsonify({"status": body["status"], "checks": states})
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if can_serve else 503
