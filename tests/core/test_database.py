"""Lending pooled connections: one that rested is asked whether the server is still there, and
a busy one is lent again without a round trip (core/database.py)."""

import psycopg
import pytest
from sqlalchemy import text

from dps_portal.core import database


def test_a_connection_lent_again_at_once_is_not_pinged(app, db, monkeypatch):
    db.session.execute(text("SELECT 1"))
    db.session.commit()
    db.session.close()
    pinged = []
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda connection: pinged.append(1))
    db.session.execute(text("SELECT 1"))
    assert pinged == []


def test_a_connection_that_rested_is_pinged_first(app, db, monkeypatch):
    db.session.execute(text("SELECT 1"))
    db.session.commit()
    db.session.close()
    pinged = []
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda connection: pinged.append(1))
    later = database.time.monotonic() + database.PING_AFTER_REST + 1
    monkeypatch.setattr(database.time, "monotonic", lambda: later)
    db.session.execute(text("SELECT 1"))
    assert pinged == [1]


def test_a_connection_the_server_closed_while_it_rested_is_replaced(app, db, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's connections are files: no server closes them")
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    db.session.commit()
    db.session.close()
    # The server ends the pooled connection while it rests (as a restart would).
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    later = database.time.monotonic() + database.PING_AFTER_REST + 1
    monkeypatch.setattr(database.time, "monotonic", lambda: later)
    assert db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
