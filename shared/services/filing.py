"""Filing a case: drafts of answers, then one transaction that creates the case.

Submission matches the applicant to an existing Party only on a verified email address;
a Party with the same name and date of birth is not merged but flagged to intake as a
task, because a wrong merge would show one person's cases to another.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext
from sqlalchemy import ColumnElement, Text, func, select, type_coerce
from sqlalchemy.orm import Session

from shared.casetypes.forms import FormDefinition, form_for
from shared.encryption.columns import date_of_birth_hash
from shared.models import (
    Case,
    CaseType,
    Draft,
    DuplicateState,
    Party,
    PossibleDuplicate,
    Task,
)
from shared.notices.kinds import NoticeKind
from shared.security import read_token, sign_token
from shared.services import cases, decisions, documents, notices, parties


class FormChanged(Exception):
    """The draft was started on another version of the form than the one now in use."""


class AppealWindowClosed(Exception):
    """The time to appeal the decision ended while the appeal was being written."""


APPEAL_OF = "_appeal_of"  # a draft's link to the case whose decision it appeals


def start_appeal(session: Session, *, case: Case, definition: FormDefinition, locale: str) -> Draft:
    draft = start_draft(session, definition=definition, locale=locale)
    draft.answers = {APPEAL_OF: case.reference}
    session.flush()
    return draft


def start_draft(session: Session, *, definition: FormDefinition, locale: str) -> Draft:
    draft = Draft(
        token=secrets.token_urlsafe(32),
        case_type_code=definition.case_type,
        form_version=definition.version,
        locale=locale,
        answers={},
    )
    session.add(draft)
    session.flush()
    return draft


def find_draft(session: Session, token: str | None, *, lock: bool = False) -> Draft | None:
    if not token:
        return None
    query = select(Draft).where(Draft.token == token)
    return session.scalars(query.with_for_update() if lock else query).first()


def record_answers(session: Session, *, draft: Draft, answers: dict[str, Any], locale: str) -> None:
    # A new dict, so the JSON column sees the change.
    draft.answers = {**draft.answers, **answers}
    draft.locale = locale
    session.flush()


def submit(
    session: Session,
    *,
    draft: Draft,
    definition: FormDefinition,
    case_type: CaseType,
) -> Case:
    """One case per draft: submitting again (double click, refresh) returns the same case."""
    existing = submitted_case(session, draft)
    if existing is not None:
        return existing
    if draft.form_version != definition.version:
        raise FormChanged(draft.form_version)
    if draft.answers.get(APPEAL_OF):
        case = _submit_appeal(session, draft=draft, definition=definition, case_type=case_type)
    else:
        applicant = applicant_for(session, draft.answers, draft.locale)
        case = open_from_draft(session, draft=draft, definition=definition, case_type=case_type,
                               applicant=applicant)  # fmt: skip
    documents.attach_draft_documents(session, draft=draft, case=case)
    session.flush()
    return case


def submitted_case(session: Session, draft: Draft) -> Case | None:
    """The case this draft has already become, if it has (one case per draft)."""
    if draft.submitted_case_id is None:
        return None
    return session.get(Case, draft.submitted_case_id)


def open_from_draft(
    session: Session,
    *,
    draft: Draft,
    definition: FormDefinition,
    case_type: CaseType,
    applicant: Party,
    acknowledge: bool = True,
) -> Case:
    """The case the draft's answers make for `applicant`, with any Party of the same name
    and date of birth flagged to intake; acknowledged unless `acknowledge` is False."""
    case = cases.open_case(
        session, case_type=case_type, applicant=applicant, summary=summary_of(definition, draft),
        answers=dict(draft.answers),
        acknowledgement=NoticeKind.ACKNOWLEDGEMENT if acknowledge else None,
    )  # fmt: skip
    case.form_version = draft.form_version
    _flag_possible_duplicates(session, case=case, applicant=applicant)
    draft.submitted_case_id = case.id
    session.flush()
    return case


def _submit_appeal(
    session: Session,
    *,
    draft: Draft,
    definition: FormDefinition,
    case_type: CaseType,
) -> Case:
    appealed = session.scalars(select(Case).where(Case.reference == draft.answers[APPEAL_OF])).one()
    decision = decisions.latest_decision(session, appealed)
    if decision is None or not decisions.appeal_window(appealed, decision).is_open:
        raise AppealWindowClosed(appealed.reference)
    appeal = cases.open_case(
        session, case_type=case_type, applicant=appealed.applicant,
        summary=f"Appeal against {appealed.reference}: {summary_of(definition, draft)}"[:200],
        answers={k: v for k, v in draft.answers.items() if k != APPEAL_OF},
        team=appealed.team, acknowledgement=NoticeKind.APPEAL_RECEIVED,
        acknowledgement_context={"appealed_reference": appealed.reference},
    )  # fmt: skip
    appeal.appealed_decision_id = decision.id
    appeal.form_version = draft.form_version
    draft.submitted_case_id = appeal.id
    session.flush()
    return appeal


def summary_of(definition: FormDefinition, draft: Draft) -> str:
    """The one-line summary kept on the case (Case.summary): the summary question's
    answer, in English. Pages compose it again in the reader's language (summary_in);
    this is what they fall back to, and what older cases have."""
    answer = draft.answers.get(definition.summary_field)
    label = definition.text(f"{definition.summary_field}.option.{answer}", "en")
    return (label or str(answer or ""))[:200]


def summary_in(case: Case, locale: str) -> str:
    """The case's one-line summary in `locale`, composed from the answer it is made of
    (the answer's code for a choice, kept in Case.answers), so a Welsh complaint reads
    "Aelod o staff" in Welsh and "A member of staff" in English. A case whose form no
    longer offers its answer, or that has none (older cases, free text given by staff),
    keeps the words stored when it was filed. An appeal names the case it challenges,
    in the language of the current request (the prefix is the back office's text)."""
    try:
        definition = form_for(case.case_type.code)
    except KeyError:
        return case.summary
    answer = (case.answers or {}).get(definition.summary_field)
    if not isinstance(answer, str) or not answer.strip():
        return case.summary
    question = next((q for page in definition.pages for q in page.fields
                     if q.name == definition.summary_field), None)  # fmt: skip
    if question is not None and question.options:
        if answer not in question.options:
            return case.summary
        text = definition.text(f"{definition.summary_field}.option.{answer}", locale)
    else:
        text = answer  # the resident's own words (an appeal's grounds)
    appealed = case.appealed_decision
    if appealed is None:
        return text[:200]
    composed: str = gettext("Appeal against %(reference)s: %(summary)s",
                            reference=appealed.case.reference, summary=text)  # fmt: skip
    return composed[:200]


# Where the contact answers of every form are kept on the Party record ("question.part" for
# an address); each form's limit on these answers must fit the column (a test reads both).
CONTACT_ANSWERS = {
    "phone": "phone",
    "address.line_1": "address_line_1",
    "address.line_2": "address_line_2",
    "address.town": "address_town",
    "address.postcode": "address_postcode",
}
PERSON_ANSWERS = {"given_name": "given_name", "family_name": "family_name", "email": "email"}


def applicant_for(session: Session, answers: dict[str, Any], locale: str) -> Party:
    """The Party the answers are about: the one with this email address if it is verified,
    otherwise a new one (never merged with a lookalike; see _flag_possible_duplicates)."""
    email = (answers.get("email") or "").strip().lower() or None
    if email:
        verified = session.scalars(
            select(Party).where(Party.email == email, Party.is_email_verified.is_(True))
        ).first()
        if verified is not None:
            return verified
    address = answers.get("address") or {}
    born = answers.get("date_of_birth")
    party = parties.register_person(
        session,
        given_name=answers.get("given_name", ""),
        family_name=answers.get("family_name", ""),
        email=email,
        preferred_locale=locale,
        date_of_birth=date.fromisoformat(born) if born else None,
    )
    for answer, column in CONTACT_ANSWERS.items():
        name, _dot, part = answer.partition(".")
        value = address.get(part) if part else answers.get(name)
        setattr(party, column, value or None)
    return party


def _born_on(born: date) -> ColumnElement[bool]:
    """Parties born on `born`, by the keyed hash beside the encrypted date; or, for a row
    from before encryption that `caseway keys rotate` has not reached, its plain date."""
    return (Party.date_of_birth_hash == date_of_birth_hash(born)) | (
        Party.date_of_birth_hash.is_(None)
        & (type_coerce(Party.date_of_birth, Text) == born.isoformat())
    )


def _flag_possible_duplicates(session: Session, *, case: Case, applicant: Party) -> None:
    if applicant.date_of_birth is None or not applicant.family_name:
        return
    lookalikes = session.scalars(
        select(Party).where(
            Party.id != applicant.id,
            _born_on(applicant.date_of_birth),
            func.lower(Party.family_name) == applicant.family_name.lower(),
            func.lower(Party.given_name) == (applicant.given_name or "").lower(),
        )
    ).all()
    # A PossibleDuplicate for triage to confirm or reject (shared/services/triage.py), and
    # a task so the case's list of things to do shows it too; not again for records
    # already linked as one person, or a pair a clerk already found to be two people.
    rejected = session.scalars(select(PossibleDuplicate).where(
        PossibleDuplicate.state == DuplicateState.REJECTED,
        (PossibleDuplicate.party_id == applicant.id)
        | (PossibleDuplicate.other_party_id == applicant.id),
    )).all()  # fmt: skip
    different = {d.party_id for d in rejected} | {d.other_party_id for d in rejected}
    root = applicant.linked_to_id or applicant.id
    for other in lookalikes:
        if (other.linked_to_id or other.id) == root or other.id in different:
            continue
        task = Task(
            case_id=case.id,
            title=(f"Possible duplicate: {applicant.client_id} has the same name and date of "
                   f"birth as {other.client_id}. Check before linking them."),
        )  # fmt: skip
        session.add(task)
        session.flush()  # its id, for the pair: deciding the pair marks the task done
        session.add(PossibleDuplicate(case_id=case.id, party_id=applicant.id,
                                      other_party_id=other.id, task_id=task.id))  # fmt: skip


RESUME_PURPOSE = "resume-form"
RESUME_DAYS = 7


def send_resume_link(
    session: Session, *, draft: Draft, email: str, secret_key: str, link_for: Callable[[str], str]
) -> None:
    """Email a signed link (valid RESUME_DAYS days) that brings this draft back."""
    token = sign_token(secret_key, RESUME_PURPOSE, {"d": draft.token})
    notices.create_notice_to_address(
        session, kind=NoticeKind.RESUME_LINK, address=email, locale=draft.locale,
        context={"link": link_for(token), "expires_days": RESUME_DAYS,
                 "case_type": draft.case_type_code},
    )  # fmt: skip


def resume(session: Session, *, token: str, secret_key: str) -> Draft | None:
    """The unsent draft a resume link names, or None if the link is bad, old or used up."""
    payload = read_token(secret_key, RESUME_PURPOSE, token, max_age_seconds=RESUME_DAYS * 86400)
    if not isinstance(payload, dict):
        return None
    draft = find_draft(session, payload.get("d"))
    if draft is None or draft.submitted_case_id is not None:
        return None
    return draft
