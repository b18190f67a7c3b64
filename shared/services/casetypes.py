"""Case types in the database, kept in step with their configuration."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.casetypes import load_case_types
from shared.models import CaseType


def case_type_for(session: Session, code: str) -> CaseType:
    """The case type `code`, created from configuration the first time it is used."""
    found = session.scalars(select(CaseType).where(CaseType.code == code)).first()
    if found is not None:
        return found
    definition = next(d for d in load_case_types() if d.code == code)
    case_type = CaseType(
        code=code, labels=definition.labels, target_days=definition.target_days,
        appeal_window_days=definition.appeal_window_days, workflow_version=definition.version,
    )  # fmt: skip
    session.add(case_type)
    session.flush()
    return case_type
