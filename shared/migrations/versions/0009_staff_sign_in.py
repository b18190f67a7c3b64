"""Staff sign-in: a session version to end every session, the count of wrong passwords
with a timed lock, and the case types each person works

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("skills", sa.JSON(), nullable=True))
    # Everyone so far works every case type they were given work of; none are listed yet.
    op.execute("UPDATE staff_user SET skills = '[]'")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.alter_column("skills", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("skills")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_sign_ins")
        batch_op.drop_column("session_version")
