"""Administrators manage staff: invite (an emailed set-password link, never a password),
change roles, team and skills, send a new link, reset two-factor sign-in, deactivate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms import InviteStaffForm, StaffDetailsForm
from backoffice.forms.two_factor import ResetTwoFactorForm
from backoffice.roles import ROLE_LABELS
from shared.casetypes import load_case_types
from shared.models import RoleCode, StaffUser, Team
from shared.permissions import Permission
from shared.services import staff as staff_service
from shared.services.staff_sign_in import password_link_token
from shared.web import db_session, services, unit_of_work
from shared.web.links import absolute_url
from shared.web.sorting import sorting_from

blueprint = Blueprint("staff", __name__, url_prefix="/staff")

REFUSALS = {
    "email_taken": _l("There is already an account with this email address"),
    "own_account": _l("You cannot deactivate your own account"),
    "own_two_factor": _l(
        "You cannot reset your own two-factor sign-in. Ask another administrator to do it"
    ),
    "no_two_factor": _l(
        "This person has not set up two-factor sign-in, so there is nothing to reset"
    ),
    "last_administrator": _l(
        "This is the only active administrator. Give someone else the administrator role first"
    ),
}


@blueprint.get("/")
@requires(Permission.MANAGE_STAFF)
def index() -> str:
    sorting = sorting_from(request.args, allowed=staff_service.STAFF_LIST_ORDERS, default="name")
    members = staff_service.staff_list(
        db_session(), sort=sorting.key, descending=sorting.is_descending
    )
    return render_template("backoffice/staff/index.html", members=members, sorting=sorting)


@blueprint.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_STAFF)
def invite() -> str | Response:
    form = InviteStaffForm()
    teams = _choices(form)
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                member = staff_service.invite_staff(
                    db, email=form.email.data or "", display_name=form.display_name.data or "",
                    roles=[RoleCode(code) for code in form.roles.data or []],
                    team=teams.get(form.team.data or ""), skills=form.skills.data or [],
                    actor=acting_staff(), link_for=_password_link,
                )  # fmt: skip
                member_id, address = member.id, member.email
        except staff_service.StaffChangeRefused as refused:
            form.email.errors = [str(REFUSALS[refused.reason])]
        else:
            flash(
                _("We have emailed %(email)s a link to set their password.", email=address),
                "success",
            )
            return redirect(url_for(".member", staff_id=member_id))
    return render_template("backoffice/staff/invite.html", form=form)


@blueprint.route("/<id:staff_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_STAFF)
def member(staff_id: int) -> str | Response:
    found = _member(staff_id)
    form = StaffDetailsForm(
        roles=[role.code for role in found.roles],
        team=str(found.team_id or ""),
        skills=list(found.skills),
    )
    teams = _choices(form)
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                staff_service.change_staff(
                    db, member=found, roles=[RoleCode(code) for code in form.roles.data or []],
                    team=teams.get(form.team.data or ""), skills=form.skills.data or [],
                    actor=acting_staff(),
                )  # fmt: skip
        except staff_service.StaffChangeRefused as refused:
            form.roles.errors = [str(REFUSALS[refused.reason])]
        else:
            flash(_("The changes are saved."), "success")
            return redirect(url_for(".member", staff_id=staff_id))
    return _member_page(found, form, ResetTwoFactorForm())


@blueprint.post("/<id:staff_id>/two-factor/reset")
@requires(Permission.MANAGE_STAFF)
def reset_two_factor(staff_id: int) -> Response | tuple[str, int]:
    found = _member(staff_id)
    if not found.is_active:
        abort(404)
    reset_form = ResetTwoFactorForm()
    if not reset_form.validate_on_submit():
        details = StaffDetailsForm(
            formdata=None,
            roles=[role.code for role in found.roles],
            team=str(found.team_id or ""),
            skills=list(found.skills),
        )
        _choices(details)
        return _member_page(found, details, reset_form), 400
    try:
        with unit_of_work() as db:
            staff_service.reset_two_factor(
                db, member=found, actor=acting_staff(), reason=reset_form.reason.data or "",
                sign_in_link=absolute_url("sign_in.sign_in"),
            )  # fmt: skip
    except staff_service.StaffChangeRefused as refused:
        flash(str(REFUSALS[refused.reason]), "info")
    else:
        flash(
            _("%(name)s’s two-factor sign-in is reset. We have emailed %(email)s to tell them.",
              name=found.display_name, email=found.email),
            "success",
        )  # fmt: skip
    return redirect(url_for(".member", staff_id=staff_id))


@blueprint.post("/<id:staff_id>/password-link")
@requires(Permission.MANAGE_STAFF)
def send_password_link(staff_id: int) -> Response:
    found = _member(staff_id)
    if not found.is_active:
        abort(404)
    with unit_of_work() as db:
        staff_service.send_password_link(
            db, member=found, actor=acting_staff(), link_for=_password_link
        )
    flash(
        _("We have emailed %(email)s a new link to set their password.", email=found.email),
        "success",
    )
    return redirect(url_for(".member", staff_id=staff_id))


@blueprint.post("/<id:staff_id>/deactivate")
@requires(Permission.MANAGE_STAFF)
def deactivate(staff_id: int) -> Response:
    found = _member(staff_id)
    try:
        with unit_of_work() as db:
            staff_service.deactivate_staff(db, member=found, actor=acting_staff())
    except staff_service.StaffChangeRefused as refused:
        if refused.reason == "still_has_cases":
            message = ngettext(
                "%(name)s still has %(num)d open case. Reassign it before deactivating "
                "the account.",
                "%(name)s still has %(num)d open cases. Reassign them before deactivating "
                "the account.",
                refused.open_cases,
                name=found.display_name,
            )
        else:
            message = str(REFUSALS[refused.reason])
        flash(message, "info")
    else:
        flash(_("%(name)s can no longer sign in.", name=found.display_name), "success")
    return redirect(url_for(".member", staff_id=staff_id))


def _member_page(found: StaffUser, form: StaffDetailsForm, reset_form: ResetTwoFactorForm) -> str:
    return render_template(
        "backoffice/staff/member.html",
        member=found,
        form=form,
        reset_form=reset_form,
        errors_shown=bool(reset_form.errors),
        open_cases=staff_service.open_cases_of(db_session(), found),
    )


def _member(staff_id: int) -> StaffUser:
    found = db_session().get(StaffUser, staff_id)
    if found is None:
        abort(404)
    return found


def _choices(form: InviteStaffForm | StaffDetailsForm) -> dict[str, Team]:
    """Fill in the form's choices; the teams by the value the form posts."""
    teams = {str(team.id): team for team in staff_service.teams(db_session())}
    form.roles.choices = [(code.value, str(label)) for code, label in ROLE_LABELS.items()]
    locale = _locale()
    form.team.choices = [("", _("No team")), *((k, t.label(locale)) for k, t in teams.items())]
    form.skills.choices = [(d.code, d.label(locale)) for d in load_case_types()]
    return teams


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")


def _password_link(member: StaffUser) -> str:
    token = password_link_token(services().settings.secret_key, member)
    return absolute_url("sign_in.set_password", token=token)
