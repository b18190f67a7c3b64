"""Case types in the database, kept in step with their configuration."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.casetypes import load_case_types
from shared.models import CaseType


def case_type_for(session: Session, code: str) -> CaseType:
    """The case type `code`, created from configuration the first time it is used."""
    query = select(CaseType).where(CaseType.code == code)
    found = session.scalars(query).first()
    if found is not None:
        return found
    definition = next(d for d in load_case_types() if d.code == code)
    case_type = CaseType(
        code=code, labels=definition.labels, target_days=definition.target_days,
        appeal_window_days=definition.appeal_window_days, workflow_version=definition.version,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(case_type)
    except IntegrityError:
        # Two people sent the first case of this type at once: on PostgreSQL both looked,
        # found none and inserted, and the second insert waited for the first to commit.
        # Theirs is the case type; only the savepoint is undone, not this person's case.
        return session.scalars(query).one()
    return case_type
