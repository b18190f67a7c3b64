"""Notice retries owned by the database: when a failed notice is next due, and the
undeliverable state for one that has used every attempt.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("pending", "sending", "transmitting", "sent", "failed", "delivery_unknown")
NEW = (*OLD, "undeliverable")


def _replace_state_check(batch_op: BatchOperations, states: tuple[str, ...]) -> None:
    allowed = ", ".join(f"'{state}'" for state in states)
    batch_op.drop_constraint(op.f("ck_notice_noticestate"), type_="check")
    batch_op.create_check_constraint(op.f("ck_notice_noticestate"), f"state IN ({allowed})")


def upgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_notice_next_attempt_at"), ["next_attempt_at"])
        _replace_state_check(batch_op, NEW)
    # Notices that failed before this revision had their retry only in Redis: due now.
    op.execute("UPDATE notice SET next_attempt_at = updated_at WHERE state = 'failed'")


def downgrade() -> None:
    op.execute("UPDATE notice SET state = 'failed' WHERE state = 'undeliverable'")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        _replace_state_check(batch_op, OLD)
        batch_op.drop_index(batch_op.f("ix_notice_next_attempt_at"))
        batch_op.drop_column("next_attempt_at")
