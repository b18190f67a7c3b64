"""The parties of a case beyond its applicant: a representative, another party, a witness

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("representative", "other_party", "witness")


def upgrade() -> None:
    op.create_table(
        "case_party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                *ROLES, name="casepartyrole", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("added_by_staff_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_case_party_case_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["party.id"], name=op.f("fk_case_party_party_id_party")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_staff_id"],
            ["staff_user.id"],
            name=op.f("fk_case_party_added_by_staff_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_party")),
        sa.UniqueConstraint("case_id", "party_id", "role", name=op.f("uq_case_party_case_id")),
    )
    with op.batch_alter_table("case_party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_party_party_id"), ["party_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_party_party_id"))
    op.drop_table("case_party")
