"""How the portal talks to SQLite, the embedded database, so that its guards hold as they do on
PostgreSQL.

PostgreSQL locks the rows a change reads (`core/states.lock`: SELECT … FOR UPDATE). SQLite has
no row locks but one write lock for the whole database, and Python's sqlite3 driver takes it
only at a transaction's first write: two requests could both read "submitted" and both then
write "decided". So a request that may change something (any method but GET, HEAD and OPTIONS)
begins its transaction with `BEGIN IMMEDIATE`: it holds the write lock before it reads
anything, two such requests run one after the other, and the second reads what the first
wrote. Pages that only read keep the driver's way (reads outside a transaction, never waiting
for a writer), and so do jobs and commands, which the one scheduler process runs one at a time.
"""

import sqlite3
import time

from flask import Flask, has_request_context, request
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine

from dps_portal.extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# A pooled connection unused for longer than this is asked whether the database is still
# there before it is lent again; a busy worker's connection, lent again within milliseconds,
# is not (SQLAlchemy's pool_pre_ping would ask before every request: a round trip each).
PING_AFTER_REST = 5.0  # seconds


def init_app(app: Flask) -> None:
    """Ping the database before lending a connection that has rested (PING_AFTER_REST): one
    the server closed while it rested (a restart, a network timeout) is replaced, not given to
    a request to fail on."""
    with app.app_context():
        for engine in db.engines.values():
            _ping_after_rest(engine)


def _ping_after_rest(engine: Engine) -> None:
    def note_time(_dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    def ping_if_rested(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("returned_at", 0.0) <= PING_AFTER_REST:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and lends another (a new one if need be).
            raise exc.DisconnectionError() from error

    event.listen(engine, "connect", note_time)
    event.listen(engine, "checkin", note_time)
    event.listen(engine, "checkout", ping_if_rested)


def request_may_write() -> bool:
    return has_request_context() and request.method not in READ_ONLY_METHODS


@event.listens_for(Engine, "connect")
def _sqlite_connection(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, and wait for the write lock rather than fail at once."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    # Sent on the driver's connection: the BEGIN is the transaction's, not one of the page's
    # statements (core/statements.py counts those; PostgreSQL's driver sends its BEGIN unseen).
    if connection.dialect.name == "sqlite" and request_may_write():
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE")
