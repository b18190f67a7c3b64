"""A supervisor extends a case's SLA, and administrators keep the closure days."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.sla import DAYS_MESSAGE, ClosureDayForm, ExtensionForm
from backoffice.views.case_page import back_to_section, render_case_page
from shared import access
from shared.models import Case
from shared.permissions import Permission
from shared.services import closure_days, sla
from shared.sla.calendar import AREA_NAMES
from shared.web import db_session, unit_of_work

blueprint = Blueprint("sla", __name__)

EXTENSION_REFUSED = {
    "missing_reason": ("reason", _l("Enter the reason for the extension")),
    "days": ("working_days", DAYS_MESSAGE),
    "closed": ("working_days", _l("This case is closed, so its due date cannot change")),
}
CLOSURE_REFUSED = {
    "area": ("area", _l("Select the area whose offices close")),
    "name": ("name", _l("Enter what the closure is")),
    "past": ("day", _l("The date must be today or in the future")),
    "too_far": ("day", _l("The date must be within the next 5 years")),
    "weekend": ("day", _l("That date is a weekend, which is never a working day")),
    "duplicate": ("day", _l("That date is already a closure day in this area")),
}


@blueprint.post("/cases/<reference>/extension")
@requires(Permission.ASSIGN)
def extend(reference: str) -> str | Response:
    staff = acting_staff()
    try:
        found: Case = access.case_for_staff(db_session(), reference=reference, staff=staff)
    except access.NotFound:
        abort(404)
    form = ExtensionForm()
    if not form.validate_on_submit():
        return render_case_page(found, extension=form)
    try:
        with unit_of_work() as db:
            sla.extend(db, case=found, working_days=form.days(), reason=form.reason.data or "",
                       actor=staff)  # fmt: skip
    except sla.ExtensionRefused as refused:
        if refused.reason not in EXTENSION_REFUSED:
            abort(403)
        name, message = EXTENSION_REFUSED[refused.reason]
        form[name].errors = [str(message)]
        return render_case_page(found, extension=form)
    flash(_("The due date is extended."), "success")
    return back_to_section(found, "overview", "sla")


@blueprint.route("/closure-days", methods=["GET", "POST"])
@requires(Permission.CONFIGURE)
def closure_days_page() -> str | Response:
    form = ClosureDayForm()
    if form.validate_on_submit() and form.day.data is not None:
        try:
            with unit_of_work() as db:
                closure_days.add_closure_day(
                    db, area=form.area.data or "", day=form.day.data, name=form.name.data or "",
                    actor=acting_staff(),
                )  # fmt: skip
        except closure_days.ClosureDayRefused as refused:
            if refused.reason == "bank_holiday":
                form.day.errors = [_("That date is already a bank holiday there (%(name)s)",
                                     name=refused.holiday)]  # fmt: skip
            else:
                name, message = CLOSURE_REFUSED[refused.reason]
                form[name].errors = [str(message)]
        else:
            flash(_("The closure day is added."), "success")
            return redirect(url_for(".closure_days_page"))
    return render_template(
        "backoffice/closure_days.html",
        form=form,
        closures=closure_days.closure_days(db_session()),
        area_names=AREA_NAMES,
    )


@blueprint.post("/closure-days/<id:closure_id>/remove")
@requires(Permission.CONFIGURE)
def remove_closure_day(closure_id: int) -> Response:
    """One press of a closure day's button (CSRF is checked for every POST)."""
    try:
        with unit_of_work() as db:
            closure_days.remove_closure_day(db, closure_id=closure_id, actor=acting_staff())
    except closure_days.ClosureDayRefused:
        flash(_("That closure day was already removed, so nothing changed."), "info")
    else:
        flash(_("The closure day is removed."), "success")
    return redirect(url_for(".closure_days_page"))
