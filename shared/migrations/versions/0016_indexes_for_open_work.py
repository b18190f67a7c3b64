"""Indexes the back office's lists need at a million cases (bench/queue.py): My work and a
team's lists read only open cases, so their indexes leave finished cases out; a team's
oldest unassigned cases, a person's open tasks, linked parties, appeals of a decision and
earlier versions of a document each get the index they are looked up by

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "state NOT IN ('decided', 'closed', 'withdrawn')"
OPEN_UNASSIGNED = f"assignee_id IS NULL AND {OPEN}"


def _partial(predicate: str) -> dict[str, sa.TextClause]:
    return {"postgresql_where": sa.text(predicate), "sqlite_where": sa.text(predicate)}


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_assignee_due")
        batch_op.drop_index("ix_case_team_due")
        batch_op.create_index(
            "ix_case_assignee_due", ["assignee_id", "due_at", "id"], **_partial(OPEN)
        )
        batch_op.create_index("ix_case_team_due", ["team_id", "due_at", "id"], **_partial(OPEN))
        batch_op.create_index(
            "ix_case_team_unassigned",
            ["team_id", "submitted_at", "id"],
            **_partial(OPEN_UNASSIGNED),
        )
        batch_op.create_index(batch_op.f("ix_case_appealed_decision_id"), ["appealed_decision_id"])
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_previous_version_id"), ["previous_version_id"]
        )
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_linked_to_id"), ["linked_to_id"])
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_open_assignee", ["assignee_id"], **_partial("state = 'open'")
        )


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_open_assignee")
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_linked_to_id"))
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_previous_version_id"))
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_appealed_decision_id"))
        batch_op.drop_index("ix_case_team_unassigned")
        batch_op.drop_index("ix_case_team_due")
        batch_op.drop_index("ix_case_assignee_due")
        batch_op.create_index("ix_case_team_due", ["team_id", "due_at", "id"])
        batch_op.create_index("ix_case_assignee_due", ["assignee_id", "due_at", "id"])
