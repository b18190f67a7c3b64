"""The citizen's cookie choice, kept in a cookie of its own (GOV.UK cookie banner pattern).

Essential cookies (the session, which also holds the CSRF token) need no consent.
"Settings" cookies, such as remembering a chosen language beyond this visit, are set only
when `remembers_settings()` is true.
"""

from __future__ import annotations

from flask import Request
from werkzeug.wrappers import Response

COOKIE_NAME = "cookies_policy"
ONE_YEAR_SECONDS = 365 * 24 * 60 * 60


def choice_made(request: Request) -> bool:
    return _read(request) is not None


def remembers_settings(request: Request) -> bool:
    policy = _read(request)
    return bool(policy and policy.get("settings") is True)


def record_choice(response: Response, *, accept_settings: bool, secure: bool) -> None:
    response.set_cookie(
        COOKIE_NAME,
        encode_policy({"settings": accept_settings}),
        max_age=ONE_YEAR_SECONDS,
        secure=secure,
        httponly=True,
        samesite="Lax",
    )


def encode_policy(policy: dict[str, bool]) -> str:
    """`{"settings": True}` → `settings-yes`: plain cookie characters, no quoting needed."""
    return ".".join(f"{name}-{'yes' if allowed else 'no'}" for name, allowed in policy.items())


def decode_policy(raw: str) -> dict[str, bool] | None:
    policy: dict[str, bool] = {}
    for part in raw.split("."):
        name, _, answer = part.partition("-")
        if not name.isalpha() or answer not in ("yes", "no"):
            return None  # tampered or from an older format: ask again
        policy[name] = answer == "yes"
    return policy


def _read(request: Request) -> dict[str, bool] | None:
    raw = request.cookies.get(COOKIE_NAME)
    return decode_policy(raw) if raw else None
