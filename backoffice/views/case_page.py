"""The staff case page: the header every section shares (MOJ identity bar), the
sections' sub-navigation, and one section put together from its parts
(backoffice/sections/)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff
from backoffice.sections import OVERVIEW, SECTIONS, CaseSection, section_holding, section_named
from backoffice.sections.resident import resident_language
from backoffice.sections.workflow import PRIORITY_NAMES, status_text
from shared.casetypes import case_type_definition
from shared.models import Case, StaffUser
from shared.permissions import Permission, may
from shared.services import cases as case_service
from shared.services import messages as message_service
from shared.services import triage
from shared.web import db_session

NOBODY = _l("Nobody yet")


def section_url(reference: str, name: str, anchor: str | None = None) -> str:
    """The address of a section of the case page (`name` as in the registry)."""
    if name == OVERVIEW.name:
        return url_for("cases.case", reference=reference, _anchor=anchor)
    return url_for(f"cases.section_{name}", reference=reference, _anchor=anchor)


def back_to_section(found: Case, default: str, anchor: str | None = None) -> Response:
    """Where a form goes once it has done its work: the section it was sent from when it
    names one (a `section` field or query argument), else `default`. Only a section of
    the registry is a place to go: anything else is ignored, never followed (no open
    redirect)."""
    asked = section_named(request.form.get("section") or request.args.get("section"))
    if asked is not None:
        return redirect(section_url(found.reference, asked.name))
    return redirect(section_url(found.reference, default, anchor))


def render_case_page(found: Case, *, section: str | None = None, **forms: FlaskForm) -> str:
    """A section of the page (the overview unless named); `forms` are those sent back with
    errors, by the name their part knows them by (see backoffice/sections/), and come
    back on the section that holds them."""
    staff = acting_staff()
    shown = (
        section_named(section)
        # A form with errors comes back where it can be shown again, with what was typed.
        or section_holding(list(forms))
        or OVERVIEW
    )
    context: dict[str, object] = {"case": found, **_header(found, staff)}
    context["case_tabs"] = _tabs(found, staff, shown)
    context["case_section"] = shown
    page_forms: list[FlaskForm] = []
    for part in shown.parts:
        gathered = part(found, staff, forms)
        page_forms += gathered.pop("page_forms", [])  # type: ignore[arg-type]
        context.update(gathered)
    with_errors = [form for form in page_forms if form.errors]
    # The first form with errors makes the title start with "Error:"; each shows a summary.
    context["form"] = with_errors[0] if with_errors else None
    context["forms_with_errors"] = with_errors
    return render_template("backoffice/cases/case.html", **context)


def _header(found: Case, staff: StaffUser) -> dict[str, object]:
    """What the identity bar shows on every section: who and what the case is, and the
    main things to do on it, each a link to the section that does it."""
    return {
        "case_type": case_type_definition(found.case_type.code),
        "status": status_text(found, found.state),
        "priority": str(PRIORITY_NAMES[found.priority]),
        "assignee_name": found.assignee.display_name if found.assignee else str(NOBODY),
        "writes_in": resident_language(found),
        "header_actions": _main_actions(found, staff),
    }


def _main_actions(found: Case, staff: StaffUser) -> list[dict[str, str]]:
    open_now = {transition.name for transition in case_service.open_transitions(found, staff)}
    ref = found.reference
    actions: list[tuple[bool, str, str]] = [
        (may(staff, Permission.TRIAGE) and found.state in triage.TRIAGE_STATES,
         _("Triage this case"), url_for("triage.triage_page", reference=ref)),
        ("decide" in open_now and may(staff, Permission.DECIDE),
         _("Record the decision"), section_url(ref, "decision")),
        ("approve_decision" in open_now and may(staff, Permission.APPROVE),
         _("Check the decision"), section_url(ref, "decision")),
        (may(staff, Permission.WORK_CASES) and found.state not in case_service.ENDED,
         _("Write to the resident"), section_url(ref, "messages", "reply")),
        (may(staff, Permission.WORK_CASES), _("Add a note"), section_url(ref, "history", "note")),
    ]  # fmt: skip
    return [{"text": text, "href": href} for offered, text, href in actions if offered]


def _tabs(found: Case, staff: StaffUser, shown: CaseSection) -> list[dict[str, object]]:
    """The sub-navigation; the Messages tab says how many messages are new to this person
    (counted before the section marks them read, so the tab agrees with the page)."""
    unread = len(message_service.unread_ids_for_staff(db_session(), case=found, staff=staff))
    tabs = []
    for listed in SECTIONS:
        item: dict[str, object] = {
            "text": str(listed.label),
            "href": section_url(found.reference, listed.name),
            "active": listed is shown,
        }
        if listed.name == "messages" and unread:
            item["news"] = ngettext("%(num)d new", "%(num)d new", unread)
        tabs.append(item)
    return tabs
