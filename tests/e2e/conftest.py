"""Browser tests: the portal on a live server with the demo data, driven by headless Chromium.

One server and one browser serve the whole session; each test gets a new browser context,
so cookies never pass from one test to the next. The live server's database is its own and
is not emptied between tests: a test that adds data must not depend on what others added.
"""

import os
import traceback
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from dps_portal import create_app
from dps_portal.extensions import db
from tests.e2e.harness import (
    AXE_SOURCE,
    FAILURE_SCREENSHOTS,
    ROOT,
    save_screenshot,
    watch_context,
    watch_page,
)
from tests.e2e.live_server import create_live_database, start_live_server

CHROMIUM = Path(os.environ.get("DPS_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium calls out to Google, which this closed
# network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STYLESHEET = ROOT / "static" / "build" / "portal.css"
IN_CI = os.environ.get("CI") is not None

_REPORTS = pytest.StashKey[dict]()


def _require(present: bool, what_is_missing: str, how_to_fix: str) -> None:
    """In CI a missing prerequisite fails every browser test; elsewhere it skips them."""
    if present:
        return
    if IN_CI:
        pytest.fail(f"{what_is_missing}: browser tests must run in CI. {how_to_fix}", pytrace=False)
    pytest.skip(f"{what_is_missing}. {how_to_fix}")


@pytest.fixture(scope="session")
def browser():
    _require(
        CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK),
        f"Chromium is not installed at {CHROMIUM}",
        "Install it with `apt-get install chromium` (or point DPS_CHROMIUM at a Chromium);"
        " do not run `playwright install`.",
    )
    _require(
        AXE_SOURCE.is_file(),
        f"axe-core is not installed at {AXE_SOURCE}",
        "Run scripts/setup (it runs `npm ci`).",
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The portal on http://127.0.0.1:<free port>, CSRF on, seeded with the demo data."""
    _require(
        STYLESHEET.is_file(),
        f"The stylesheet {STYLESHEET} is not built",
        "Run scripts/setup.",
    )
    directory = tmp_path_factory.mktemp("e2e")
    url, drop_database = create_live_database(directory)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "DOCUMENT_STORE": str(directory / "documents"),
            "WTF_CSRF_ENABLED": True,
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        db.create_all()
        _seed_demo()
        db.session.commit()
        db.session.remove()
    server = start_live_server(app)
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()
    if drop_database is not None:
        drop_database()


def _seed_demo() -> None:
    from dps_portal.demo.seed import seed_demo

    seed_demo()


@pytest.fixture
def page(browser, live_server, request):
    """A page in a new browser context on the live server; relative URLs go to the portal.

    Console messages, uncaught errors and CSP violations are recorded for
    harness.assert_no_browser_errors; a server-side exception fails the test.
    """
    if request.node.get_closest_marker("e2e") is None:
        pytest.fail("mark browser tests with @pytest.mark.e2e", pytrace=False)
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(10_000)
    watch_context(context)
    page = context.new_page()
    watch_page(page)
    errors_before = len(live_server.errors)
    yield page
    call = request.node.stash.get(_REPORTS, {}).get("call")
    if call is not None and call.failed and not page.is_closed():
        try:
            save_screenshot(page, request.node.nodeid, FAILURE_SCREENSHOTS)
        except PlaywrightError as error:
            print(f"Could not save a screenshot of the failure: {error}")
    context.close()
    server_errors = live_server.errors[errors_before:]
    if server_errors:
        pytest.fail(
            "The live server raised while serving this test:\n"
            + "\n".join("".join(traceback.format_exception(error)) for error in server_errors),
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so `page` can tell that the test failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report
