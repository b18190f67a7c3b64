"""The staff case page, put together from its sections (backoffice/sections/)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import render_template
from flask_wtf import FlaskForm

from backoffice.auth import acting_staff
from backoffice.sections import (
    assignment,
    decision,
    documents,
    intake,
    messages,
    parties,
    related,
    sla,
    tasks,
    triage,
    workflow,
)
from shared.models import Case, StaffUser

Section = Callable[[Case, StaffUser, Mapping[str, FlaskForm]], dict[str, object]]

SECTIONS: list[Section] = [
    workflow.section,
    parties.section,
    decision.section,
    tasks.section,
    documents.section,
    messages.section,
    related.section,
    intake.section,
    triage.section,
    sla.section,
    assignment.section,
]


def render_case_page(found: Case, **forms: FlaskForm) -> str:
    """The page; `forms` are those sent back with errors, by the name their section
    knows them by (see backoffice/sections/)."""
    staff = acting_staff()
    context: dict[str, object] = {"case": found}
    page_forms: list[FlaskForm] = []
    for section in SECTIONS:
        part = section(found, staff, forms)
        page_forms += part.pop("page_forms", [])  # type: ignore[arg-type]
        context.update(part)
    with_errors = [form for form in page_forms if form.errors]
    # The first form with errors makes the title start with "Error:"; each shows a summary.
    context["form"] = with_errors[0] if with_errors else None
    context["forms_with_errors"] = with_errors
    return render_template("backoffice/cases/case.html", **context)
