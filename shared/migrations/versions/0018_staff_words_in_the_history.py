"""The case history keeps what happened as codes (Event.details), so the back office
writes it in the reader's language when shown; and a decided, closed or withdrawn case
waits for no answer (Case.awaiting_reply_since cleared on those decided before the rule)

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_LONGER_WAITING = """
UPDATE "case" SET awaiting_reply_since = NULL
WHERE awaiting_reply_since IS NOT NULL AND state IN ('decided', 'closed', 'withdrawn')
"""


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))
    op.execute(NO_LONGER_WAITING)


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("details")
