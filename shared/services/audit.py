"""Writing the audit trail, always in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shared.models import AuditEvent, Party, StaffUser


def actor_of(actor: StaffUser | Party | None) -> tuple[str, str | None]:
    if isinstance(actor, StaffUser):
        return "staff", str(actor.id)
    if isinstance(actor, Party):
        return "party", str(actor.id)
    return "system", None


def record(
    session: Session,
    *,
    actor: StaffUser | Party | None,
    action: str,
    object_kind: str,
    object_id: object,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    actor_kind, actor_id = actor_of(actor)
    entry = AuditEvent(
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        object_kind=object_kind,
        object_id=str(object_id),
        details=details or {},
    )
    session.add(entry)
    return entry
