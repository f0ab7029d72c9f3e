"""The migrations: one head, they build the schema on an empty database, and the models agree."""

import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint, inspect

from dps_portal import create_app
from dps_portal.extensions import db
from tests.conftest import _postgres_server_url


@pytest.fixture
def empty_database(tmp_path):
    server = _postgres_server_url()
    if server is None:
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    name = f"dps_migrate_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"{server.rpartition('/')[0]}/{name}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_there_is_one_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_upgrade_builds_a_schema_the_models_agree_with(empty_database, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "DOCUMENT_STORE": str(tmp_path)})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_name": app.extensions["migrate"].configure_args.get("include_name"),
                },
            )
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
        db.engine.dispose()
    assert differences == [], differences
    assert {"user_account", "audit_event", "framework", "care_home"} <= tables


def test_upgrade_twice_changes_nothing(empty_database, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "DOCUMENT_STORE": str(tmp_path)})
    with app.app_context():
        upgrade()
        upgrade()
        db.engine.dispose()


def test_every_enum_column_is_checked_by_the_database(empty_database, tmp_path):
    """An enum column refuses a value its enum does not have, whatever writes to it."""
    from sqlalchemy import Enum

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "DOCUMENT_STORE": str(tmp_path)})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            inspector = inspect(connection)
            missing = [
                f"{table.name}.{column.name}"
                for table in db.metadata.sorted_tables
                for column in table.columns
                if isinstance(column.type, Enum)
                and f"ck_{table.name}_{column.name}_enum"
                not in {check["name"] for check in inspector.get_check_constraints(table.name)}
            ]
        db.engine.dispose()
    assert missing == []


def test_every_foreign_key_looked_up_from_its_parent_has_an_index(app):
    """A foreign key is a lookup from its parent (a visit's follow-ups, the evidence that
    holds a document): an index leads with it, or PostgreSQL reads the whole table for each
    (issue 9). The columns that record who did something (`…_by_id`) are read from the row to
    its user, never searched by user, and are left without one."""
    missing = []
    for table in db.metadata.sorted_tables:
        leading = {index.columns[0].name for index in table.indexes if len(index.columns)}
        leading |= {
            next(iter(constraint.columns)).name
            for constraint in table.constraints
            if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint)
            and len(constraint.columns)
        }
        for foreign_key in table.foreign_key_constraints:
            column = next(iter(foreign_key.columns)).name
            if column not in leading and not column.endswith("_by_id"):
                missing.append(f"{table.name}.{column}")
    assert missing == []
