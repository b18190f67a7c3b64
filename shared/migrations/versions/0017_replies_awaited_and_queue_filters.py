"""When a case's resident began waiting for an answer (the oldest of their messages after
staff last wrote), kept on the case so My work and the inbox read a small index instead
of every conversation, filled in from the messages already there; an index for each of
the triage queue's filters on the case (type, priority, channel, area) and for its two
flags (open possible duplicates, held uploads, by case); and decisions by when they were
decided and approved (the team page's measures over a period)

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.models.base import UtcDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AWAITING = "awaiting_reply_since IS NOT NULL"
QUEUE_FILTERS = {
    "ix_case_state_type_submitted": "case_type_id",
    "ix_case_state_priority_submitted": "priority",
    "ix_case_state_channel_submitted": "channel",
    "ix_case_state_area_submitted": "area",
}
FILL_IN = """
UPDATE "case" SET awaiting_reply_since = (
    SELECT min(m.sent_at) FROM message m
    WHERE m.case_id = "case".id AND m.state = 'delivered' AND m.sender_staff_id IS NULL
      AND m.id > coalesce((
          SELECT max(s.id) FROM message s
          WHERE s.case_id = "case".id AND s.state = 'delivered'
            AND s.sender_staff_id IS NOT NULL), 0))
WHERE id IN (SELECT case_id FROM message)
"""


def _partial(predicate: str = AWAITING) -> dict[str, sa.TextClause]:
    return {"postgresql_where": sa.text(predicate), "sqlite_where": sa.text(predicate)}


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("awaiting_reply_since", UtcDateTime(timezone=True), nullable=True)
        )
    op.execute(FILL_IN)
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_assignee_awaiting_reply", ["assignee_id", "awaiting_reply_since"], **_partial()
        )
        batch_op.create_index(
            "ix_case_team_awaiting_reply", ["team_id", "awaiting_reply_since"], **_partial()
        )
        for name, column in QUEUE_FILTERS.items():
            batch_op.create_index(name, ["state", column, "submitted_at", "id"])
    with op.batch_alter_table("possible_duplicate", schema=None) as batch_op:
        batch_op.create_index(
            "ix_possible_duplicate_open", ["case_id"], **_partial("state = 'open'")
        )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(
            "ix_document_held", ["case_id"], **_partial("scan_state = 'infected'")
        )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_decided_at"), ["decided_at"])
        batch_op.create_index(batch_op.f("ix_decision_approved_at"), ["approved_at"])


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("ix_document_held")
    with op.batch_alter_table("possible_duplicate", schema=None) as batch_op:
        batch_op.drop_index("ix_possible_duplicate_open")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_approved_at"))
        batch_op.drop_index(batch_op.f("ix_decision_decided_at"))
    with op.batch_alter_table("case", schema=None) as batch_op:
        for name in QUEUE_FILTERS:
            batch_op.drop_index(name)
        batch_op.drop_index("ix_case_team_awaiting_reply")
        batch_op.drop_index("ix_case_assignee_awaiting_reply")
        batch_op.drop_column("awaiting_reply_since")
