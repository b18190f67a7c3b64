"""Forgetting staff sessions that can no longer be used (shared/services/staff_sessions.py),
so the table holds about a working day of sign-ins. Run by the cron scheduler."""

from __future__ import annotations

import logging
from datetime import datetime

from shared.jobs import context
from shared.models.base import utcnow
from shared.services import staff_sessions

log = logging.getLogger(__name__)


def forget_spent_staff_sessions(now: datetime | None = None) -> int:
    with context.sessions()() as session, session.begin():
        forgotten = staff_sessions.forget_spent(session, now=now or utcnow())
    if forgotten:
        log.info("staff sessions forgotten: %d", forgotten)
    return forgotten
