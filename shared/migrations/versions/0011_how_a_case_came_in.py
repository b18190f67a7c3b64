"""How a case came in (the portal, or a clerk's record of a phone call, a letter or a
visit), and the clerk who recorded it

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNELS = ("portal", "phone", "post", "in_person")


def _channel() -> sa.Column:  # type: ignore[type-arg]
    # Every case and draft so far came through the portal.
    return sa.Column(
        "channel",
        sa.Enum(*CHANNELS, name="casechannel", native_enum=False, create_constraint=True,
                length=32),
        server_default="portal",
        nullable=False,
    )  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(_channel())
        batch_op.add_column(sa.Column("recorded_by_staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_recorded_by_staff_id_staff_user"),
            "staff_user",
            ["recorded_by_staff_id"],
            ["id"],
        )
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(_channel())


def downgrade() -> None:
    # The CHECK on the channel's values goes first: SQLite's copy of the table would
    # otherwise keep it, naming a column that is no longer there.
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_draft_casechannel"), type_="check")
        batch_op.drop_column("channel")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_recorded_by_staff_id_staff_user"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("ck_case_casechannel"), type_="check")
        batch_op.drop_column("recorded_by_staff_id")
        batch_op.drop_column("channel")
