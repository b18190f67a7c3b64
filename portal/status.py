"""Case states in plain language, and what happens next, as a citizen reads them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    "submitted": _l("Received"),
    "triage": _l("Being checked"),
    "assigned": _l("With a caseworker"),
    "in_progress": _l("Being worked on"),
    "awaiting_information": _l("Waiting for information from you"),
    "decision_pending": _l("Decision being checked"),
    "decided": _l("Decision made"),
    "withdrawn": _l("Withdrawn"),
    "closed": _l("Closed"),
}
NEXT = {
    "submitted": _l("We will check your request and pass it to the right team."),
    "triage": _l("We are checking your request and will pass it to the right team."),
    "assigned": _l("A caseworker will look at your request and contact you if they need anything."),
    "in_progress": _l("A caseworker is working on your request."),
    "awaiting_information": _l(
        "We need information from you before we can continue. Check your email."
    ),
    "decision_pending": _l("A decision has been made and is being checked by a second person."),
    "decided": _l("We have made a decision. We have emailed you about it."),
    "withdrawn": _l("You withdrew this request. We will not do anything more with it."),
    "closed": _l("This case is closed."),
}
UNKNOWN = _l("In progress")


def status_text(state: str) -> str:
    return str(STATUS.get(state, UNKNOWN))


def next_text(state: str) -> str:
    return str(NEXT.get(state, ""))
