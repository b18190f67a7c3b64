"""The priority of a case: normal for every case so far; triage raises it

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRIORITIES = ("normal", "high", "urgent")


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "priority",
                sa.Enum(*PRIORITIES, name="casepriority", native_enum=False,
                        create_constraint=True, length=32),
                server_default="normal",
                nullable=False,
            )
        )  # fmt: skip


def downgrade() -> None:
    # The CHECK goes first: SQLite's copy of the table would otherwise keep it.
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_case_casepriority"), type_="check")
        batch_op.drop_column("priority")
