"""Assisted intake: a clerk records a case for a resident who phoned, wrote or came in.

The clerk asks the case type's own questions (its form definition, as on the portal) and
the answers are kept on a draft, as the portal keeps a resident's; sending it goes through
the filing service, so the Party is matched the same way (a verified email address, and a
lookalike of the same name and date of birth flagged to intake, never merged). What
differs is said here: how the case came in and who recorded it, an email address the
resident may not have, and the language they want us to write to them in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shared.casetypes.forms import Field, FormDefinition, Page, form_case_types, form_for
from shared.i18n import DEFAULT_LOCALE, locales_for
from shared.models import Case, CaseChannel, CaseType, Draft, Event, Party, StaffUser
from shared.services import audit, filing

# Questions about the resident rather than their case: asked first, as a caller is asked
# who they are before what they want.
RESIDENT_QUESTIONS = frozenset(
    {"given_name", "family_name", "date_of_birth", "email", "phone", "address"}
)
# A resident may have no email address; then no acknowledgement is sent.
OPTIONAL_FOR_A_CLERK = frozenset({"email"})
# The resident's address, asked when the form has no question for it: a case that came
# by post is answered by post.
ADDRESS_PAGE = Page(slug="address", fields=(Field(name="address", type="address", required=False),))


class Incomplete(Exception):
    """A required question of the record is unanswered."""


def recordable_case_types() -> list[str]:
    """The case types a clerk can record: those whose form asks who the resident is. An
    appeal is not one: it starts from the decided case it challenges."""
    return [
        code
        for code in form_case_types()
        if {"given_name", "family_name"} <= _names(form_for(code).pages)
    ]


def resident_pages(definition: FormDefinition) -> list[Page]:
    """The form's pages about the resident, and their address if the form does not ask it."""
    pages = [page for page in definition.pages if _names([page]) <= RESIDENT_QUESTIONS]
    if "address" not in _names(definition.pages):
        pages.append(ADDRESS_PAGE)
    return pages


def case_pages(definition: FormDefinition) -> list[Page]:
    """The form's other pages, in its order. File questions are left out: what a resident
    sends on paper is added to the case as a document."""
    return [
        page
        for page in definition.pages
        if not _names([page]) <= RESIDENT_QUESTIONS and not file_questions_on(page)
    ]


def file_questions(definition: FormDefinition) -> list[Field]:
    return [field for page in definition.pages for field in file_questions_on(page)]


def file_questions_on(page: Page) -> list[Field]:
    return [field for field in page.fields if field.type == "file"]


def recorded_pages(definition: FormDefinition) -> list[Page]:
    return [*resident_pages(definition), *case_pages(definition)]


def missing_answer(definition: FormDefinition, answers: dict[str, Any]) -> Page | None:
    """The first page shown for these answers with a required question left unanswered."""
    for page in recorded_pages(definition):
        if not page.is_shown(answers):
            continue
        for question in page.fields:
            needed = question.required and question.name not in OPTIONAL_FOR_A_CLERK
            if needed and not answers.get(question.name):
                return page
    return None


def start_recording(
    session: Session, *, case_type: str, channel: CaseChannel, clerk: StaffUser
) -> Draft:
    """A new record of a case that came in by `channel`, with nothing answered yet."""
    if channel is CaseChannel.PORTAL or case_type not in recordable_case_types():
        raise ValueError(f"a clerk cannot record a {case_type} case from {channel.value}")
    draft = filing.start_draft(session, definition=form_for(case_type), locale=DEFAULT_LOCALE)
    draft.channel = channel
    audit.record(
        session, actor=clerk, action="intake.started", object_kind="draft", object_id=draft.id,
        details={"case_type": case_type, "channel": channel.value},
    )  # fmt: skip
    session.flush()
    return draft


def record_answers(
    session: Session,
    *,
    draft: Draft,
    definition: FormDefinition,
    answers: dict[str, Any],
    resident_locale: str,
) -> None:
    """Every answer of the record at once (the clerk's form is one page), replacing what
    was there: an answer to a question no longer shown is not kept."""
    if resident_locale not in locales_for("notices"):
        raise ValueError(f"notices are not written in {resident_locale!r}")
    draft.answers = dict(answers)
    draft.locale = resident_locale
    draft.form_version = definition.version  # answered on the form as it is now
    session.flush()


def record_case(
    session: Session,
    *,
    draft: Draft,
    definition: FormDefinition,
    case_type: CaseType,
    clerk: StaffUser,
) -> Case:
    """The recorded case, opened as the portal opens one, with how it came in and who
    recorded it; acknowledged only when the resident gave an email address, in the
    language they chose. One case per draft: a second press, or a second clerk sending
    the same record, gets the same case."""
    existing = filing.submitted_case(session, draft)
    if existing is not None:
        return existing
    if draft.channel is CaseChannel.PORTAL:
        raise ValueError("a resident's own draft is sent on the portal")
    if draft.form_version != definition.version:
        raise filing.FormChanged(draft.form_version)
    if missing_answer(definition, draft.answers) is not None:
        raise Incomplete(draft.case_type_code)
    has_email = bool(str(draft.answers.get("email") or "").strip())
    applicant = filing.applicant_for(session, draft.answers, draft.locale)
    _writes_in(session, party=applicant, locale=draft.locale, clerk=clerk)
    case = filing.open_from_draft(session, draft=draft, definition=definition,
                                  case_type=case_type, applicant=applicant,
                                  acknowledge=has_email)  # fmt: skip
    case.channel = draft.channel
    case.recorded_by = clerk
    session.add(Event(case=case, kind="recorded", actor_staff_id=clerk.id, is_public=False))
    audit.record(
        session, actor=clerk, action="case.recorded", object_kind="case",
        object_id=case.reference,
        details={"channel": draft.channel.value, "acknowledged": has_email},
    )  # fmt: skip
    session.flush()
    return case


def _writes_in(session: Session, *, party: Party, locale: str, clerk: StaffUser) -> None:
    """The language the resident asked the clerk for, also when they are a Party already
    (matched on their verified email address): it is their choice, made just now."""
    if party.preferred_locale == locale:
        return
    audit.record(
        session, actor=clerk, action="party.language_changed", object_kind="party",
        object_id=party.id, details={"from": party.preferred_locale, "to": locale},
    )  # fmt: skip
    party.preferred_locale = locale


def _names(pages: list[Page] | tuple[Page, ...]) -> set[str]:
    return {field.name for page in pages for field in page.fields}
