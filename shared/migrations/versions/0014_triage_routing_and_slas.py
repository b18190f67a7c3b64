"""Triage, routing rules, saved views and SLAs in working days: what triage sets on a
case (category, risk, area), its SLA clock, possible duplicate parties, routing rules,
saved views of the queue, closure days, and the indexes the lists page on

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.models.base import UtcDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("sla_policy", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.String(length=20), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_routing_rule_team_id_team")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule")),
    )
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routing_rule_position"), ["position"], unique=False)

    op.create_table(
        "closure_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("added_by_staff_id", sa.Integer(), nullable=False),
        sa.Column("added_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_staff_id"],
            ["staff_user.id"],
            name=op.f("fk_closure_day_added_by_staff_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure_day")),
        sa.UniqueConstraint("area", "day", name=op.f("uq_closure_day_area")),
    )
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("owner_staff_id", sa.Integer(), nullable=True),
        sa.Column("published_to_role", sa.String(length=40), nullable=True),
        sa.Column("published_to_team_id", sa.Integer(), nullable=True),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_staff_id"],
            ["staff_user.id"],
            name=op.f("fk_saved_view_created_by_staff_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_staff_id"],
            ["staff_user.id"],
            name=op.f("fk_saved_view_owner_staff_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_to_team_id"],
            ["team.id"],
            name=op.f("fk_saved_view_published_to_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_view")),
    )
    with op.batch_alter_table("saved_view", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_saved_view_owner_staff_id"), ["owner_staff_id"], unique=False
        )

    op.create_table(
        "possible_duplicate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("other_party_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "confirmed",
                "rejected",
                name="duplicatestate",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("decided_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("found_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
            name=op.f("fk_possible_duplicate_case_id_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_staff_id"],
            ["staff_user.id"],
            name=op.f("fk_possible_duplicate_decided_by_staff_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["other_party_id"],
            ["party.id"],
            name=op.f("fk_possible_duplicate_other_party_id_party"),
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["party.id"], name=op.f("fk_possible_duplicate_party_id_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_possible_duplicate")),
    )
    with op.batch_alter_table("possible_duplicate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_possible_duplicate_case_id"), ["case_id"], unique=False
        )

    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=60), nullable=True))
        batch_op.add_column(
            sa.Column(
                "risk",
                sa.Enum(
                    "low",
                    "medium",
                    "high",
                    name="caserisk",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("area", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("triaged_at", UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sla_policy", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("sla_working_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("paused_working_days", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("extended_working_days", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("clock_stopped_at", UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("overdue_notified_at", UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_case_assignee_due", ["assignee_id", "due_at", "id"], unique=False)
        batch_op.create_index("ix_case_state_due", ["state", "due_at", "id"], unique=False)
        batch_op.create_index(
            "ix_case_state_submitted", ["state", "submitted_at", "id"], unique=False
        )
        batch_op.create_index("ix_case_team_due", ["team_id", "due_at", "id"], unique=False)

    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.add_column(sa.Column("linked_to_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_party_linked_to_id_party"), "party", ["linked_to_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_party_linked_to_id_party"), type_="foreignkey")
        batch_op.drop_column("linked_to_id")

    # The CHECK goes first: SQLite's copy of the table would otherwise keep it.
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_case_caserisk"), type_="check")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_team_due")
        batch_op.drop_index("ix_case_state_submitted")
        batch_op.drop_index("ix_case_state_due")
        batch_op.drop_index("ix_case_assignee_due")
        batch_op.drop_column("overdue_notified_at")
        batch_op.drop_column("clock_stopped_at")
        batch_op.drop_column("extended_working_days")
        batch_op.drop_column("paused_working_days")
        batch_op.drop_column("sla_working_days")
        batch_op.drop_column("sla_policy")
        batch_op.drop_column("triaged_at")
        batch_op.drop_column("area")
        batch_op.drop_column("risk")
        batch_op.drop_column("category")

    with op.batch_alter_table("possible_duplicate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_possible_duplicate_case_id"))

    op.drop_table("possible_duplicate")
    with op.batch_alter_table("saved_view", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_view_owner_staff_id"))

    op.drop_table("saved_view")
    op.drop_table("closure_day")
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_rule_position"))

    op.drop_table("routing_rule")
