"""The portal served over real HTTP from a background thread, for the browser to talk to."""

import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from flask import Flask, got_request_exception
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietRequestHandler(WSGIRequestHandler):
    """Logs errors but not one line per request: a browser test makes hundreds."""

    def log_request(self, code="-", size="-") -> None:
        pass


@dataclass
class LiveServer:
    app: Flask
    url: str
    # Exceptions raised by views while serving, so a test cannot pass over a 500.
    errors: list[BaseException] = field(default_factory=list)
    _server: BaseWSGIServer | None = None
    _thread: threading.Thread | None = None

    def _record_error(self, _sender, exception: BaseException, **_extra) -> None:
        self.errors.append(exception)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)


def start_live_server(app: Flask) -> LiveServer:
    """Serve `app` on 127.0.0.1 on a free port, one thread per request."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
    live = LiveServer(app=app, url=f"http://127.0.0.1:{server.port}", _server=server)
    got_request_exception.connect(live._record_error, app, weak=False)
    live._thread = threading.Thread(
        target=server.serve_forever, name="e2e-live-server", daemon=True
    )
    live._thread.start()
    return live


def create_live_database(directory) -> tuple[str, Callable[[], None] | None]:
    """A database of its own for the live server: the other tests empty theirs after each test.

    Returns the URL and a function that drops the database (None for SQLite, whose file
    goes with the temporary directory).
    """
    if os.environ.get("DPS_TEST_DB", "sqlite") != "postgres":
        return f"sqlite:///{directory / 'live.sqlite'}", None
    server = os.environ.get("DPS_TEST_POSTGRES_URL")
    if not server:
        raise RuntimeError("DPS_TEST_DB=postgres needs DPS_TEST_POSTGRES_URL")
    admin_url = server.replace("postgresql+psycopg://", "postgresql://")
    name = f"dps_e2e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin_url.rpartition("/")

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop
