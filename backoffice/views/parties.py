"""The parties of a case beyond its applicant: adding one on a page of its own, and
removing one from the case page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.parties import ENTER_A_NAME, PartyForm, RemovePartyForm
from backoffice.views.case_page import section_url
from shared import access
from shared.models import Case, CaseParty
from shared.permissions import Permission
from shared.services import case_parties
from shared.web import db_session, unit_of_work

blueprint = Blueprint("parties", __name__, url_prefix="/cases")

# What the service refused that the form could not know, next to the field it is about.
REFUSED_FIELDS = {
    "name": ("given_name", ENTER_A_NAME),
    "applicant": (
        "email",
        _l("This is the resident who made the request. They are already on the case"),
    ),
    "already_added": ("given_name", _l("They are already on the case in that role")),
}


@blueprint.route("/<reference>/parties/new", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def add(reference: str) -> str | Response:
    found = _case(reference)
    form = PartyForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                link = case_parties.add_party_to_case(
                    db, case=found, staff=acting_staff(), role=form.chosen_role,
                    given_name=form.given_name.data, family_name=form.family_name.data,
                    organisation_name=form.organisation_name.data, email=form.email.data,
                    phone=form.phone.data,
                )  # fmt: skip
                name = case_parties.display_name(link.party)
        except case_parties.PartyRefused as refused:
            if refused.reason not in REFUSED_FIELDS:
                abort(403)
            field, message = REFUSED_FIELDS[refused.reason]
            form[field].errors = [str(message)]
        else:
            flash(_("“%(name)s” is added to the case.", name=name), "success")
            return redirect(section_url(found.reference, "overview", "parties"))
    return render_template("backoffice/parties/new.html", case=found, form=form)


@blueprint.route("/<reference>/parties/<id:case_party_id>/remove", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def remove(reference: str, case_party_id: int) -> str | Response:
    """Asks first; "Yes" takes the party off the case, "No" leaves it."""
    found = _case(reference)
    link = _case_party(found, case_party_id)
    name = case_parties.display_name(link.party)
    form = RemovePartyForm()
    if not form.validate_on_submit():
        return render_template("backoffice/parties/remove.html", case=found, link=link,
                               name=name, form=form)  # fmt: skip
    back = redirect(section_url(found.reference, "overview", "parties"))
    if form.confirm.data != "yes":
        return back
    try:
        with unit_of_work() as db:
            case_parties.remove_party_from_case(db, case=found, staff=acting_staff(),
                                                case_party=link)  # fmt: skip
    except case_parties.PartyRefused as refused:
        if refused.reason != "already_removed":
            abort(403)
        flash(_("“%(name)s” was already removed, so nothing changed.", name=name), "info")
    else:
        flash(_("“%(name)s” is removed from the case.", name=name), "success")
    return back


def _case(reference: str) -> Case:
    try:
        return access.case_for_staff(db_session(), reference=reference, staff=acting_staff())
    except access.NotFound:
        abort(404)


def _case_party(found: Case, case_party_id: int) -> CaseParty:
    try:
        return access.case_party_of_case(db_session(), case=found, case_party_id=case_party_id)
    except access.NotFound:
        abort(404)
