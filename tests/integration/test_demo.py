"""The demo office (defects 13 and 20 of issue 23): enough cases, people and rules that
the queue, My work, the team page and the inbox look like a real office, and
least-loaded assignment has someone to pick. Seeding is slow enough (a few hundred cases
through the services) that each test checks several things of one seed."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from shared.db import make_engine
from shared.models import (
    Case,
    Decision,
    Message,
    Notice,
    NoticeState,
    RoleCode,
    RoutingRule,
    StaffUser,
    Task,
    Team,
)
from shared.models.base import utcnow
from shared.permissions import Permission, may
from shared.security import verify_password
from shared.services import assignment, demo, schema
from shared.workflow import workflow_for
from tests.conftest import create_database, drop_database


@pytest.fixture(scope="module")
def seeded(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, demo.SeedSummary]]:
    """A database of its own with the demo seeded once (and committed), for this module."""
    url, handle = create_database(backend, tmp_path_factory.mktemp("demo"))
    engine = make_engine(url)
    schema.upgrade(engine)
    with Session(engine) as seeding:
        first = demo.seed(seeding)
        seeding.commit()
    yield engine, first
    engine.dispose()
    drop_database(handle)


@pytest.fixture
def session(seeded: tuple[Engine, demo.SeedSummary]) -> Iterator[Session]:
    """The seeded database, in a transaction rolled back after each test."""
    with seeded[0].connect() as connection:
        outer = connection.begin()
        db_session = Session(bind=connection, join_transaction_mode="create_savepoint")
        yield db_session
        db_session.close()
        outer.rollback()


def test_seeding_twice_adds_nothing_the_second_time(
    seeded: tuple[Engine, demo.SeedSummary], session: Session
) -> None:
    first = seeded[1]
    second = demo.seed(session)
    assert first.cases_created == demo.expected_case_count()
    assert second.cases_created == 0
    assert second.cases_total == first.cases_total
    assert session.scalar(select(func.count(StaffUser.id))) == len(demo.STAFF)
    assert session.scalar(select(func.count(RoutingRule.id))) == len(demo.RULES)
    # The first of each role signs in with the demo's password.
    for role in RoleCode:
        email = next(e for r, e, _team in second.staff if r == role.value)
        user = session.scalars(select(StaffUser).where(StaffUser.email == email)).one()
        assert user.has_role(role)
        assert verify_password(user.password_hash, demo.DEMO_PASSWORD)
        # Administrators must use two-factor sign-in: the demo's uses the printed key.
        is_admin = role is RoleCode.ADMINISTRATOR
        assert user.has_two_factor is is_admin
        assert user.totp_secret == (demo.DEMO_TOTP_SECRET if is_admin else None)


def test_the_demo_office_has_cases_in_every_state_over_weeks(session: Session) -> None:
    by_state = session.execute(select(Case.state, func.count()).group_by(Case.state))
    counts = dict(by_state.all())
    every_state = {s for code in ("application", "complaint") for s in workflow_for(code).states}
    assert set(counts) == every_state
    assert all(number >= 5 for number in counts.values()), counts
    assert sum(counts.values()) >= 200
    oldest = session.scalar(select(func.min(Case.submitted_at)))
    assert oldest is not None
    assert oldest < utcnow() - timedelta(weeks=5)
    # Filed through the forms: every case has its answers, and its summary from them.
    assert session.scalar(select(func.count(Case.id)).where(Case.summary == "")) == 0
    assert all(session.scalars(select(Case.answers)))
    # Worked through the services: messages, tasks, decisions, an appeal and the inbox.
    assert session.scalar(select(func.count(Message.id))) >= 50
    assert session.scalar(select(func.count(Task.id))) >= 50
    assert session.scalar(select(func.count(Decision.id))) >= 100
    assert session.scalar(select(func.count(Case.id)).where(Case.awaiting_reply_since.is_not(None)))
    assert session.scalar(select(func.count(Case.id)).where(Case.due_at < utcnow(),
                                                             Case.state == "in_progress"))  # fmt: skip
    # What the past weeks sent is not sent again when the demo's worker starts.
    pending = select(func.count(Notice.id)).where(Notice.state == NoticeState.PENDING)
    assert session.scalar(pending) == 0


def test_appeals_go_to_someone_not_involved_in_the_decision(session: Session) -> None:
    appeals = session.scalars(select(Case).where(Case.appealed_decision_id.is_not(None))).all()
    assert len(appeals) >= 2
    assert {appeal.state for appeal in appeals} > {"triage"}
    for appeal in appeals:
        decision = session.get(Decision, appeal.appealed_decision_id)
        assert decision is not None
        assert appeal.assignee_id not in {decision.decided_by_id, decision.approved_by_id}


def test_every_team_has_members_and_every_caseworker_case_types(session: Session) -> None:
    for team in session.scalars(select(Team)):
        members = session.scalars(select(StaffUser).where(StaffUser.team_id == team.id)).all()
        assert members, team.code
        assert team.label("cy") != team.name  # named in Welsh too
    caseworkers = [
        user for user in session.scalars(select(StaffUser)) if user.has_role(RoleCode.CASEWORKER)
    ]
    assert len(caseworkers) >= 4
    assert all(user.skills for user in caseworkers)
    supervisors = [u for u in session.scalars(select(StaffUser)) if u.has_role(RoleCode.SUPERVISOR)]
    assert len(supervisors) >= 2


def test_least_loaded_assignment_picks_someone_on_a_seeded_case(session: Session) -> None:
    """Defect 13: demo staff had no case types, so least-loaded never found anyone."""
    waiting = session.scalars(
        select(Case)
        .where(Case.state == "triage", Case.team_id.is_not(None), Case.assignee_id.is_(None))
        .order_by(Case.id)
    ).all()
    assert {case.case_type.code for case in waiting} >= {"application", "complaint"}
    for case in waiting[:4]:
        supervisor = next(
            user
            for user in session.scalars(select(StaffUser).where(StaffUser.team_id == case.team_id))
            if may(user, Permission.ASSIGN)
        )
        chosen = assignment.assign_least_loaded(session, case=case, actor=supervisor)
        assert chosen.team_id == case.team_id
        assert case.case_type.code in chosen.skills
        assert case.assignee_id == chosen.id
