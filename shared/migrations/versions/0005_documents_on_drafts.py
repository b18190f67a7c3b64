"""Documents uploaded while a form is filled in; public ids; scan problems; removal

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_id", sa.String(length=43), nullable=True))
        batch_op.add_column(sa.Column("draft_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("question", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("scan_problem", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
    # Documents from before this revision get a public id of their own.
    op.execute("UPDATE document SET public_id = storage_key WHERE public_id IS NULL")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.alter_column("public_id", existing_type=sa.String(length=43), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_document_public_id"), ["public_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_document_draft_id_draft"), "draft", ["draft_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_document_draft_id"), ["draft_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_draft_id"))
        batch_op.drop_constraint(batch_op.f("fk_document_draft_id_draft"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_document_public_id"), type_="unique")
        batch_op.drop_column("removed_at")
        batch_op.drop_column("scan_problem")
        batch_op.drop_column("question")
        batch_op.drop_column("draft_id")
        batch_op.drop_column("public_id")
