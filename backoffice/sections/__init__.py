"""The parts of a staff case page, each gathering what it shows, and the sections of the
page they make up.

A part is a function `(case, staff, forms) -> dict` whose dict goes to the page's
template; `forms` holds the forms a view sends back with errors, by name, so a refused
form comes back with what the person typed.

The case page is a set of sections (MOJ sub-navigation), each its own URL under
/cases/<reference>/, showing one part's template (templates/backoffice/cases/sections/)
or a page that includes several (templates/backoffice/cases/pages/). Adding a
section (a service plan, referrals, closure) is one more entry in SECTIONS below:
nothing else changes, and the other sections never gather what it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from backoffice.sections import (
    assignment,
    decision,
    documents,
    intake,
    messages,
    parties,
    related,
    resident,
    sensitive,
    sla,
    tasks,
    triage,
    workflow,
)
from shared.models import Case, StaffUser

Part = Callable[[Case, StaffUser, Mapping[str, FlaskForm]], dict[str, object]]


@dataclass(frozen=True)
class CaseSection:
    """One tab of the case page.

    `name` is how views and links name it (`?section=`), `path` its URL after
    /cases/<reference>/ (the overview has none; each must differ from the POST routes
    beside it), `parts` gather what its template shows, and `forms` are the names of the
    forms its page holds: one sent back with errors comes back on this section (a name
    before a colon stands for all, as "transition" for "transition:close")."""

    name: str
    label: str  # a lazy string: translated when shown
    path: str
    template: str
    parts: tuple[Part, ...]
    forms: frozenset[str] = frozenset()


def _page(name: str) -> str:
    """A page made of several parts' templates."""
    return f"backoffice/cases/pages/{name}.html"


def _part(name: str) -> str:
    """A page that is one part's template."""
    return f"backoffice/cases/sections/{name}.html"


SECTIONS: list[CaseSection] = [
    CaseSection(
        "overview", _l("Overview"), "", _page("overview"),
        (workflow.section, intake.section, resident.section, sla.section, parties.section,
         related.section, triage.section, assignment.section),
        frozenset({"transition", "assign_me", "assign_person", "assign_team", "assign_least",
                   "extension"}),
    ),
    CaseSection("answers", _l("What they told us"), "answers", _part("answers"),
                (workflow.section, sensitive.section), frozenset({"reveal"})),
    CaseSection("messages", _l("Messages"), "conversation", _part("messages"),
                (resident.section, messages.section), frozenset({"message"})),
    CaseSection("documents", _l("Documents"), "documents", _part("documents"),
                (documents.section,)),
    CaseSection("tasks", _l("Tasks"), "task-list", _part("tasks"), (tasks.section,),
                frozenset({"task"})),
    CaseSection("decision", _l("Decision"), "decision-record", _page("decision"),
                (decision.section, related.section),
                frozenset({"decision", "approve", "return"})),
    CaseSection("history", _l("History"), "history", _part("history"), (workflow.section,),
                frozenset({"note"})),
]  # fmt: skip

BY_NAME: dict[str, CaseSection] = {listed.name: listed for listed in SECTIONS}
OVERVIEW = SECTIONS[0]


def section_named(name: str | None) -> CaseSection | None:
    """The section of this name, or None for any other text (a typed or forged one)."""
    return BY_NAME.get(name) if isinstance(name, str) else None


def section_holding(form_names: list[str]) -> CaseSection | None:
    """The section whose page holds the first of these forms."""
    for form_name in form_names:
        kind = form_name.split(":", 1)[0]
        for listed in SECTIONS:
            if kind in listed.forms:
                return listed
    return None
