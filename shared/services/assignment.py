"""Who works a case. For now: handing every open case of one person to another (before
they leave or move on), case by case, each with the reason, audited and on the case's
staff-only history. Triage and assignment of single cases build on this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy import case as case_when
from sqlalchemy.orm import Session, selectinload

from shared.models import Case, Event, StaffUser, Team
from shared.models.base import utcnow
from shared.models.case import open_case
from shared.permissions import Permission, may
from shared.services import audit
from shared.services.staff import OPEN_CASE_EXCLUDED_STATES

REASON_MAX_LENGTH = 500


class ReassignmentRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # same_person, cannot_work_cases, excluded, no_reason


@dataclass(frozen=True)
class Reassigned:
    references: list[str]


def open_cases_assigned_to(session: Session, member: StaffUser) -> list[Case]:
    query = (
        select(Case)
        .where(Case.assignee_id == member.id, open_case())
        .order_by(Case.due_at.is_(None), Case.due_at, Case.submitted_at, Case.id)
    )
    return list(session.scalars(query))


def may_take_cases(member: StaffUser) -> bool:
    """Someone cases can be handed to: active and working cases (caseworker, supervisor)."""
    return may(member, Permission.WORK_CASES)


def people_who_may_take_cases(session: Session, *, besides: StaffUser) -> list[StaffUser]:
    query = (
        select(StaffUser)
        .where(StaffUser.is_active.is_(True), StaffUser.id != besides.id)
        .options(selectinload(StaffUser.roles))  # may_take_cases reads each one's roles
        .order_by(StaffUser.display_name, StaffUser.id)
    )
    return [member for member in session.scalars(query) if may_take_cases(member)]


def reassign_open_cases(
    session: Session, *, from_staff: StaffUser, to_staff: StaffUser, actor: StaffUser, reason: str
) -> Reassigned:
    """Hand every open case of `from_staff` to `to_staff`. The cases are locked while they
    move, so a case reassigned or closed meanwhile by someone else is not moved twice.
    Refused (`excluded`), moving nothing, when a case's workflow keeps `to_staff` from it
    (an appeal against a decision they made or approved)."""
    from shared.services.cases import excluded_from_assignment

    reason = reason.strip()
    if not reason:
        raise ReassignmentRefused("no_reason")
    if from_staff.id == to_staff.id:
        raise ReassignmentRefused("same_person")
    if not may_take_cases(to_staff):
        raise ReassignmentRefused("cannot_work_cases")
    query = (
        select(Case)
        .where(Case.assignee_id == from_staff.id, open_case())
        .order_by(Case.id)
        .with_for_update()
    )
    moved: list[str] = []
    handed = list(session.scalars(query))
    if any(excluded_from_assignment(session, case=case, person=to_staff) for case in handed):
        raise ReassignmentRefused("excluded")
    for case in handed:
        case.assignee_id = to_staff.id
        # The new person's team, so the case shows in their team's lists too.
        if to_staff.team_id is not None:
            case.team_id = to_staff.team_id
        _history(session, case, actor=actor, note=reason)
        audit.record(session, actor=actor, action="case.reassigned", object_kind="case",
                     object_id=case.reference,
                     details={"from": from_staff.id, "to": to_staff.id,
                              "reason": reason})  # fmt: skip
        moved.append(case.reference)
    session.flush()
    return Reassigned(references=moved)


def _history(session: Session, case: Case, *, actor: StaffUser, note: str) -> None:
    session.add(Event(case=case, kind="reassigned", actor_staff_id=actor.id, note=note,
                      is_public=False))  # fmt: skip


# ------------------------------------------------------------ assigning one case
#
# Who a case may go to (decided for issue 16): an active member of staff who works cases;
# in the case's team when it has one; and, when their staff record lists skills, one who
# has the case's type among them (no skills listed: they work every type, as before
# skills existed). Least-loaded is stricter: only people who list the type. And never
# someone the case's workflow excludes (`assignment.excludes`: on an appeal, whoever
# decided or approved the decision it challenges), however they are chosen.


class AssignmentRefused(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        # not_allowed, case_closed, cannot_work_cases, other_team, no_skill, excluded
        # (detail: the workflow's exclusion), already_theirs, no_reason, workflow,
        # no_team, nobody_fits, only_one_has_it, all_excluded
        self.reason = reason
        self.detail = detail


ASSIGNMENT_REFUSALS = (
    "not_allowed", "case_closed", "cannot_work_cases", "other_team", "no_skill", "excluded",
    "already_theirs", "no_reason", "workflow", "no_team", "nobody_fits", "only_one_has_it",
    "all_excluded",
)  # fmt: skip


def may_be_assigned(session: Session, case: Case, member: StaffUser) -> str | None:
    """Why `member` may not take `case` (a refusal reason), or None when they may."""
    from shared.services.cases import excluded_from_assignment

    if not member.is_active or not may_take_cases(member):
        return "cannot_work_cases"
    if case.team_id is not None and member.team_id != case.team_id:
        return "other_team"
    if member.skills and case.case_type.code not in member.skills:
        return "no_skill"
    if excluded_from_assignment(session, case=case, person=member) is not None:
        return "excluded"
    return None


def may_assign_to_self(session: Session, case: Case, staff: StaffUser) -> bool:
    """Whether "Assign to me" is offered: they work cases, may see it and take it, and it
    is not theirs already."""
    return why_not_to_self(session, case, staff) is None


def why_not_to_self(session: Session, case: Case, staff: StaffUser) -> str | None:
    """Why the case page offers this person no "Assign to me" (a refusal reason, or
    `not_visible`), or None when it does: what My work says of each case it lists."""
    from shared.access import may_see_case
    from shared.services.cases import open_transitions

    if case.state in OPEN_CASE_EXCLUDED_STATES:
        return "case_closed"
    if case.assignee_id == staff.id:
        return "already_theirs"
    if not may_see_case(staff, case):
        return "not_visible"
    refused = may_be_assigned(session, case, staff)
    if refused is not None:
        return refused
    steps = _steps_to_assigned(case.state)
    # A case still in triage moves on through its workflow, which names whose role may.
    if steps and steps[0] not in {t.name for t in open_transitions(case, staff)}:
        return "workflow"
    return None


def assign(
    session: Session, *, case: Case, to_staff: StaffUser, actor: StaffUser, reason: str = ""
) -> Case:
    """Give the case to `to_staff`: a supervisor (ASSIGN) to anyone who may take it, or
    someone who works cases to themselves ("Assign to me"). Taking a case from someone
    else needs a reason. A case still being triaged moves on to "assigned" through its
    workflow (which decides whose role may). Done under the case's row lock, so of two
    people assigning at once, the second sees the first's choice."""
    from shared.services.cases import TransitionRefused, excluded_from_assignment, transition

    reason = reason.strip()
    to_self = actor.id == to_staff.id
    if not (may(actor, Permission.ASSIGN) or (to_self and may(actor, Permission.WORK_CASES))):
        raise AssignmentRefused("not_allowed")
    session.flush()  # a refresh would drop changes not yet written
    session.refresh(case, with_for_update=True)
    if case.state in OPEN_CASE_EXCLUDED_STATES:
        raise AssignmentRefused("case_closed")
    refused = may_be_assigned(session, case, to_staff)
    if refused is not None:
        barred = excluded_from_assignment(session, case=case, person=to_staff)
        raise AssignmentRefused(refused, barred if refused == "excluded" and barred else "")
    if case.assignee_id == to_staff.id:
        raise AssignmentRefused("already_theirs")
    previous = case.assignee_id
    if previous is not None and not reason:
        raise AssignmentRefused("no_reason")
    try:
        for step in _steps_to_assigned(case.state):
            transition(session, case=case, name=step, actor=actor,
                       details={"assignee": to_staff.id})  # fmt: skip
    except TransitionRefused as refused_step:
        raise AssignmentRefused("workflow", refused_step.reason) from None
    case.assignee_id = to_staff.id
    if case.team_id is None and to_staff.team_id is not None:
        case.team_id = to_staff.team_id
    note = to_staff.display_name + (f": {reason}" if reason else "")
    session.add(Event(case=case, kind="reassigned" if previous else "assigned",
                      actor_staff_id=actor.id, note=note, is_public=False))  # fmt: skip
    audit.record(session, actor=actor, action="case.reassigned" if previous else "case.assigned",
                 object_kind="case", object_id=case.reference,
                 details={"from": previous, "to": to_staff.id, "reason": reason})  # fmt: skip
    session.flush()
    return case


def _steps_to_assigned(state: str) -> tuple[str, ...]:
    # Received cases are triaged on the way: the workflows go submitted -> triage -> assigned.
    return {"submitted": ("start_triage", "assign"), "triage": ("assign",)}.get(state, ())


def assign_to_team(
    session: Session, *, case: Case, team: Team, actor: StaffUser, reason: str = ""
) -> Case:
    """Put the case in a team's queue, assigned to nobody there yet. Taking it from the
    person who had it needs a reason."""
    if not may(actor, Permission.ASSIGN):
        raise AssignmentRefused("not_allowed")
    reason = reason.strip()
    session.flush()  # a refresh would drop changes not yet written
    session.refresh(case, with_for_update=True)
    if case.state in OPEN_CASE_EXCLUDED_STATES:
        raise AssignmentRefused("case_closed")
    if case.team_id == team.id and case.assignee_id is None:
        raise AssignmentRefused("already_theirs")
    previous = case.assignee_id
    if previous is not None and not reason:
        raise AssignmentRefused("no_reason")
    before = case.team_id
    case.team_id = team.id
    case.assignee_id = None
    # The team by its code: the history names it in the reader's language when shown.
    session.add(Event(case=case, kind="assigned_to_team", actor_staff_id=actor.id,
                      note=reason or None, details={"team": team.code},
                      is_public=False))  # fmt: skip
    audit.record(session, actor=actor, action="case.assigned_to_team", object_kind="case",
                 object_id=case.reference,
                 details={"from_team": before, "to_team": team.id, "from": previous,
                          "reason": reason})  # fmt: skip
    session.flush()
    return case


def open_case_counts(session: Session, member_ids: list[int]) -> dict[int, int]:
    if not member_ids:
        return {}
    query = (
        select(Case.assignee_id, func.count())
        .where(Case.assignee_id.in_(member_ids), open_case())
        .group_by(Case.assignee_id)
    )
    return {member_id: number for member_id, number in session.execute(query) if member_id}


def least_loaded_candidates(session: Session, *, case: Case) -> list[StaffUser]:
    """Who least-loaded assignment picks from, the least loaded first (ties by name, id):
    active caseworkers of the case's team who list its type among their skills, and whom
    its workflow does not exclude."""
    from shared.services.cases import excluded_from_assignment

    return [m for m in _who_work_the_type(session, case)
            if excluded_from_assignment(session, case=case, person=m) is None]  # fmt: skip


def _who_work_the_type(session: Session, case: Case) -> list[StaffUser]:
    if case.team_id is None:
        return []
    query = select(StaffUser).where(StaffUser.is_active.is_(True),
                                    StaffUser.team_id == case.team_id)  # fmt: skip
    code = case.case_type.code
    people = [m for m in session.scalars(query) if may_take_cases(m) and code in (m.skills or [])]
    counts = open_case_counts(session, [m.id for m in people])
    return sorted(people, key=lambda m: (counts.get(m.id, 0), m.display_name, m.id))


def assign_least_loaded(
    session: Session, *, case: Case, actor: StaffUser, reason: str = ""
) -> StaffUser:
    """A supervisor's "assign to the least-loaded caseworker in the team who works this
    case type": the chosen person. Refused with `no_team`, or with what is true of the
    team when nobody is left to choose: nobody works the type (`nobody_fits`), the only
    one who does has it already (`only_one_has_it`), or the others who do are excluded
    by the workflow (`all_excluded`)."""
    if not may(actor, Permission.ASSIGN):
        raise AssignmentRefused("not_allowed")
    session.flush()  # a refresh would drop changes not yet written
    session.refresh(case, with_for_update=True)
    if case.team_id is None:
        raise AssignmentRefused("no_team")
    from shared.services.cases import excluded_from_assignment

    everyone = _who_work_the_type(session, case)
    others = [m for m in everyone if m.id != case.assignee_id]
    candidates = [m for m in others
                  if excluded_from_assignment(session, case=case, person=m) is None]  # fmt: skip
    if not candidates:
        if others:
            raise AssignmentRefused("all_excluded")
        raise AssignmentRefused("only_one_has_it" if everyone else "nobody_fits")
    assign(session, case=case, to_staff=candidates[0], actor=actor, reason=reason)
    return candidates[0]


@dataclass(frozen=True)
class Caseload:
    staff: StaffUser
    open: int
    due_this_week: int
    overdue: int


def caseload(session: Session, *, team: Team, now: datetime | None = None) -> list[Caseload]:
    """Each active person of the team who works cases, by name: their open cases, those
    due from now to the end of this week (Sunday), and those overdue."""
    from shared.services import sla

    now = now or utcnow()
    members = [m for m in session.scalars(
        select(StaffUser).where(StaffUser.team_id == team.id, StaffUser.is_active.is_(True))
        .options(selectinload(StaffUser.roles))  # may_take_cases reads each one's roles
        .order_by(StaffUser.display_name, StaffUser.id)
    ) if may_take_cases(m)]  # fmt: skip
    if not members:
        return []
    today = sla.service_date(now)
    next_monday = datetime.combine(today + timedelta(days=7 - today.weekday()), time.min,
                                   tzinfo=UTC)  # fmt: skip
    # As the team page counts them: clock running, not overdue yet, overdue by Monday.
    due_this_week = and_(sla.sla_filter("overdue", next_monday), Case.due_at >= now)
    query = (
        select(
            Case.assignee_id,
            func.count(),
            func.sum(case_when((due_this_week, 1), else_=0)),
            func.sum(case_when((sla.sla_filter("overdue", now), 1), else_=0)),
        )
        .where(Case.assignee_id.in_([m.id for m in members]),
               open_case())
        .group_by(Case.assignee_id)
    )  # fmt: skip
    figures = {row[0]: (int(row[1]), int(row[2] or 0), int(row[3] or 0))
               for row in session.execute(query)}  # fmt: skip
    return [Caseload(m, *figures.get(m.id, (0, 0, 0))) for m in members]


def assignable_people(session: Session, *, case: Case) -> list[StaffUser]:
    """Who the named-person form offers: everyone who may take the case, by name."""
    query = select(StaffUser).where(StaffUser.is_active.is_(True))
    query = query.options(selectinload(StaffUser.roles))  # may_be_assigned reads them
    if case.team_id is not None:
        query = query.where(StaffUser.team_id == case.team_id)
    people = session.scalars(query.order_by(StaffUser.display_name, StaffUser.id))
    return [m for m in people if may_be_assigned(session, case, m) is None]


def excluded_people(session: Session, *, case: Case) -> list[tuple[StaffUser, str]]:
    """Who the case's workflow keeps from being given it, with the exclusion that applies
    to each, by name: the named-person form leaves them out and says why."""
    from shared.services.cases import excluded_from_assignment

    query = select(StaffUser).where(StaffUser.is_active.is_(True))
    if case.team_id is not None:
        query = query.where(StaffUser.team_id == case.team_id)
    people = session.scalars(query.order_by(StaffUser.display_name, StaffUser.id))
    found = [(m, excluded_from_assignment(session, case=case, person=m)) for m in people]
    return [(m, barred) for m, barred in found if barred is not None and may_take_cases(m)]
