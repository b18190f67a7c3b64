"""Rate limits on what a person or a script could abuse: filing, sign-in links, lookups.

Counted in Redis (Flask-Limiter), so every gunicorn process shares them. If Redis is
down the limits are not enforced rather than the service refusing everyone.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(get_remote_address, swallow_errors=True)

PER_CLIENT_FILING = "20 per hour"
PER_CLIENT_SIGN_IN = "10 per 15 minutes"
PER_ADDRESS_SIGN_IN = "3 per 15 minutes"
PER_CLIENT_LOOKUP = "10 per 15 minutes"
PER_ADDRESS_FILING = "10 per day"
PER_CLIENT_FEEDBACK = "10 per hour"


def email_in_form() -> str:
    """Limits per address: the email the form was sent with, whoever sends it."""
    return "address:" + (request.form.get("email") or "").strip().lower()


def init(app: Flask, redis_url: str) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "caseway-portal")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
