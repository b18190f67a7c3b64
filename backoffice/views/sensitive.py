"""Revealing a masked answer of a case, or a masked field of the residents' records a page
of it shows, with a reason (shared/services/masking.py): only for those whose role may
reveal, audited, and shown to them alone for a while. The form goes back to the page it
was sent from (the "What they told us" section, or the triage page)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.sensitive import RevealForm, reveal_form
from backoffice.sections.sensitive import hidden_labels, hidden_party_labels
from backoffice.views.case_page import render_case_page, section_url
from backoffice.views.triage import triage_page_with
from shared import access
from shared.models import Case
from shared.permissions import Permission, may
from shared.services import masking
from shared.web import db_session, redirects, unit_of_work

blueprint = Blueprint("sensitive", __name__, url_prefix="/cases")

SHOWN = _l("The answer is shown to you for %(minutes)d minutes. Your reason is recorded.")
NOTHING_HIDDEN = _l("No answer on this case is hidden from you.")
# The same, for a field of a resident's record (the triage page's possible duplicates).
SHOWN_PARTICULAR = _l(
    "The detail is shown to you for %(minutes)d minutes. Your reason is recorded."
)
NO_PARTICULAR_HIDDEN = _l("No detail on this page is hidden from you.")
REFUSED = {
    "missing_reason": _l("Enter why you need to see it"),
    "reason_too_long": _l("Enter %(max)d characters or fewer", max=masking.REASON_MAX_LENGTH),
}


@blueprint.post("/<reference>/reveal")
@requires(Permission.REVEAL_SENSITIVE)
def reveal(reference: str) -> str | Response:
    found = _case(reference)
    on_triage = _sent_from_triage_page(found)
    staff = acting_staff()
    hidden = hidden_party_labels(found, staff) if on_triage else hidden_labels(found, staff)
    back = redirects.safe_return_path(request.form.get("reveal-next"),
                                      section_url(found.reference, "answers"))  # fmt: skip
    if not hidden:  # revealed already, or a page gone stale
        flash(str(NO_PARTICULAR_HIDDEN if on_triage else NOTHING_HIDDEN), "info")
        return redirect(back)
    form = reveal_form(hidden, sent=True)
    if not form.validate_on_submit():
        return _again(found, form, on_triage=on_triage)
    try:
        with unit_of_work() as db:
            masking.reveal(db, staff=staff, case=found, field=form.field.data or "",
                           reason=form.reason.data or "")  # fmt: skip
    except masking.RevealRefused as refused:
        form.reason.errors = [str(REFUSED.get(refused.reason, NOTHING_HIDDEN))]
        return _again(found, form, on_triage=on_triage)
    shown = SHOWN_PARTICULAR if on_triage else SHOWN
    flash(str(shown % {"minutes": masking.REVEAL_MINUTES}), "success")
    return redirect(back)


def _sent_from_triage_page(found: Case) -> bool:
    """Whether the form came from this case's triage page (which shows the residents'
    records) and its sender may open that page; any other page is the answers'."""
    sent_from = urlsplit(request.form.get("reveal-next") or "").path
    return sent_from == url_for("triage.triage_page", reference=found.reference) and may(
        acting_staff(), Permission.TRIAGE
    )


def _again(found: Case, form: RevealForm, *, on_triage: bool) -> str:
    """The page the form was sent from, with its errors and what was typed."""
    if on_triage:
        return triage_page_with(found, reveal=form)
    return render_case_page(found, reveal=form)


def _case(reference: str) -> Case:
    try:
        return access.case_for_staff(db_session(), reference=reference, staff=acting_staff())
    except access.NotFound:
        abort(404)
