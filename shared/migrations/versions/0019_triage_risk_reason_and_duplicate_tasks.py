"""The risk reason kept on the case (a second triage starts from it), filled in from the
latest triage's audit entry; and each possible duplicate linked to the task filing added
for it, so deciding the pair marks that task done. Tasks are found by the title filing
gave them; those of pairs already decided, still open, are marked done when the pair
was decided (who decided is on the possible duplicate and its audit entry).

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.models.base import UtcDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CASE = sa.table("case", sa.column("id"), sa.column("reference"), sa.column("risk_reason"))
AUDIT = sa.table("audit_event", sa.column("id"), sa.column("action"), sa.column("object_id"),
                 sa.column("details", sa.JSON()))  # fmt: skip
PARTY = sa.table("party", sa.column("id"), sa.column("client_id"))
TASK = sa.table("task", sa.column("id"), sa.column("case_id"), sa.column("title"),
                sa.column("state"), sa.column("completed_at", UtcDateTime()))  # fmt: skip
DUPLICATE = sa.table("possible_duplicate", sa.column("id"), sa.column("case_id"),
                     sa.column("party_id"), sa.column("other_party_id"), sa.column("state"),
                     sa.column("decided_at", UtcDateTime()), sa.column("task_id"))  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("risk_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("possible_duplicate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("task_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_possible_duplicate_task_id_task"), "task", ["task_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip
    _fill_in_risk_reasons()
    _link_duplicate_tasks()


def _fill_in_risk_reasons() -> None:
    bind = op.get_bind()
    latest: dict[str, str] = {}
    triaged = sa.select(AUDIT.c.object_id, AUDIT.c.details).where(AUDIT.c.action == "case.triaged")
    for reference, details in bind.execute(triaged.order_by(AUDIT.c.id)):
        reason = (details or {}).get("risk_reason")
        if isinstance(reason, str):
            latest[reference] = reason
    for reference, reason in latest.items():
        bind.execute(
            sa.update(CASE).where(CASE.c.reference == reference).values(risk_reason=reason)
        )


def _link_duplicate_tasks() -> None:
    bind = op.get_bind()
    client_ids = dict(bind.execute(sa.select(PARTY.c.id, PARTY.c.client_id)).all())
    for duplicate in bind.execute(sa.select(DUPLICATE)).mappings().all():
        title = (
            f"Possible duplicate: {client_ids.get(duplicate['party_id'])} has the same name "
            f"and date of birth as {client_ids.get(duplicate['other_party_id'])}. "
            "Check before linking them."
        )
        task = bind.execute(
            sa.select(TASK.c.id, TASK.c.state)
            .where(TASK.c.case_id == duplicate["case_id"], TASK.c.title == title)
            .order_by(TASK.c.id)
        ).first()
        if task is None:
            continue
        bind.execute(
            sa.update(DUPLICATE).where(DUPLICATE.c.id == duplicate["id"]).values(task_id=task.id)
        )
        if duplicate["state"] != "open" and task.state == "open":
            bind.execute(
                sa.update(TASK)
                .where(TASK.c.id == task.id)
                .values(state="done", completed_at=duplicate["decided_at"])
            )


def downgrade() -> None:
    with op.batch_alter_table("possible_duplicate", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_possible_duplicate_task_id_task"), type_="foreignkey"
        )
        batch_op.drop_column("task_id")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("risk_reason")
