"""Rate limits on what a script could abuse in the back office: guessing passwords.

Counted in Redis (Flask-Limiter), so every gunicorn process shares them; per client
address, on top of the per-account lock (shared/services/staff_sign_in.py).
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(get_remote_address, swallow_errors=True)

PER_CLIENT_SIGN_IN = "10 per 5 minutes"
# Passwords and two-factor codes are counted together, against one limit per client.
SIGN_IN_SCOPE = "sign-in"


def init(app: Flask, redis_url: str) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "caseway-backoffice")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
