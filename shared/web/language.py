"""Choosing the language of the pages: an explicit choice first, then the browser's.

Order: the choice made this visit (session), the signed-in citizen's Party record, the
remembered choice (a cookie set only with consent to settings cookies), the browser's
Accept-Language, then the default.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from shared.i18n import DEFAULT_LOCALE, negotiate
from shared.models import Party
from shared.services import parties
from shared.web import consent, redirects

blueprint = Blueprint("language", __name__)
COOKIE_NAME = "locale"


def offered_locales() -> tuple[str, ...]:
    locales: tuple[str, ...] = current_app.config["CASEWAY_LOCALES"]
    return locales


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    offered = offered_locales()
    party = g.get("party")
    for choice in (
        session.get("locale"),
        party.preferred_locale if party is not None else None,
        request.cookies.get(COOKIE_NAME),
    ):
        if choice in offered:
            return str(choice)
    accepted = [tag for tag, _quality in request.accept_languages]
    return negotiate(accepted, offered) or DEFAULT_LOCALE


@blueprint.get("/language/<code>")
def choose(code: str) -> Response:
    """The language for this visit: a plain link, so it changes nothing stored."""
    return _switch_to(code, request.args.get("next"))


@blueprint.post("/language/<code>")
def choose_and_store(code: str) -> Response:
    """A signed-in resident's choice, which also becomes the language of their emails:
    stored data changes only on a POST with its CSRF token, never on a link."""
    response = _switch_to(code, request.form.get("next"))
    _remember_on_the_party_record(code)
    return response


def _switch_to(code: str, return_path: str | None) -> Response:
    if code not in offered_locales():
        abort(404)
    session["locale"] = code
    response = redirect(redirects.safe_return_path(return_path, url_for("home.index")))
    if consent.remembers_settings(request):
        response.set_cookie(
            COOKIE_NAME,
            code,
            max_age=consent.ONE_YEAR_SECONDS,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def _remember_on_the_party_record(code: str) -> None:
    """A signed-in citizen's choice follows them to other devices and into their notices.
    (`g.party` is set by the portal's sign-in for the request's signed-in citizen.)"""
    party_id = getattr(g.get("party"), "id", None)
    if party_id is None:
        return
    from shared.web import unit_of_work

    with unit_of_work() as db:
        party = db.get(Party, party_id)
        if party is not None:
            parties.set_preferred_locale(db, party=party, locale=code)
