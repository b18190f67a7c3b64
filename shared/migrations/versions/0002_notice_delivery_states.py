"""Notice delivery states for exactly-once sending: transmitting and delivery_unknown.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("pending", "sending", "sent", "failed")
NEW = ("pending", "sending", "transmitting", "sent", "failed", "delivery_unknown")


def _replace_state_check(states: tuple[str, ...]) -> None:
    allowed = ", ".join(f"'{state}'" for state in states)
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notice_noticestate"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notice_noticestate"), f"state IN ({allowed})")


def upgrade() -> None:
    _replace_state_check(NEW)


def downgrade() -> None:
    op.execute(
        "UPDATE notice SET state = 'failed' WHERE state IN ('transmitting', 'delivery_unknown')"
    )
    _replace_state_check(OLD)
