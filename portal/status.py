"""A case's state in plain language, and what happens next, as a resident reads them:
from the case's own workflow (shared/workflow), in the page's language."""

from __future__ import annotations

from flask_babel import get_locale

from shared.models import Case
from shared.workflow import workflow_for


def status_text(case: Case, state: str | None = None) -> str:
    """The status of `state` (by default the case's own) in the case's workflow."""
    workflow = workflow_for(case.case_type.code, case.workflow_version)
    return workflow.status_text(state or case.state, _locale())


def next_text(case: Case) -> str:
    workflow = workflow_for(case.case_type.code, case.workflow_version)
    return workflow.next_text(case.state, _locale())


def _locale() -> str:
    return str(get_locale() or "en")
