"""`GET /healthz` on both apps: database, Redis and clamd, each up or down.

Open to anyone (load balancers and monitors call it), so it says states only: versions
and error texts tell an attacker what to aim at. `caseway health` prints the details for
operators on the machine.
"""

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
    checks: dict[str, dict[str, str]] = body["checks"]  # type: ignore[assignment]
    states = {name: {"status": check["status"]} for name, check in checks.items()}
    response = jsonify({"status": body["status"], "checks": states})
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if can_serve else 503
