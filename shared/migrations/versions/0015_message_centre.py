"""The message centre: requests for information, emailed replies (held when from another
address, kept once per Message-ID), read state per member of staff, attachments of
messages, and reply templates per language

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.models.base import UtcDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reply_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by_staff_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_staff_id"],
            ["staff_user.id"],
            name=op.f("fk_reply_template_updated_by_staff_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_template")),
        sa.UniqueConstraint("code", "locale", name=op.f("uq_reply_template_code")),
    )
    with op.batch_alter_table("reply_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reply_template_code"), ["code"], unique=False)

    op.create_table(
        "message_read",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_message_read_message_id_message"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_message_read_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "staff_user_id", name=op.f("pk_message_read")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_document_message_id"), ["message_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_document_message_id_message"), "message", ["message_id"], ["id"]
        )

    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "is_request_for_information",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "channel",
                sa.Enum(
                    "portal",
                    "email",
                    name="messagechannel",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="portal",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "state",
                sa.Enum(
                    "delivered",
                    "held",
                    "rejected",
                    name="messagestate",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="delivered",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("from_address", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("email_message_id", sa.String(length=998), nullable=True))
        batch_op.add_column(sa.Column("decided_by_staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_at", UtcDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_message_email_message_id"), ["email_message_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_message_decided_by_staff_id_staff_user"),
            "staff_user",
            ["decided_by_staff_id"],
            ["id"],
        )


def downgrade() -> None:
    # The CHECKs go first: SQLite's copy of the table would otherwise keep them.
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_message_messagechannel"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_message_messagestate"), type_="check")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_message_decided_by_staff_id_staff_user"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_message_email_message_id"), type_="unique")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("decided_by_staff_id")
        batch_op.drop_column("email_message_id")
        batch_op.drop_column("from_address")
        batch_op.drop_column("state")
        batch_op.drop_column("channel")
        batch_op.drop_column("is_request_for_information")

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_document_message_id_message"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_document_message_id"))
        batch_op.drop_column("message_id")

    op.drop_table("message_read")
    with op.batch_alter_table("reply_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_template_code"))

    op.drop_table("reply_template")
