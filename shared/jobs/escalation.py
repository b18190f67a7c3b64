"""Telling each team's supervisors, once, about every case that has just gone overdue.

Run by the cron scheduler (shared/jobs/schedule.py). Safe to run twice at once (two
schedulers, or a job re-run after a crash): each case is claimed by a conditional UPDATE
in its own transaction (shared.services.sla.escalate_overdue), so only one run writes its
notices; the notices are sent after commit by the outbox, like every other notice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from shared.jobs import context
from shared.models.base import utcnow
from shared.services import sla

log = logging.getLogger(__name__)


def escalate_overdue_cases(now: datetime | None = None) -> int:
    """Claim and notify every case gone overdue and not yet told; the notices written."""
    now = now or utcnow()
    sessions = context.sessions()
    with sessions() as session:
        case_ids = sla.overdue_to_escalate(session, now=now)
    written = 0
    for case_id in case_ids:
        with sessions() as session, session.begin():
            written += sla.escalate_overdue(session, case_id=case_id, now=now)
    if case_ids:
        log.info("overdue escalation: %d cases, %d notices", len(case_ids), written)
    return written
