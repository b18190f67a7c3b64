"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from shared.models import Base
from shared.services import schema


def test_models_and_migrations_agree(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_migrations_go_down_to_nothing_and_back_up(fresh_database_url: str) -> None:
    from shared.db import make_engine

    engine = make_engine(fresh_database_url)
    assert schema.current_revision(engine) == schema.head_revision()
    schema.upgrade(engine, "head")  # a second upgrade changes nothing
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(schema.alembic_config(fresh_database_url, connection), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    schema.upgrade(engine)
    assert "case" in inspect(engine).get_table_names()
    engine.dispose()
