"""Feedback on the service: stored as given, read back by administrators."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Feedback, Satisfaction

IMPROVEMENT_MAX_LENGTH = 1200
FROM_PAGE_MAX_LENGTH = 200


def record_feedback(
    session: Session,
    *,
    satisfaction: Satisfaction,
    improvement: str,
    locale: str,
    from_page: str | None,
) -> Feedback:
    # The page is only a hint for the reader; one too long to be ours is dropped, not cut.
    page = from_page if from_page and len(from_page) <= FROM_PAGE_MAX_LENGTH else None
    feedback = Feedback(satisfaction=satisfaction, improvement=improvement.strip() or None,
                        locale=locale, from_page=page)  # fmt: skip
    session.add(feedback)
    session.flush()
    return feedback


def recent_feedback(session: Session, *, limit: int = 50) -> list[Feedback]:
    query = select(Feedback).order_by(Feedback.created_at.desc(), Feedback.id.desc())
    return list(session.scalars(query.limit(limit)))
