"""Internal notes on a case: for staff only, never shown to residents anywhere (portal
pages, notices, the PDF copy), because they are never public events."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared.models import Case, Event, StaffUser
from shared.services import audit

NOTE_MAX_LENGTH = 5000


def add_note(session: Session, *, case: Case, author: StaffUser, text: str) -> Event:
    note = Event(case=case, kind="note", actor_staff_id=author.id, note=text.strip(),
                 is_public=False)  # fmt: skip
    session.add(note)
    audit.record(session, actor=author, action="case.note_added", object_kind="case",
                 object_id=case.reference)  # fmt: skip
    session.flush()
    return note
