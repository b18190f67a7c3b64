"""Signing in and out of the back office, and setting a password from an emailed link."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import logout_user
from werkzeug.wrappers import Response

from backoffice import pending_sign_in
from backoffice.auth import (
    acting_staff,
    current_staff,
    end_session,
    open_to_anyone,
    signed_in,
    start_session,
)
from backoffice.forms import SIGN_IN_REFUSED, SetPasswordForm, StaffSignInForm
from backoffice.forms.password_strength import strong_enough
from backoffice.limits import PER_CLIENT_SIGN_IN, SIGN_IN_SCOPE, limiter
from shared.services import staff_sign_in
from shared.web import db_session, redirects, services, unit_of_work

blueprint = Blueprint("sign_in", __name__)
SIGNED_OUT_EVERYWHERE = _l("You have been signed out on every device, this one included.")
PASSWORD_SET = _l("Your password is set. Sign in with it now.")


@blueprint.route("/sign-in", methods=["GET", "POST"])
@limiter.shared_limit(PER_CLIENT_SIGN_IN, scope=SIGN_IN_SCOPE, methods=["POST"])
@open_to_anyone
def sign_in() -> str | Response:
    if current_staff() is not None:
        return redirect(url_for("home.index"))
    form = StaffSignInForm()
    if form.validate_on_submit():
        with unit_of_work() as db:  # a refusal is committed too: it counts towards the lock
            outcome = staff_sign_in.sign_in(
                db, email=form.email.data or "", password=form.password.data or ""
            )
        if outcome.staff is not None:
            going_to = redirects.safe_return_path(request.args.get("next"), url_for("home.index"))
            if outcome.needs_code:  # not signed in until the second step
                pending_sign_in.remember(outcome.staff, going_to)
                return redirect(url_for("two_factor.second_step"))
            start_session(outcome.staff)
            pending_sign_in.mark_signed_in_with_password()
            return redirect(going_to)
        form.email.errors = [str(SIGN_IN_REFUSED)]
    return render_template("backoffice/sign_in/sign_in.html", form=form)


@blueprint.post("/sign-out")
@signed_in
def sign_out() -> Response:
    end_session()
    return redirect(url_for(".sign_in"))


@blueprint.post("/sign-out-everywhere")
@signed_in
def sign_out_everywhere() -> Response:
    with unit_of_work() as db:
        staff_sign_in.sign_out_everywhere(db, staff=acting_staff())
    end_session()
    flash(str(SIGNED_OUT_EVERYWHERE), "success")
    return redirect(url_for(".sign_in"))


@blueprint.route("/set-password/<token>", methods=["GET", "POST"])
@open_to_anyone
def set_password(token: str) -> str | Response:
    secret_key = services().settings.secret_key
    member = staff_sign_in.staff_for_password_link(db_session(), token=token, secret_key=secret_key)
    if member is None:
        return render_template(  # type: ignore[return-value]
            "backoffice/sign_in/link_problem.html", link_hours=staff_sign_in.PASSWORD_LINK_HOURS
        ), 400
    form = SetPasswordForm()
    user_inputs = (member.display_name, member.email)
    if form.validate_on_submit() and strong_enough(form.password, user_inputs=user_inputs):
        with unit_of_work() as db:
            found = staff_sign_in.staff_for_password_link(
                db, token=token, secret_key=secret_key, lock=True
            )
            if found is None:  # spent meanwhile, by another tab or another person
                abort(400)
            staff_sign_in.set_password(db, staff=found, password=form.password.data or "")
        logout_user()
        session.clear()
        flash(str(PASSWORD_SET), "success")
        return redirect(url_for(".sign_in"))
    return render_template("backoffice/sign_in/set_password.html", form=form, member=member)
