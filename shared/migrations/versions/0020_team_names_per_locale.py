"""Team names per locale (Team.names, e.g. {"cy": "Trwyddedau"}): the portal and the
back office show a team by its name in the reader's language, `name` being the one used
where a locale has none (existing teams keep theirs, with no translations yet).

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("names", sa.JSON(), nullable=True))
    op.execute("UPDATE team SET names = '{}'")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.alter_column("names", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_column("names")
