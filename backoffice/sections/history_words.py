"""What a case history entry says, written when it is shown, in the reader's language.

Services keep what happened as codes on the Event (`Event.details`: a team's code, an SLA
policy, a category, an area, a priority, client ids) and only what a person wrote in
`Event.note` (a reason). Here the codes become the names staff see elsewhere (case type
and category labels, area names, SLA policy names, team names, priorities), so a Welsh
reader reads Welsh and a renamed team reads by its name now. Entries written before the
codes were kept have only their stored note, shown as it was written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.forms.triage import PRIORITY_NAMES, RISK_NAMES
from shared.casetypes import case_type_definition
from shared.models import Case, CasePriority, CaseRisk, Event, Team
from shared.sla.calendar import AREA_NAMES
from shared.sla.policies import load_policies

# What each kind's note (the words a person wrote) is, when the entry also says more.
NOTE_LABELS = {
    "triaged": _l("Why this risk: %(note)s"),
    "routed": _l("Reason for the other route: %(note)s"),
    "assigned_to_team": _l("Reason: %(note)s"),
    "duplicate_confirmed": _l("Reason: %(note)s"),
    "duplicate_rejected": _l("Reason: %(note)s"),
}


@dataclass(frozen=True)
class Names:
    """The names of the codes a case's history uses, in one locale."""

    case: Case
    locale: str
    teams: dict[str, Team]

    def team(self, code: object) -> str:
        found = self.teams.get(str(code))
        return found.label(self.locale) if found is not None else str(code)

    def policy(self, code: object) -> str:
        policy = load_policies().policies.get(str(code))
        return policy.label(self.locale) if policy is not None else str(code)

    def priority(self, value: object) -> str:
        known = {p.value: p for p in CasePriority}
        return str(PRIORITY_NAMES[known[value]]) if value in known else str(value)

    def risk(self, value: object) -> str:
        known = {r.value: r for r in CaseRisk}
        return str(RISK_NAMES[known[value]]) if value in known else str(value)

    def area(self, code: object) -> str:
        return str(AREA_NAMES.get(str(code), code))

    def category(self, code: object) -> str:
        definition = case_type_definition(self.case.case_type.code)
        return definition.category_text(str(code), self.locale)


def names_for(session: Session, *, case: Case, events: Iterable[Event], locale: str) -> Names:
    """The names the entries need, the teams read in one query."""
    codes: set[str] = set()
    for event in events:
        details = event.details or {}
        codes |= {str(details["team"])} if details.get("team") else set()
        proposed = details.get("proposed") or {}
        codes |= {str(proposed["team"])} if proposed.get("team") else set()
    teams: Iterable[Team] = (
        session.scalars(select(Team).where(Team.code.in_(codes))) if codes else []
    )
    return Names(case=case, locale=locale, teams={team.code: team for team in teams})


def paragraphs(event: Event, names: Names) -> list[str]:
    """The entry's text, a paragraph each: what happened, then what the person wrote."""
    details = event.details
    if not details or event.kind not in _WRITERS:
        return [event.note] if event.note else []
    said = _WRITERS[event.kind](details, names)
    if event.note:
        said.append(str(NOTE_LABELS[event.kind]) % {"note": event.note})
    return said


def _triaged(details: dict[str, Any], names: Names) -> list[str]:
    return [
        _(
            "Category: %(category)s. Priority: %(priority)s. Area: %(area)s. Risk: %(risk)s.",
            category=names.category(details.get("category")),
            priority=names.priority(details.get("priority")),
            area=names.area(details.get("area")),
            risk=names.risk(details.get("risk")),
        )
    ]


def _route(details: dict[str, Any], names: Names) -> str:
    text = _("Team: %(team)s. SLA policy: %(policy)s.", team=names.team(details.get("team")),
             policy=names.policy(details.get("sla_policy")))  # fmt: skip
    if details.get("priority"):
        text += " " + _("Priority: %(priority)s.", priority=names.priority(details["priority"]))
    return text


def _routed(details: dict[str, Any], names: Names) -> list[str]:
    said = [_route(details, names)]
    proposed, rule = details.get("proposed"), details.get("rule")
    if not proposed:
        said.append(_("No routing rule matched: chosen at triage."))
    elif not details.get("overridden"):
        said.append(_("As rule %(position)s “%(name)s” proposed.", **rule) if rule
                    else _("As a routing rule proposed."))  # fmt: skip
    elif rule:
        said.append(_("Overrode rule %(position)s “%(name)s”, which proposed: %(route)s",
                      route=_route(proposed, names), **rule))  # fmt: skip
    else:
        said.append(_("Overrode a routing rule, which proposed: %(route)s",
                      route=_route(proposed, names)))  # fmt: skip
    return said


def _to_team(details: dict[str, Any], names: Names) -> list[str]:
    return [_("Team: %(team)s.", team=names.team(details.get("team")))]


def _confirmed(details: dict[str, Any], names: Names) -> list[str]:
    return [_("%(first)s and %(second)s are the same person: both now go by %(client_id)s.",
              first=details.get("party"), second=details.get("other"),
              client_id=details.get("client_id"))]  # fmt: skip


def _rejected(details: dict[str, Any], names: Names) -> list[str]:
    return [_("%(first)s and %(second)s are different people.", first=details.get("party"),
              second=details.get("other"))]  # fmt: skip


_WRITERS = {
    "triaged": _triaged,
    "routed": _routed,
    "assigned_to_team": _to_team,
    "duplicate_confirmed": _confirmed,
    "duplicate_rejected": _rejected,
}
