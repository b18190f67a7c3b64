"""Two-factor sign-in: the second step of signing in with a password, and a person's own
enrolment (QR code, recovery codes, turning it off). Those whose roles require it and
who signed in with a password see only enrolment until they have enrolled."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice import pending_sign_in
from backoffice.auth import (
    SHARED_VIEWS,
    acting_staff,
    current_staff,
    open_to_anyone,
    signed_in,
    start_session,
)
from backoffice.forms.two_factor import WRONG_CODE, WRONG_SETUP_CODE, CodeForm, SetupCodeForm
from backoffice.limits import PER_CLIENT_SIGN_IN, SIGN_IN_SCOPE, limiter
from shared.models import StaffUser
from shared.services import staff_sign_in, two_factor
from shared.web import db_session, services, unit_of_work

blueprint = Blueprint("two_factor", __name__)
SIGN_IN_AGAIN = _l("Your sign-in did not finish in time. Sign in again.")
TURNED_OFF = _l("Two-factor sign-in is off for your account.")
LOCKED = _l(
    "There have been too many wrong codes or passwords. Try again in %(minutes)d minutes.",
    minutes=staff_sign_in.LOCK_MINUTES,
)
_SETUP_SECRET = "two_factor_setup_secret"  # noqa: S105 - a session key
# What someone who must enrol may still open: enrolment itself, signing out, and the
# shared core (stylesheets, health, language, session keep-alive).
_OPEN_BEFORE_ENROLMENT = {
    "two_factor.account",
    "two_factor.enrol",
    "two_factor.second_step",
    "sign_in.sign_out",
    "sign_in.sign_out_everywhere",
    *SHARED_VIEWS,
}


@blueprint.before_app_request
def _enrol_first() -> Response | None:
    if request.endpoint is None or request.endpoint in _OPEN_BEFORE_ENROLMENT:
        return None
    staff = current_staff()
    if staff is None or staff.has_two_factor or not pending_sign_in.signed_in_with_password():
        return None
    if not two_factor.is_required(staff, services().settings.two_factor_required_roles):
        return None
    return redirect(url_for("two_factor.account"))


@blueprint.route("/sign-in/code", methods=["GET", "POST"])
@limiter.shared_limit(PER_CLIENT_SIGN_IN, scope=SIGN_IN_SCOPE, methods=["POST"])
@open_to_anyone
def second_step() -> str | Response:
    waiting = pending_sign_in.pending()
    if waiting is None:
        if current_staff() is not None:
            return redirect(url_for("home.index"))
        if pending_sign_in.started():  # and expired: say why they are back at the start
            pending_sign_in.forget()
            flash(str(SIGN_IN_AGAIN), "info")
        return redirect(url_for("sign_in.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        with unit_of_work() as db:  # a wrong code is committed too: it counts towards the lock
            outcome = two_factor.sign_in_with_code(
                db,
                staff_id=waiting.staff_id,
                session_version=waiting.session_version,
                code=form.code.data or "",
            )
        if outcome.staff is not None:
            start_session(outcome.staff)
            pending_sign_in.mark_signed_in_with_password()
            return redirect(waiting.going_to)
        if outcome.refused_because != "wrong_code":  # locked, or the account changed
            pending_sign_in.forget()
            locked = outcome.refused_because == "locked"
            flash(str(LOCKED if locked else SIGN_IN_AGAIN), "info")
            return redirect(url_for("sign_in.sign_in"))
        form.code.errors = [str(WRONG_CODE)]
    return render_template("backoffice/two_factor/second_step.html", form=form)


@blueprint.get("/account/two-factor")
@signed_in
def account() -> str:
    staff = acting_staff()
    required = two_factor.is_required(staff, services().settings.two_factor_required_roles)
    if staff.has_two_factor:
        return _enrolled_page(CodeForm(prefix="replace"), CodeForm(prefix="turn_off"))
    return _setup_page(SetupCodeForm(), required=required)


@blueprint.post("/account/two-factor")
@signed_in
def enrol() -> str | Response:
    staff = acting_staff()
    required = two_factor.is_required(staff, services().settings.two_factor_required_roles)
    form = SetupCodeForm()
    secret = session.get(_SETUP_SECRET)
    if staff.has_two_factor or not isinstance(secret, str):
        return redirect(url_for(".account"))
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                codes = two_factor.enrol(
                    db, staff=_reloaded(db), secret=secret, code=form.code.data or ""
                )
        except two_factor.AlreadySetUp:  # by another tab meanwhile: keep its codes
            session.pop(_SETUP_SECRET, None)
            return redirect(url_for(".account"))
        if codes is not None:
            session.pop(_SETUP_SECRET, None)
            return _recovery_codes_page(codes)
        form.code.errors = [str(WRONG_SETUP_CODE)]
    return _setup_page(form, required=required)


@blueprint.post("/account/two-factor/recovery-codes")
@signed_in
def new_recovery_codes() -> str | Response:
    if not acting_staff().has_two_factor:
        return redirect(url_for(".account"))
    form = CodeForm(prefix="replace")
    if form.validate_on_submit():
        with unit_of_work() as db:
            codes = two_factor.regenerate_recovery_codes(
                db, staff=_reloaded(db), code=form.code.data or ""
            )
        if codes is not None:
            return _recovery_codes_page(codes)
        form.code.errors = [str(WRONG_CODE)]
    return _enrolled_page(form, CodeForm(prefix="turn_off", formdata=None))


@blueprint.post("/account/two-factor/turn-off")
@signed_in
def turn_off() -> str | Response:
    staff = acting_staff()
    required = two_factor.is_required(staff, services().settings.two_factor_required_roles)
    if required or not staff.has_two_factor:
        return redirect(url_for(".account"))  # the form is not offered to them
    form = CodeForm(prefix="turn_off")
    if form.validate_on_submit():
        with unit_of_work() as db:
            removed = two_factor.remove(db, staff=_reloaded(db), code=form.code.data or "")
        if removed:
            flash(str(TURNED_OFF), "success")
            return redirect(url_for("home.index"))
        form.code.errors = [str(WRONG_CODE)]
    return _enrolled_page(CodeForm(prefix="replace", formdata=None), form)


def _reloaded(db: Session) -> StaffUser:
    """The signed-in person, locked and read afresh in this transaction, so two tabs
    cannot both spend one code."""
    staff = db.get(StaffUser, acting_staff().id, with_for_update=True, populate_existing=True)
    if staff is None:  # deleted meanwhile
        abort(404)
    return staff


def _setup_page(form: SetupCodeForm, *, required: bool) -> str:
    staff = acting_staff()
    secret = session.get(_SETUP_SECRET)
    if not isinstance(secret, str):
        secret = session[_SETUP_SECRET] = two_factor.new_secret()
    uri = two_factor.provisioning_uri(
        secret, account=staff.email, issuer=services().settings.organisation_name
    )
    qr_code = segno.make(uri, error="m").svg_data_uri(scale=4, border=2)
    return render_template("backoffice/two_factor/set_up.html", form=form, required=required,
                           qr_code=qr_code, secret=two_factor.grouped(secret))  # fmt: skip


def _enrolled_page(replace_form: CodeForm, turn_off_form: CodeForm) -> str:
    staff = acting_staff()
    required = two_factor.is_required(staff, services().settings.two_factor_required_roles)
    left = two_factor.remaining_recovery_codes(db_session(), staff=staff)
    return render_template("backoffice/two_factor/enrolled.html", replace_form=replace_form,
                           turn_off_form=turn_off_form, required=required,
                           recovery_codes_left=left)  # fmt: skip


def _recovery_codes_page(codes: list[str]) -> str | Response:
    response = Response(render_template("backoffice/two_factor/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"  # shown once: kept in no cache
    return response
