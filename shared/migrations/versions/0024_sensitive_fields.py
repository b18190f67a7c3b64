"""Least privilege down to the field: reveals of sensitive fields (who saw which masked
answer of which case, when, and why). The sensitive tags and the attribute limits are
configuration (shared/casetypes/), not tables.

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.models.base import UtcDateTime

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sensitive_reveal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=80), nullable=False),
        sa.Column("classification", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("revealed_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_user.id"], name=op.f("fk_sensitive_reveal_staff_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
            name=op.f("fk_sensitive_reveal_case_id_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensitive_reveal")),
    )
    op.create_index(
        "ix_sensitive_reveal_staff_case",
        "sensitive_reveal",
        ["staff_id", "case_id", "revealed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_sensitive_reveal_staff_case", table_name="sensitive_reveal")
    op.drop_table("sensitive_reveal")
