"""A link to the case's triage page, for those who triage, while the case is in triage;
and how the case's history titles what triage did."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from shared.models import Case, StaffUser
from shared.permissions import Permission, may
from shared.services import triage
from shared.web import db_session

# How the case's history (sections/history.html) titles triage's staff-only events; each
# event's note says what was chosen and why.
TRIAGE_EVENT_TITLES = {
    "triaged": _l("Triaged"),
    "routed": _l("Routed to a team"),
    "duplicate_confirmed": _l("Possible duplicate confirmed"),
    "duplicate_rejected": _l("Possible duplicate rejected"),
}


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    offered = may(staff, Permission.TRIAGE) and found.state in triage.TRIAGE_STATES
    return {
        "may_triage": offered,
        "open_duplicates": triage.open_duplicate_count(db_session(), case=found) if offered else 0,
        "page_forms": [],
    }
