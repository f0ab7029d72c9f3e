"""The provider and quality monitor demo accounts' home pages in a real browser: each shows
exactly the demo's pending work for that account (counted here from the database, not with
the page's queries), each line's link leads to a list of exactly those rows, and axe finds
nothing to fix."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.demo.seed import DEMO_PASSWORD
from dps_portal.extensions import db
from tests.e2e.harness import (
    assert_no_browser_errors,
    check_accessibility,
    save_screenshot,
    sign_in_as,
)
from tests.main.work_helpers import (
    MONITOR_LIST_ROWS,
    PROVIDER_LIST_ROWS,
    expected_monitor_work,
    expected_provider_lines,
    expected_provider_work,
    ids_in,
    line_count,
    text_of,
    work_lines,
)

pytestmark = pytest.mark.e2e

# Admitted with work of several kinds, admitted with a suspended home, admitted with an offer
# waiting, waiting for a decision, rejected, and a draft not yet sent.
PROVIDERS = [
    "helen@peakland.example",
    "amara@juniper.example",
    "dan@larchwood.example",
    "tom@highmoor.example",
    "ravi@moorland.example",
    "grace@trentside.example",
]
MONITOR = "monitor@council.example"


def _user(live_server, email: str) -> tuple[int, int | None]:
    with live_server.app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        return user.id, user.provider_id


def _expected_provider(live_server, provider_id: int) -> tuple[dict, dict]:
    with live_server.app.app_context():
        try:
            return expected_provider_work(provider_id), expected_provider_lines(provider_id)
        finally:
            db.session.remove()


def _checked(page, name: str) -> None:
    save_screenshot(page, name)
    assert_no_browser_errors(page)
    check_accessibility(page)


@pytest.mark.parametrize("email", PROVIDERS, ids=lambda email: email.partition("@")[0])
def test_a_providers_home_shows_its_pending_work_and_leads_to_it(page, live_server, email):
    _user_id, provider_id = _user(live_server, email)
    rows, expected = _expected_provider(live_server, provider_id)
    sign_in_as(page, email, DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/provider")
    name = email.partition("@")[0]
    _checked(page, f"home-work-{name}")
    html = page.content()
    lines = work_lines(html)

    assert {key: line_count(html, key) for key in lines} == expected
    if not lines:
        assert "Nothing needs you today." in html or "Before you apply" in html
    for key, (_text, href) in lines.items():
        if key in PROVIDER_LIST_ROWS:
            pattern, within = PROVIDER_LIST_ROWS[key]
            with page.expect_navigation():
                page.locator(f'[data-work="{key}"]').get_by_role("link").click()
            expect(page).to_have_url(f"{live_server.url}{href}")
            listed = page.content()
            assert ids_in(listed, pattern, within=within) == sorted(rows[key]), key
            with page.expect_navigation():
                page.go_back()
        elif key == "vacancies":
            table = html.split('id="own-vacancies"')[1].split("</table>")[0]
            assert table.count("Stale: not offered") == expected[key]
        elif key == "homes":
            table = html.split('id="home-eligibility"')[1].split("</table>")[0]
            blocked = [row for row in table.split("<tr")[2:] if "Not eligible" in row]
            assert len(blocked) == expected[key]
        elif key == "terms":
            assert href == "/contract"
        else:  # an application's line leads to that application
            assert href.startswith("/applications/"), (key, href)
            page.goto(href)
            expect(page.locator("h1")).to_be_visible()
            assert page.url.endswith(href)
            with page.expect_navigation():
                page.go_back()
    assert_no_browser_errors(page)


def test_the_draft_provider_keeps_its_checklist_and_is_asked_to_finish(page, live_server):
    sign_in_as(page, "grace@trentside.example", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Before you apply")).to_be_visible()
    draft = page.locator('[data-work="draft"]')
    expect(draft).to_contain_text("Continue your draft application")
    draft.get_by_role("link").click()
    expect(page.locator("h1")).to_be_visible()
    assert "/applications/" in page.url
    assert_no_browser_errors(page)


def test_the_monitors_home_shows_the_county_work_and_leads_to_it(page, live_server):
    user_id, _provider = _user(live_server, MONITOR)
    with live_server.app.app_context():
        try:
            me = db.session.get(User, user_id)
            rows = expected_monitor_work(me)
        finally:
            db.session.remove()
    sign_in_as(page, MONITOR, DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/quality")
    _checked(page, "home-work-monitor")
    html = page.content()
    lines = work_lines(html)

    assert set(lines) == {key for key, ids in rows.items() if ids}
    for key, (text, href) in lines.items():
        assert line_count(html, key) == len(rows[key]), key
        with page.expect_navigation():
            page.locator(f'[data-work="{key}"]').get_by_role("link").click()
        expect(page).to_have_url(f"{live_server.url}{href}")
        assert MONITOR_LIST_ROWS[key](page.content()) == sorted(rows[key]), (key, text)
        _checked(page, f"home-work-monitor-{key}")
        with page.expect_navigation():
            page.go_back()


def test_an_announced_visit_is_told_with_its_date_and_time(page, live_server):
    sign_in_as(page, "helen@peakland.example", DEMO_PASSWORD)
    visits = page.locator('[data-work="visits"]')
    expect(visits.get_by_role("link")).to_contain_text("Quality visits announced: ")
    hint = text_of(visits.inner_html())
    assert re.search(r"The next is to Brook House on \d+ \w+ \d{4} at 10:30am\.", hint), hint
    assert_no_browser_errors(page)
