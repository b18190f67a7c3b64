"""Test data, built through the same services the apps use, with keyword overrides.

party = make_party(session, given_name="Rhys")
case = make_case(session, applicant=party, state="in_progress")
caseworker = make_staff(session, roles=[RoleCode.CASEWORKER], team=make_team(session))
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.casetypes.forms import form_for
from shared.models import (
    Case,
    CaseChannel,
    Decision,
    Document,
    Draft,
    Party,
    RoleCode,
    StaffUser,
    Team,
)
from shared.models.base import utcnow
from shared.scanning import ScanResult, Verdict
from shared.services import cases, decisions, documents, intake, parties, staff
from shared.services.casetypes import case_type_for
from shared.storage import Storage
from shared.uploads.receiving import IncomingFile

STAFF_PASSWORD = "a long password for tests"
# The authenticator-app secret of staff made with two-factor sign-in (administrators,
# as the default configuration requires): tests/staff_signing_in.py enters its code.
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_numbers = itertools.count(1)

# The workflow transitions that take a new case to each state (a supervisor takes them).
PATH_TO = {
    "submitted": (),
    "triage": ("start_triage",),
    "assigned": ("start_triage", "assign"),
    "in_progress": ("start_triage", "assign", "start_work"),
}


def make_party(session: Session, **overrides: Any) -> Party:
    number = next(_numbers)
    fields: dict[str, Any] = {
        "given_name": "Ana",
        "family_name": "Silva",
        "email": f"resident{number}@example.org",
    }
    return parties.register_person(session, **(fields | overrides))


def make_team(session: Session, code: str = "permits", name: str = "Permits") -> Team:
    found = session.scalars(select(Team).where(Team.code == code)).first()
    if found is not None:
        return found
    team = Team(code=code, name=name)
    session.add(team)
    session.flush()
    return team


def make_staff(
    session: Session,
    *,
    roles: Iterable[RoleCode] = (RoleCode.CASEWORKER,),
    two_factor: bool | None = None,
    **overrides: Any,
) -> StaffUser:
    """A member of staff with a password; with two-factor sign-in set up (secret
    STAFF_TOTP_SECRET) when `two_factor`, by default when they are an administrator."""
    number = next(_numbers)
    roles = list(roles)
    fields: dict[str, Any] = {
        "email": f"staff{number}@council.example",
        "display_name": f"Staff Member {number}",
        "password": STAFF_PASSWORD,
    }
    member = staff.create_staff_user(session, roles=roles, **(fields | overrides))
    if two_factor or (two_factor is None and RoleCode.ADMINISTRATOR in roles):
        member.totp_secret = STAFF_TOTP_SECRET
        member.totp_enrolled_at = utcnow()
        session.flush()
    return member


def make_case(
    session: Session,
    *,
    case_type: str = "application",
    applicant: Party | None = None,
    state: str = "submitted",
    **overrides: Any,
) -> Case:
    """A case opened as the portal opens one (acknowledgement included), then moved
    through the workflow to `state`."""
    fields: dict[str, Any] = {"summary": "Resident parking permit", "answers": {}}
    case = cases.open_case(
        session,
        case_type=case_type_for(session, case_type),
        applicant=applicant or make_party(session),
        **(fields | overrides),
    )
    move_to(session, case, state)
    return case


def move_to(session: Session, case: Case, state: str) -> None:
    """From where the case is, on through the workflow to `state` (up to in progress)."""
    path = PATH_TO[state]
    done = len(PATH_TO[case.state]) if case.state in PATH_TO else 0
    for step in path[done:]:
        cases.transition(session, case=case, name=step, actor=supervisor(session))


def supervisor(session: Session) -> StaffUser:
    """One supervisor per database session, who moves the factories' cases."""
    found = session.info.get("factory_supervisor")
    if found is None:
        found = make_staff(session, roles=[RoleCode.SUPERVISOR], display_name="Sam Supervisor")
        session.info["factory_supervisor"] = found
    return found  # type: ignore[no-any-return]


def decide_case(
    session: Session,
    case: Case,
    *,
    outcome: str,
    reason_codes: Iterable[str] = (),
    explanation: str = "",
) -> Decision:
    """The case worked and decided by a caseworker and, where its type requires approval,
    approved by a supervisor: the resident has been told."""
    move_to(session, case, "in_progress")
    decision = decisions.record_decision(
        session, case=case, outcome=outcome, reason_codes=list(reason_codes),
        explanation=explanation, decided_by=make_staff(session, roles=[RoleCode.CASEWORKER]),
    )  # fmt: skip
    if case.state == "decision_pending":
        decisions.approve_decision(session, case=case, approver=supervisor(session))
    return decision


def make_document(
    session: Session,
    storage: Storage,
    *,
    case: Case,
    content: bytes = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n",
    filename: str = "letter.pdf",
    uploaded_by: Party | StaffUser | None = None,
    verdict: Verdict | None = Verdict.CLEAN,
    previous: Document | None = None,
) -> Document:
    """A file on the case, received as an upload is and given `verdict` as a scan gives one
    (None: still awaiting its scan); with `previous`, a new version of that one. For pages
    that need a document: scanning itself is tested with the real clamd and worker."""
    with tempfile.TemporaryDirectory(prefix="caseway-document-") as spool:
        incoming = IncomingFile(Path(spool), limit_bytes=len(content) + 1)
        incoming.write(content)
        rules = documents.UploadRules(allowed=("pdf", "png", "text"), max_documents=1000,
                                      max_bytes=len(content) + 1)  # fmt: skip
        document = documents.receive_upload(
            session, storage, incoming=incoming, filename=filename, rules=rules,
            uploaded_by=uploaded_by or case.applicant, case=case, previous=previous,
        )  # fmt: skip
    if verdict is not None:
        signature = "Caseway.Test.EICAR" if verdict is Verdict.INFECTED else None
        documents.record_scan_result(session, storage, document=document,
                                     result=ScanResult(verdict, signature))  # fmt: skip
    return document


# An application's answers as a draft keeps them (dates as ISO dates, the address in parts).
RECORDED_ANSWERS: dict[str, Any] = {
    "service": "parking-permit", "details": "A permit for Elm Street.", "needed_by": "2027-06-01",
    "given_name": "Ana", "family_name": "Silva", "date_of_birth": "1984-03-14",
    "email": "ana.silva@example.org", "phone": "+44 808 157 0192",
    "address": {"line_1": "1 Elm Street", "line_2": "", "town": "Cardiff", "postcode": "CF10 1AA"},
    "contact_by": ["email", "post"], "large_print": "no",
}  # fmt: skip


def make_recording(
    session: Session,
    *,
    clerk: StaffUser,
    channel: CaseChannel = CaseChannel.PHONE,
    locale: str = "cy",
    answered: bool = False,
    sent: bool = False,
) -> Draft:
    """An application a clerk is recording (assisted intake): just started, `answered`
    (RECORDED_ANSWERS, the resident writing in `locale`), or `sent` (recorded as a case)."""
    definition = form_for("application")
    draft = intake.start_recording(session, case_type="application", channel=channel, clerk=clerk)
    if answered or sent:
        intake.record_answers(session, draft=draft, definition=definition,
                              answers=RECORDED_ANSWERS, resident_locale=locale)  # fmt: skip
    if sent:
        intake.record_case(session, draft=draft, definition=definition,
                           case_type=case_type_for(session, "application"), clerk=clerk)  # fmt: skip
    return draft


def make_rule(
    session: Session,
    *,
    name: str = "Parking to Permits",
    team: Team | None = None,
    sla_policy: str = "standard",
    priority: str | None = None,
    is_active: bool = True,
    **conditions: Any,
) -> Any:
    """A routing rule, last in the order, added by the factories' supervisor through the
    service (so its history has an "added" entry). `conditions` as the rule stores them:
    case_type=[...], category=[...], area=[...], priority_is=[...], answers={...}."""
    from shared.services import routing

    if "priority_is" in conditions:
        conditions["priority"] = conditions.pop("priority_is")
    fields = routing.RuleFields(name=name, conditions=conditions,
                                team_id=(team or make_team(session)).id, sla_policy=sla_policy,
                                priority=priority, is_active=is_active)  # fmt: skip
    return routing.add_rule(session, actor=supervisor(session), fields=fields)


def make_reply_template(
    session: Session,
    *,
    code: str = "more-information",
    locale: str = "en",
    title: str = "We need more information",
    body: str = "Dear {name},\n\nAbout case {reference}: please reply by {due_date}.",
) -> Any:
    """One language's text of a reply template, saved by the factories' supervisor through
    the service (so the audit trail has it)."""
    from shared.services import reply_templates

    return reply_templates.save_template(session, code=code, locale=locale, title=title,
                                         body=body, actor=supervisor(session))  # fmt: skip
