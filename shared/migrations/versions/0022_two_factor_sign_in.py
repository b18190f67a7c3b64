"""Staff two-factor sign-in: TOTP secrets and recovery codes.

staff_user gains the TOTP secret (one column, so encryption at rest can later give it an
encrypted type), the last accepted time-step (no code works twice) and when enrolment was
confirmed; staff_recovery_code holds the hashes of each person's one-use recovery codes.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.models.base import UtcDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("totp_enrolled_at", UtcDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "staff_recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_recovery_code_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_recovery_code")),
    )
    op.create_index(
        op.f("ix_staff_recovery_code_staff_user_id"),
        "staff_recovery_code",
        ["staff_user_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_recovery_code_staff_user_id"), table_name="staff_recovery_code")
    op.drop_table("staff_recovery_code")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("totp_enrolled_at")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")
