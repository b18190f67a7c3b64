"""Encryption at rest: ciphertext columns, keyed hashes and wrapped document keys.

Party.date_of_birth becomes text (its ciphertext), with the keyed hash duplicate detection
looks up beside it; Document.wrapped_key holds each file's data key wrapped by the master
keys. Case.answers and Draft.answers stay JSON columns (a ciphertext is a JSON string).

Existing rows are NOT encrypted here (a migration should not need the keys, and a million
rows would hold the upgrade for long): they stay readable as they are, and
`caseway keys rotate` encrypts them in batches while the apps run. Downgrading decrypts
dates and answers with the configured keys; it refuses while any document is sealed,
since the older code could not serve it.

Revision ID: 0025
Revises: 0024
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.alter_column(
            "date_of_birth",
            existing_type=sa.Date(),
            type_=sa.Text(),
            existing_nullable=True,
            postgresql_using="date_of_birth::text",
        )
        batch_op.add_column(sa.Column("date_of_birth_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_party_date_of_birth_hash", ["date_of_birth_hash"], unique=False)
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wrapped_key", sa.String(length=255), nullable=True))


def downgrade() -> None:
    connection = op.get_bind()
    sealed = connection.execute(
        sa.text("SELECT count(*) FROM document WHERE wrapped_key IS NOT NULL")
    ).scalar()
    if sealed:
        raise RuntimeError(
            f"{sealed} documents are encrypted: the schema before 0025 cannot serve them"
        )
    _decrypt_everything(connection)
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("wrapped_key")
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.drop_index("ix_party_date_of_birth_hash")
        batch_op.drop_column("date_of_birth_hash")
        batch_op.alter_column(
            "date_of_birth",
            existing_type=sa.Text(),
            type_=sa.Date(),
            existing_nullable=True,
            postgresql_using="date_of_birth::date",
        )


def _decrypt_everything(connection: sa.Connection) -> None:
    """Back to plain values, row by row (only a database that was encrypted has any)."""
    for table, column in (("party", "date_of_birth"), ('"case"', "answers"), ("draft", "answers")):
        # As text on both databases: PostgreSQL would otherwise hand a JSON column parsed.
        as_text = f"CAST({column} AS TEXT)"
        rows = connection.execute(
            sa.text(f"SELECT id, {as_text} FROM {table} WHERE {as_text} LIKE '%enc:%'")  # noqa: S608
        )
        for row_id, value in rows.all():
            sealed = json.loads(value) if column == "answers" else value
            if not (isinstance(sealed, str) and sealed.startswith("enc:")):
                continue  # plain answers that happen to contain "enc:"
            plain = _open(sealed)
            connection.execute(
                sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),  # noqa: S608
                {"value": plain, "id": row_id},
            )


def _open(sealed: str) -> str:
    from shared.encryption import keys  # only when there is something to decrypt

    return keys.current().open(sealed).decode()
