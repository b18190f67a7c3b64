"""Cookie settings: the banner's accept/reject buttons and the full settings page."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.forms import CookieSettingsForm
from shared.web import consent, redirects

blueprint = Blueprint("cookies", __name__)


@blueprint.route("/cookies", methods=["GET", "POST"])
def settings() -> str | Response:
    form = CookieSettingsForm()
    if form.validate_on_submit():
        response = redirect(url_for("cookies.settings"))
        consent.record_choice(
            response,
            accept_settings=form.settings.data == "yes",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        flash(_("You’ve set your cookie preferences."), "success")
        return response
    if not form.is_submitted() and consent.choice_made(request):
        form.settings.data = "yes" if consent.remembers_settings(request) else "no"
    return render_template("portal/cookies.html", form=form)


@blueprint.post("/cookies/banner")
def banner() -> Response:
    accepted = request.form.get("cookies") == "accept"
    response = redirect(redirects.safe_return_path(request.form.get("next"), url_for("home.index")))
    consent.record_choice(
        response, accept_settings=accepted, secure=current_app.config["SESSION_COOKIE_SECURE"]
    )
    flash("accepted" if accepted else "rejected", "cookie_banner")
    return response
