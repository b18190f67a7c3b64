"""Reassigning every open case of one member of staff, which deactivating their account
asks for first. Part of managing staff, so it needs what managing staff needs."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.reassignment import ReassignCasesForm
from shared.models import StaffUser
from shared.permissions import Permission
from shared.services import assignment
from shared.web import db_session, unit_of_work

blueprint = Blueprint("reassignment", __name__, url_prefix="/staff")

REFUSED = {
    "same_person": _l("Select someone else: these are already their cases"),
    "cannot_work_cases": _l("Select someone who works cases"),
    "excluded": _l(
        "Select someone else: they decided or approved the decision that one of these "
        "cases appeals against"
    ),
    "no_reason": _l("Enter the reason"),
}


@blueprint.route("/<id:staff_id>/reassign", methods=["GET", "POST"])
@requires(Permission.MANAGE_STAFF)
def reassign(staff_id: int) -> str | Response:
    member = db_session().get(StaffUser, staff_id)
    if member is None:
        abort(404)
    form = ReassignCasesForm()
    candidates = assignment.people_who_may_take_cases(db_session(), besides=member)
    people = {str(person.id): person for person in candidates}
    form.to_staff.choices = [
        ("", _l("Select a person")),
        *((key, person.display_name) for key, person in people.items()),
    ]
    if form.validate_on_submit():
        chosen = people.get(form.to_staff.data or "")
        if chosen is None:  # not in the list: someone who left meanwhile, or a made-up id
            form.to_staff.errors = [str(REFUSED["cannot_work_cases"])]
        else:
            try:
                with unit_of_work() as db:
                    done = assignment.reassign_open_cases(
                        db, from_staff=member, to_staff=chosen, actor=acting_staff(),
                        reason=form.reason.data or "",
                    )  # fmt: skip
            except assignment.ReassignmentRefused as refused:
                form.to_staff.errors = [str(REFUSED[refused.reason])]
            else:
                flash(ngettext("%(num)d case is now with %(name)s.",
                               "%(num)d cases are now with %(name)s.",
                               len(done.references), name=chosen.display_name),
                      "success")  # fmt: skip
                return redirect(url_for("staff.member", staff_id=member.id))
    return render_template(
        "backoffice/staff/reassign.html",
        member=member,
        form=form,
        cases=assignment.open_cases_assigned_to(db_session(), member),
    )
