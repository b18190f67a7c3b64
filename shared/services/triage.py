"""Triage of one case: its category, priority, risk (with the reason) and area, and its
route (shared/services/routing.py), in one transaction; and deciding the possible
duplicate parties found when it came in.

Two clerks triaging one case at once: the case's row is locked and the version each
clerk's form was made from is checked under the lock, so the first triage counts and the
second is refused as "stale", with nothing of it written.

Confirming a duplicate links the newer party record to the older one's root record
(Party.linked_to_id always names the root): the person then goes by the root's client id.
Both records keep their own cases and history; nothing is merged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.casetypes import case_type_definition
from shared.models import (
    Case,
    CasePriority,
    CaseRisk,
    DuplicateState,
    Event,
    Party,
    PossibleDuplicate,
    StaffUser,
    Task,
)
from shared.models.base import utcnow
from shared.services import audit, routing, tasks
from shared.services import cases as case_service
from shared.sla.calendar import AREAS

RISK_REASON_MAX_LENGTH = 2000
DUPLICATE_REASON_MAX_LENGTH = 500
TRIAGE_STATES = routing.ROUTABLE_STATES


class TriageRefused(Exception):
    """Triage that cannot be done as asked. unknown_category, unknown_priority,
    unknown_risk, no_risk_reason, risk_reason_too_long, unknown_area, not_in_triage,
    stale, proposal_changed; and for duplicates: not_open, not_of_this_case,
    reason_too_long. `reasons` has every one found (`reason` is the first), so a form
    shows them all at once."""

    def __init__(self, reason: str, *more: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reasons = (reason, *more)


def version_of(case: Case) -> str:
    """What a triage form carries to be refused once the case has changed since."""
    return case.updated_at.isoformat()


@dataclass(frozen=True)
class Triage:
    """What a clerk chose, checked."""

    category: str
    priority: CasePriority
    risk: CaseRisk
    risk_reason: str
    area: str


def check_triage(
    case: Case, *, category: str, priority: str, risk: str, risk_reason: str, area: str
) -> Triage:
    """The values, or TriageRefused naming every one that cannot be, in the form's order."""
    reason = risk_reason.strip()
    problems = [
        problem
        for problem, is_wrong in (
            ("unknown_category",
             category not in case_type_definition(case.case_type.code).categories),
            ("unknown_priority", priority not in {p.value for p in CasePriority}),
            ("unknown_risk", risk not in {r.value for r in CaseRisk}),
            ("no_risk_reason", not reason),
            ("risk_reason_too_long", len(reason) > RISK_REASON_MAX_LENGTH),
            ("unknown_area", area not in AREAS),
        )
        if is_wrong
    ]  # fmt: skip
    if problems:
        raise TriageRefused(*problems)
    return Triage(category, CasePriority(priority), CaseRisk(risk), reason, area)


def triage_case(
    session: Session,
    *,
    case: Case,
    actor: StaffUser,
    category: str,
    priority: str,
    risk: str,
    risk_reason: str,
    area: str,
    route: routing.Route | None,
    override_reason: str = "",
    expected_version: str | None = None,
) -> Event:
    """Set the case's triage values and route it, all or nothing. `route` is the route the
    clerk accepted or chose (None: triage now, route later); when it is a rule's proposal
    that the new values no longer lead to, "proposal_changed" asks the clerk to look again
    rather than apply a proposal they did not see. A case still "submitted" moves to
    "triage" (see shared/services/routing.py)."""
    session.refresh(case, with_for_update=True)  # one triage at a time per case
    if expected_version is not None and version_of(case) != expected_version:
        raise TriageRefused("stale")
    if case.state not in TRIAGE_STATES:
        raise TriageRefused("not_in_triage")
    chosen = check_triage(case, category=category, priority=priority, risk=risk,
                          risk_reason=risk_reason, area=area)  # fmt: skip
    if route is not None and route.rule_id is not None:
        facts = routing.CaseFacts(case.case_type.code, chosen.category, chosen.area,
                                  chosen.priority, case.answers or {})  # fmt: skip
        fresh = routing.proposal_for(session, facts)
        if fresh is None or fresh.rule_id != route.rule_id or not fresh.same_place(route):
            raise TriageRefused("proposal_changed")
    if case.state == "submitted":
        case_service.transition(session, case=case, name="start_triage", actor=actor)
    before = {"category": case.category, "priority": case.priority.value,
              "risk": case.risk.value if case.risk else None, "area": case.area,
              "risk_reason": case.risk_reason}  # fmt: skip
    case.category, case.priority, case.risk, case.area = (
        chosen.category, chosen.priority, chosen.risk, chosen.area,
    )  # fmt: skip
    case.risk_reason = chosen.risk_reason  # a second triage starts from it
    case.triaged_at = utcnow()
    # Codes, not words: the history names them in the reader's language when shown.
    event = Event(case=case, kind="triaged", actor_staff_id=actor.id, is_public=False,
                  note=chosen.risk_reason,
                  details={"category": chosen.category, "priority": chosen.priority.value,
                           "area": chosen.area, "risk": chosen.risk.value})  # fmt: skip
    session.add(event)
    audit.record(
        session,
        actor=actor,
        action="case.triaged",
        object_kind="case",
        object_id=case.reference,
        details={
            "before": before,
            "after": {
                "category": chosen.category,
                "priority": chosen.priority.value,
                "risk": chosen.risk.value,
                "area": chosen.area,
            },
            "risk_reason": chosen.risk_reason,
        },  # fmt: skip
    )
    session.flush()
    if route is not None:
        # RoutingRefused propagates: the caller's unit of work rolls the triage back too.
        routing.route_case(session, case=case, actor=actor, route=route,
                           override_reason=override_reason)  # fmt: skip
    return event


# --- possible duplicate parties ----------------------------------------------------------


def root_of(session: Session, party: Party) -> Party:
    """The record a party goes by: the one it is linked to, or itself."""
    if party.linked_to_id is None:
        return party
    root = session.get(Party, party.linked_to_id)
    return root if root is not None else party


def client_id_of(session: Session, party: Party) -> str:
    """The one persistent client id the person goes by."""
    return root_of(session, party).client_id


def linked_party_ids(session: Session, party: Party) -> list[int]:
    """Every record of the same person: the root and all records linked to it."""
    root = root_of(session, party)
    linked = session.scalars(select(Party.id).where(Party.linked_to_id == root.id)).all()
    return [root.id, *linked]


@dataclass(frozen=True)
class DuplicateListed:
    duplicate: PossibleDuplicate
    party: Party
    other: Party
    other_cases: list[Case]


def duplicates_of(session: Session, *, case: Case) -> list[DuplicateListed]:
    """The possible duplicates found for the case, open ones first, with each lookalike's
    cases (the clerk compares them; access to each case is checked by the page)."""
    query = select(PossibleDuplicate).where(PossibleDuplicate.case_id == case.id)
    found = sorted(session.scalars(query.order_by(PossibleDuplicate.id)),
                   key=lambda d: d.state is not DuplicateState.OPEN)  # fmt: skip
    listed = []
    for duplicate in found:
        party, other = (
            session.get(Party, duplicate.party_id),
            session.get(Party, duplicate.other_party_id),
        )
        if party is None or other is None:
            continue
        cases = session.scalars(
            select(Case)
            .where(Case.applicant_id == other.id)
            .order_by(Case.submitted_at.desc())
            .limit(10)
        ).all()
        listed.append(DuplicateListed(duplicate, party, other, list(cases)))
    return listed


def open_duplicate_count(session: Session, *, case: Case) -> int:
    query = select(func.count(PossibleDuplicate.id)).where(
        PossibleDuplicate.case_id == case.id, PossibleDuplicate.state == DuplicateState.OPEN
    )
    return session.scalar(query) or 0


def duplicate_of_case(session: Session, *, case: Case, duplicate_id: int) -> PossibleDuplicate:
    if not 0 < duplicate_id < 2**31:  # PostgreSQL's integer
        raise TriageRefused("not_of_this_case")
    duplicate = session.get(PossibleDuplicate, duplicate_id)
    if duplicate is None or duplicate.case_id != case.id:
        raise TriageRefused("not_of_this_case")
    return duplicate


def _decide(
    session: Session,
    *,
    duplicate: PossibleDuplicate,
    actor: StaffUser,
    state: DuplicateState,
    reason: str,
) -> str:
    session.refresh(duplicate, with_for_update=True)  # one decision per pair, first wins
    if duplicate.state is not DuplicateState.OPEN:
        raise TriageRefused("not_open")
    reason = reason.strip()
    if len(reason) > DUPLICATE_REASON_MAX_LENGTH:
        raise TriageRefused("reason_too_long")
    duplicate.state = state
    duplicate.decided_by_staff_id = actor.id
    duplicate.decided_at = utcnow()
    duplicate.reason = reason or None
    task = session.get(Task, duplicate.task_id) if duplicate.task_id else None
    if task is not None:
        # The check the task asked for is what was just done: one transaction for both.
        tasks.mark_done_by(session, task=task, case=session.get_one(Case, duplicate.case_id),
                           actor=actor, done_at=duplicate.decided_at)  # fmt: skip
    return reason


def confirm_duplicate(
    session: Session, *, duplicate: PossibleDuplicate, actor: StaffUser, reason: str = ""
) -> Party:
    """The two records are one person: the newer record's root is linked to the older
    one's root (and any record linked to the newer root follows), so all go by the older
    root's client id. Returns that root."""
    reason = _decide(session, duplicate=duplicate, actor=actor, state=DuplicateState.CONFIRMED,
                     reason=reason)  # fmt: skip
    party = session.get_one(Party, duplicate.party_id)
    other = session.get_one(Party, duplicate.other_party_id)
    roots = sorted({root_of(session, party).id: root_of(session, party),
                    root_of(session, other).id: root_of(session, other)}.values(),
                   key=lambda p: (p.created_at, p.id))  # fmt: skip
    older = roots[0]
    for newer in roots[1:]:
        session.execute(update(Party).where(Party.linked_to_id == newer.id)
                        .values(linked_to_id=older.id))  # fmt: skip
        newer.linked_to = older
    case = session.get_one(Case, duplicate.case_id)
    # Client ids, not a sentence: the history words it in the reader's language.
    session.add(Event(case=case, kind="duplicate_confirmed", actor_staff_id=actor.id,
                      is_public=False, note=reason or None,
                      details={"party": party.client_id, "other": other.client_id,
                               "client_id": older.client_id}))  # fmt: skip
    audit.record(
        session, actor=actor, action="party.linked", object_kind="party",
        object_id=party.client_id,
        details={"before": {"party": party.client_id, "other": other.client_id,
                            "roots": [r.client_id for r in roots]},
                 "after": {"client_id": older.client_id},
                 "case": case.reference, "possible_duplicate": duplicate.id,
                 "reason": reason or None},
    )  # fmt: skip
    session.flush()
    return older


def reject_duplicate(
    session: Session, *, duplicate: PossibleDuplicate, actor: StaffUser, reason: str = ""
) -> None:
    """Different people who look alike: nothing is linked; the reason is optional."""
    reason = _decide(session, duplicate=duplicate, actor=actor, state=DuplicateState.REJECTED,
                     reason=reason)  # fmt: skip
    party = session.get_one(Party, duplicate.party_id)
    other = session.get_one(Party, duplicate.other_party_id)
    case = session.get_one(Case, duplicate.case_id)
    session.add(Event(case=case, kind="duplicate_rejected", actor_staff_id=actor.id,
                      is_public=False, note=reason or None,
                      details={"party": party.client_id, "other": other.client_id}))  # fmt: skip
    audit.record(
        session, actor=actor, action="party.not_linked", object_kind="party",
        object_id=party.client_id,
        details={"other": other.client_id, "case": case.reference,
                 "possible_duplicate": duplicate.id, "reason": reason or None},
    )  # fmt: skip
    session.flush()
