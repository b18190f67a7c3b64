"""Cases related to this one that the person may see: the decision an appeal challenges,
the appeals against this case's decision, and other cases of the same person."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import get_locale
from flask_wtf import FlaskForm

from shared.models import Case, StaffUser
from shared.services.related_cases import SHOWN, related_cases
from shared.web import db_session
from shared.workflow import workflow_for


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    return {
        "related": related_cases(db_session(), case=found, staff=staff),
        "related_shown": SHOWN,
        "related_status": _status,
        "page_forms": [],
    }


def _status(other: Case) -> str:
    """The other case's state in its own workflow's words for staff."""
    workflow = workflow_for(other.case_type.code, other.workflow_version)
    return workflow.staff_text(other.state, str(get_locale() or "en"))
