"""Fixtures every test shares: a real database (SQLite or PostgreSQL), the app, a client."""

import contextvars
import os
import uuid
from pathlib import Path

import psycopg
import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import delete

from dps_portal import create_app
from dps_portal.core import clock
from dps_portal.extensions import db as _db

ROOT = Path(__file__).resolve().parent.parent


def _postgres_server_url() -> str | None:
    if os.environ.get("DPS_TEST_DB", "sqlite") != "postgres":
        return None
    url = os.environ.get("DPS_TEST_POSTGRES_URL")
    if not url:
        raise pytest.UsageError("DPS_TEST_DB=postgres needs DPS_TEST_POSTGRES_URL")
    return url


def pytest_report_header(config):
    return f"database: {os.environ.get('DPS_TEST_DB', 'sqlite')}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A new, empty database for this test session, migrated to head; dropped at the end."""
    server = _postgres_server_url()
    if server is None:
        path = tmp_path_factory.mktemp("db") / "test.sqlite"
        url = f"sqlite:///{path}"
        drop = None
    else:
        name = f"dps_test_{uuid.uuid4().hex[:12]}"
        admin_url = server.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        base, _, _ = admin_url.rpartition("/")
        url = f"{base}/{name}"

        def drop():
            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        # The models make the schema here; tests/test_migrations.py proves the migrations agree.
        _db.create_all()
        _db.engine.dispose()
    yield url
    if drop is not None:
        drop()


def _empty_all_tables() -> None:
    for table in reversed(_db.metadata.sorted_tables):
        _db.session.execute(delete(table))
    _db.session.commit()


@pytest.fixture
def app_config():
    """Override to change the app's configuration for one test module or test."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_config, request):
    marker = request.node.get_closest_marker("app_config")
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DOCUMENT_STORE": str(tmp_path / "documents"),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
    }
    settings.update(app_config)
    if marker is not None:
        settings.update(marker.kwargs)
    app = create_app(settings)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        _db.session.rollback()
        _empty_all_tables()
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, with its own app context, `g` and database
    session, as in production; the test's own session then reads the database afresh."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            _db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def frozen_clock():
    from datetime import UTC, datetime

    with clock.frozen(datetime(2026, 3, 3, 10, 0, tzinfo=UTC)) as frozen:
        yield frozen


def sign_in(client, user) -> None:
    """Sign `user` in on `client` without going through the form."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def framework(db):
    from tests.factories import make_framework

    framework = make_framework()
    db.session.commit()
    return framework
