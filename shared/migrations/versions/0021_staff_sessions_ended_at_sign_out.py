"""Each signed-in staff session as a row (staff_session), so signing out ends this session
on the server: a copy of the cookie taken before sign-out no longer opens any page. Sessions
signed in before this change carry no key and must sign in again.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.models.base import UtcDateTime

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_session_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_staff_session_key_hash")),
    )
    op.create_index(
        op.f("ix_staff_session_staff_user_id"), "staff_session", ["staff_user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_session_staff_user_id"), table_name="staff_session")
    op.drop_table("staff_session")
