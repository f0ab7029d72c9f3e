"""The live server the browser tests talk to (no browser needed here)."""

import urllib.error
import urllib.request

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from tests.e2e.live_server import start_live_server


def test_a_view_that_raises_is_recorded_as_a_server_error():
    app = Flask(__name__)

    @app.route("/broken")
    def broken():
        raise RuntimeError("deliberately broken")

    server = start_live_server(app)
    try:
        with pytest.raises(urllib.error.HTTPError) as response:
            urllib.request.urlopen(f"{server.url}/broken", timeout=5)
        response.value.close()
    finally:
        server.stop()

    assert response.value.code == 500
    assert [str(error) for error in server.errors] == ["deliberately broken"]


def test_the_live_server_has_a_database_of_its_own(live_server, database_url):
    """The other tests empty their database after each test; the demo data must survive that."""
    live = make_url(live_server.app.config["SQLALCHEMY_DATABASE_URI"])

    assert live.database != make_url(database_url).database
    assert live_server.app.config["WTF_CSRF_ENABLED"] is True
