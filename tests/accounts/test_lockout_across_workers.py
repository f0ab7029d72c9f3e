"""Ten wrong passwords lock the account even when two gunicorn workers share the attempts."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.factories import DEFAULT_PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]
REFUSAL = re.compile(r"Enter a correct email address and password[^<]*")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, database_url: str, document_store: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DPS_CONFIG": "development",
            "DATABASE_URL": database_url,
            "DPS_SCHEDULER": "off",
            "DPS_DOCUMENT_STORE": str(document_store),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "-",
                "--access-logformat",
                "worker=%(p)s %(m)s %(U)s %(s)s",
                "dps_portal.wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2).close()
                return
            except OSError:
                time.sleep(0.2)
        self.process.kill()
        pytest.fail("gunicorn did not start:\n" + self.process.communicate()[0])

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        return self.process.communicate(timeout=30)[0]


@pytest.fixture
def gunicorn(database_url, tmp_path):
    server = Gunicorn(database_url, tmp_path)
    server.wait_until_up()
    yield server
    if server.process.poll() is None:
        server.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def attempt_sign_in(base: str, email: str, password: str) -> tuple[int, str]:
    """Like a browser: fetch the form (cookie and CSRF token), then post it, on new connections."""
    opener = urllib.request.build_opener(
        _NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(base + "/account/sign-in").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    request = urllib.request.Request(base + "/account/sign-in", data=body.encode(), method="POST")
    try:
        with opener.open(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.slow
def test_ten_failures_lock_the_account_across_two_workers(gunicorn, db):
    email = make_user().email
    db.session.commit()
    # Two at a time: while one worker checks a password the other must take the next request.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(lambda _: attempt_sign_in(gunicorn.base, email, "a wrong password"), range(10))
        )
    assert all(status == 200 and REFUSAL.search(body) for status, body in results)

    status, locked = attempt_sign_in(gunicorn.base, email, DEFAULT_PASSWORD)
    assert status == 200, "the right password must be refused while the account is locked"
    _, unknown = attempt_sign_in(gunicorn.base, "nobody@example.org", "a wrong password")
    assert REFUSAL.search(locked).group(0) == REFUSAL.search(unknown).group(0)

    log = gunicorn.stop()
    workers = set(re.findall(r"worker=<(\d+)> POST /account/sign-in", log))
    assert len(workers) == 2, f"the attempts did not reach both workers:\n{log}"
