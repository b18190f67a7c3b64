from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.models import Case, RoleCode, StaffUser
from shared.security import verify_password
from shared.services import demo


def test_seeding_twice_adds_nothing_the_second_time(session: Session) -> None:
    first = demo.seed(session)
    second = demo.seed(session)
    assert first.cases_created == len(demo.CASES)
    assert second.cases_created == 0
    assert second.cases_total == first.cases_total
    assert session.scalar(select(func.count(StaffUser.id))) == len(RoleCode)


def test_demo_has_one_staff_user_per_role_who_can_sign_in(session: Session) -> None:
    summary = demo.seed(session)
    for role in RoleCode:
        user = session.scalars(
            select(StaffUser).where(StaffUser.email == summary.staff[role.value])
        ).one()
        assert user.has_role(role)
        assert verify_password(user.password_hash, demo.DEMO_PASSWORD)


def test_demo_cases_are_in_different_states(session: Session) -> None:
    demo.seed(session)
    states = set(session.scalars(select(Case.state)))
    assert {"submitted", "assigned", "in_progress", "decided"} <= states
