"""Drafts of forms being filled in

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("case_type_code", sa.String(length=40), nullable=False),
        sa.Column("form_version", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submitted_case_id"], ["case.id"], name=op.f("fk_draft_submitted_case_id_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft")),
        sa.UniqueConstraint("token", name=op.f("uq_draft_token")),
    )


def downgrade() -> None:
    op.drop_table("draft")
