"""Least privilege down to the field: what of a case's sensitive answers and its
resident's sensitive particulars a member of staff sees, and reveals with a reason.

Questions are tagged `sensitive = "<classification>"` in the form files; the resident's
record fields in shared/casetypes/access.toml. A classification is seen by a person when
one of their roles has its permission (shared/permissions.py) and every limit of
access.toml on that role and classification holds for them and the case; otherwise it
is masked ("Hidden: date of birth"). Deny by default: a classification no role is
granted is masked for everyone. A person with REVEAL_SENSITIVE may reveal a masked
answer, with a reason: audited, recorded, and shown to them alone for REVEAL_MINUTES.

Every back-office place that shows answers or particulars to staff goes through here:
pages (mask_rows, party_field), and later exports, the API, staff emails and search
(mask_answers, may_see). The resident's own pages (the portal) are never masked.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.casetypes.access import FieldAccess, field_access
from shared.casetypes.answers import AnswerRow
from shared.casetypes.forms import FormDefinition, form_for
from shared.models import Case, Party, RoleCode, SensitiveReveal, StaffUser
from shared.models.base import utcnow
from shared.permissions import ROLE_PERMISSIONS, Permission, may
from shared.services import audit

REVEAL_MINUTES = 15
REASON_MAX_LENGTH = 500
# Reveals name a field of the resident's record as "party.<field>" (party_field_key).
PARTY_FIELD_PREFIX = "party."
CLASSIFICATION_PERMISSIONS = {
    "date_of_birth": Permission.SEE_DATE_OF_BIRTH,
    "national_insurance_number": Permission.SEE_NI_NUMBER,
    "health": Permission.SEE_HEALTH,
    "criminal_record": Permission.SEE_CRIMINAL_RECORD,
    "ethnicity": Permission.SEE_ETHNICITY,
}
# What a person sees in place of a value they may not see.
HIDDEN = {
    "date_of_birth": _l("Hidden: date of birth"),
    "national_insurance_number": _l("Hidden: National Insurance number"),
    "health": _l("Hidden: health information"),
    "criminal_record": _l("Hidden: criminal record information"),
    "ethnicity": _l("Hidden: ethnicity"),
}


class RevealRefused(Exception):
    """Nothing was revealed; `reason` says why (a code the view words)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def placeholder(classification: str) -> str:
    return str(HIDDEN[classification])


def is_placeholder(value: object) -> bool:
    """Whether a value mask_answers gave is a placeholder rather than an answer."""
    return isinstance(value, str) and value in {str(text) for text in HIDDEN.values()}


def may_see(
    staff: StaffUser, case: Case | None, classification: str, *, access: FieldAccess | None = None
) -> bool:
    """Whether this person sees values of this classification on this case, as their
    roles and the limits allow (a reveal aside). Search must ask this too: a masked
    field is no field to search by. With no case (a record assisted intake has not sent
    yet), a limit by the case's area or team cannot hold: it masks."""
    if not staff.is_active or classification not in CLASSIFICATION_PERMISSIONS:
        return False
    needed = CLASSIFICATION_PERMISSIONS[classification]
    rules = access or field_access()
    team_code = staff.team.code if staff.team is not None else None
    for role in staff.roles:
        code = RoleCode(role.code)
        if needed not in ROLE_PERMISSIONS[code]:
            continue
        if all(limit.allows(team_code=team_code, team_id=staff.team_id,
                            case_area=case.area if case else None,
                            case_team_id=case.team_id if case else None)
               for limit in rules.limits_on(code, classification)):  # fmt: skip
            return True
    return False


def revealed_fields(
    session: Session, *, staff: StaffUser, case: Case, now: datetime | None = None
) -> dict[str, datetime]:
    """The fields this person revealed on this case in the last REVEAL_MINUTES, each with
    when it is masked again."""
    since = (now or utcnow()) - timedelta(minutes=REVEAL_MINUTES)
    found = session.execute(
        select(SensitiveReveal.field, SensitiveReveal.revealed_at).where(
            SensitiveReveal.staff_id == staff.id, SensitiveReveal.case_id == case.id,
            SensitiveReveal.revealed_at > since,
        ).order_by(SensitiveReveal.revealed_at)
    )  # fmt: skip
    return {field: at + timedelta(minutes=REVEAL_MINUTES) for field, at in found}


def sensitive_questions(definition: FormDefinition) -> dict[str, str]:
    """question -> classification, for the form's tagged questions."""
    return {f.name: f.sensitive for page in definition.pages for f in page.fields if f.sensitive}


def hidden_questions(
    session: Session,
    *,
    staff: StaffUser,
    case: Case,
    definition: FormDefinition | None = None,
    access: FieldAccess | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """question -> classification, for the answers this person sees masked right now."""
    tagged = sensitive_questions(definition or form_for(case.case_type.code))
    if not tagged:
        return {}
    revealed = revealed_fields(session, staff=staff, case=case, now=now)
    return {
        name: classification
        for name, classification in tagged.items()
        if name not in revealed and not may_see(staff, case, classification, access=access)
    }


def mask_answers(
    session: Session,
    *,
    staff: StaffUser,
    case: Case,
    answers: Mapping[str, Any],
    definition: FormDefinition | None = None,
    access: FieldAccess | None = None,
) -> dict[str, Any]:
    """The answers as this person may read them: each masked one (when answered) replaced
    by its placeholder text. Exports, the API and staff emails show answers through this."""
    hidden = hidden_questions(session, staff=staff, case=case, definition=definition,
                              access=access)  # fmt: skip
    return {
        name: placeholder(hidden[name]) if name in hidden and value not in (None, "") else value
        for name, value in answers.items()
    }


def mask_rows(
    session: Session,
    *,
    staff: StaffUser,
    case: Case,
    rows: Iterable[AnswerRow],
    definition: FormDefinition | None = None,
    access: FieldAccess | None = None,
) -> list[AnswerRow]:
    """Answers read back (shared/casetypes/answers.py) for a page or a PDF, each masked
    one showing its placeholder instead (an unanswered one stays unanswered)."""
    hidden = hidden_questions(session, staff=staff, case=case, definition=definition,
                              access=access)  # fmt: skip
    return masked_rows(rows, hidden)


def hidden_before_case(
    staff: StaffUser, definition: FormDefinition, *, access: FieldAccess | None = None
) -> dict[str, str]:
    """question -> classification, for the answers this person sees masked on a record
    that is not a case yet (assisted intake, recorded by a colleague): no reveal there."""
    return {
        name: classification
        for name, classification in sensitive_questions(definition).items()
        if not may_see(staff, None, classification, access=access)
    }


def masked_rows(rows: Iterable[AnswerRow], hidden: Mapping[str, str]) -> list[AnswerRow]:
    """The rows with each of the `hidden` questions (question -> classification) showing
    its placeholder instead (an unanswered one stays unanswered)."""
    return [
        replace(row, lines=(placeholder(hidden[row.question]),), left_to_right=False)
        if row.question in hidden and row.lines
        else row
        for row in rows
    ]


def party_field(
    staff: StaffUser,
    case: Case,
    party: Party,
    name: str,
    *,
    access: FieldAccess | None = None,
    revealed: Collection[str] = (),
) -> Any:
    """A field of a resident's record as this person may see it on this case: the value,
    or its placeholder text when the field is sensitive and masked for them. `revealed`
    are the fields they revealed on this case (revealed_fields): shown while it lasts."""
    value = getattr(party, name)
    rules = access or field_access()
    classification = rules.party_fields.get(name)
    if (
        value is None
        or classification is None
        or party_field_key(name) in revealed
        or may_see(staff, case, classification, access=rules)
    ):
        return value
    return placeholder(classification)


def party_field_key(name: str) -> str:
    """How a reveal names a field of the resident's record (a question's name never has a
    dot), so one reveal covers that field of every record the case's pages show."""
    return f"{PARTY_FIELD_PREFIX}{name}"


def hidden_party_fields(
    session: Session,
    *,
    staff: StaffUser,
    case: Case,
    access: FieldAccess | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """Field of a resident's record -> classification, for those this person sees masked
    on this case right now."""
    rules = access or field_access()
    revealed = revealed_fields(session, staff=staff, case=case, now=now)
    return {
        name: classification
        for name, classification in rules.party_fields.items()
        if party_field_key(name) not in revealed
        and not may_see(staff, case, classification, access=rules)
    }


def revealable_fields(
    definition: FormDefinition, *, access: FieldAccess | None = None
) -> dict[str, str]:
    """What a reveal may name -> its classification: the form's tagged questions, and the
    tagged fields of the resident's record (party_field_key)."""
    rules = access or field_access()
    particulars = {party_field_key(name): c for name, c in rules.party_fields.items()}
    return {**sensitive_questions(definition), **particulars}


def may_reveal(staff: StaffUser) -> bool:
    return may(staff, Permission.REVEAL_SENSITIVE)


def reveal(
    session: Session,
    *,
    staff: StaffUser,
    case: Case,
    field: str,
    reason: str,
    definition: FormDefinition | None = None,
    now: datetime | None = None,
) -> SensitiveReveal:
    """Show this person a masked answer of this case, or a masked field of the records it
    shows (party_field_key), for REVEAL_MINUTES, for a reason: recorded, and audited with
    the field, its classification and the reason."""
    reason = reason.strip()
    classification = revealable_fields(definition or form_for(case.case_type.code)).get(field)
    if not may_reveal(staff):
        raise RevealRefused("not_allowed")
    if classification is None:
        raise RevealRefused("not_sensitive")
    if not reason:
        raise RevealRefused("missing_reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise RevealRefused("reason_too_long")
    shown = SensitiveReveal(staff_id=staff.id, case_id=case.id, field=field,
                            classification=classification, reason=reason,
                            revealed_at=now or utcnow())  # fmt: skip
    session.add(shown)
    details = {"field": field, "classification": classification, "reason": reason}
    audit.record(session, actor=staff, action="case.sensitive_revealed", object_kind="case",
                 object_id=case.reference, details=details)  # fmt: skip
    session.flush()
    return shown
