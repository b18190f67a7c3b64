"""Signing in to the back office through the organisation's identity provider (OpenID
Connect's authorisation code flow, with PKCE, state and nonce, by Authlib), beside passwords.

Both views are GETs that start and complete a sign-in, as the protocol has it: the provider
sends the browser back with a GET. They change what the password form's POST changes (a
new session, the audit trail), and a forged callback changes nothing: without this
browser's state, and a code the provider issued for it, it is refused. A sign-in through
the provider skips the back office's own second factor: the provider is responsible for it.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from backoffice.auth import current_staff, open_to_anyone, start_session
from backoffice.limits import PER_CLIENT_SIGN_IN, limiter
from shared.config import SingleSignOn
from shared.services import single_sign_on
from shared.web import redirects, services, unit_of_work
from shared.web.links import absolute_url

blueprint = Blueprint("single_sign_on", __name__)
_log = logging.getLogger(__name__)
_CLIENT = "caseway_sso"
_GOING_TO = "sso_going_to"  # where to go once signed in, kept over the trip to the provider
_SCOPE = "openid email profile"
_PROVIDER_TIMEOUT_SECONDS = 10
# What each refusal answers: its HTTP status (the page says why, in words).
_STATUS = {"provider_error": 400, "bad_response": 400, "unreachable": 502}
KEPT_LAST_ADMINISTRATOR = _l(
    "You are the only active administrator, so you keep the administrator role here, "
    "although %(provider)s no longer gives it to you. Give someone else the "
    "administrator role first."
)


@blueprint.record_once
def _register_client(state: BlueprintSetupState) -> None:
    config = state.app.extensions["caseway"].settings.single_sign_on
    if config is None:
        return
    oauth = OAuth(state.app)
    oauth.register(
        _CLIENT,
        client_id=config.client_id,
        client_secret=config.client_secret,
        server_metadata_url=config.discovery_url,
        client_kwargs={
            "scope": _SCOPE,
            "code_challenge_method": "S256",
            "default_timeout": _PROVIDER_TIMEOUT_SECONDS,
        },
    )


@blueprint.app_context_processor
def _button() -> dict[str, object]:
    """The sign-in page's "Sign in with <name>" button, when single sign-on is configured."""
    config = services().settings.single_sign_on
    return {"single_sign_on_name": config.name if config is not None else None}


# Each page is limited per client address, as the password form is (a callback spends a
# request to the provider and an audit row each; a start, a session and a redirect): each
# its own count, so a sign-in through the provider costs one of each, not two of one.
@blueprint.get("/sign-in/sso")
@limiter.limit(PER_CLIENT_SIGN_IN)
@open_to_anyone
def start() -> str | Response | tuple[str, int]:
    """Send the browser to the provider (a GET, as the protocol has it: it stores nothing
    but the state, nonce and PKCE verifier in this browser's own session)."""
    config = _config()
    if current_staff() is not None:
        return redirect(url_for("home.index"))
    session[_GOING_TO] = redirects.safe_return_path(request.args.get("next"), url_for("home.index"))
    try:
        # From the configured public address, never the request's Host header.
        callback_url = absolute_url("single_sign_on.callback")
        response: Response = _client().authorize_redirect(callback_url)
    except (requests.RequestException, AuthlibBaseError, ValueError, KeyError) as error:
        _log.warning("single sign-on: the provider's discovery failed: %s", error)
        return _problem(config, "unreachable")
    return response


@blueprint.get("/sign-in/sso/callback")
@limiter.limit(PER_CLIENT_SIGN_IN)
@open_to_anyone
def callback() -> str | Response | tuple[str, int]:
    """Complete the sign-in the provider sends the browser back from: Authlib checks the
    state against this browser's session, swaps the code (with the PKCE verifier) for
    tokens and validates the ID token (signature, issuer, audience, nonce, expiry)."""
    config = _config()
    client = _client()
    if request.args.get("error"):  # access_denied, or any error the provider reports
        return _refused(config, "provider_error", detail=request.args["error"])
    try:
        token = client.authorize_access_token()
    except requests.RequestException as error:
        _log.warning("single sign-on: the provider could not be reached: %s", error)
        return _refused(config, "unreachable", detail=type(error).__name__)
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        # No or stale state (another browser, a replay), a code refused, a bad ID token.
        return _refused(config, "bad_response", detail=_described(error))
    claims = token.get("userinfo") or {}
    if not claims.get("iss") or not claims.get("sub"):
        return _refused(config, "bad_response", detail="no ID token")
    identity = single_sign_on.Identity(
        issuer=str(claims["iss"]), subject=str(claims["sub"]), claims=dict(claims)
    )
    going_to = session.get(_GOING_TO) or url_for("home.index")
    with unit_of_work() as db:  # a refusal is committed too: it is audited
        outcome = single_sign_on.sign_in(db, identity=identity, config=config)
    if outcome.staff is None:
        return _problem(config, outcome.refused_because or "unknown")
    start_session(outcome.staff)
    if outcome.kept_last_administrator:
        flash(str(KEPT_LAST_ADMINISTRATOR) % {"provider": config.name}, "info")
    return redirect(redirects.safe_return_path(going_to, url_for("home.index")))


def _config() -> SingleSignOn:
    config = services().settings.single_sign_on
    if config is None:  # not configured: there is no such page
        abort(404)
    return config


def _client() -> Any:  # Authlib's Flask client has no type hints
    return current_app.extensions["authlib.integrations.flask_client"].create_client(_CLIENT)


def _refused(config: SingleSignOn, reason: str, *, detail: str) -> tuple[str, int]:
    with unit_of_work() as db:
        single_sign_on.refused(db, reason=reason, detail=detail)
    return _problem(config, reason)


def _problem(config: SingleSignOn, reason: str) -> tuple[str, int]:
    page = render_template(
        "backoffice/sign_in/sso_problem.html", reason=reason, provider_name=config.name
    )
    return page, _STATUS.get(reason, 403)


def _described(error: Exception) -> str:
    return str(getattr(error, "error", "") or type(error).__name__)
