"""Every role's pages on a phone (375 pixels wide): nothing scrolls sideways, a table shows each
row as a card yet is still read out as a table, and axe finds no violation at that width."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from dps_portal.core.roles import Role
from dps_portal.demo.seed import DEMO_LOGINS, DEMO_PASSWORD
from tests.e2e.harness import (
    NARROW_SCREEN,
    SCREENSHOTS,
    assert_fits_narrow_screen,
    assert_no_browser_errors,
    check_accessibility,
    save_screenshot,
    sign_in_as,
)

pytestmark = pytest.mark.e2e

# One login a council role, and every provider: each provider is at a different stage (a draft,
# waiting for a decision, rejected, admitted).
LOGINS = [
    login
    for number, login in enumerate(DEMO_LOGINS)
    if login.role is Role.provider
    or login.role not in {earlier.role for earlier in DEMO_LOGINS[:number]}
]
PUBLIC_PAGES = ["/account/sign-in", "/account/register", "/accessibility"]
# Detail pages a role reaches from the tables on its navigation's pages.
DETAIL_PAGES_A_ROLE = 6


@pytest.fixture
def phone(page):
    page.set_viewport_size(NARROW_SCREEN)
    return page


def _check_on_a_phone(page, path: str, name: str) -> None:
    response = page.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    assert page.viewport_size == NARROW_SCREEN
    save_screenshot(page, f"{name}-{path}", SCREENSHOTS / "narrow")
    assert_no_browser_errors(page)
    # axe runs at the phone's width here: the stacked tables and the collapsed menu are what
    # it sees.
    check_accessibility(page)


def _navigation(page) -> list[str]:
    """The service navigation's pages, then the header's account links (notifications, the
    provider's organisation) that are not in it."""
    return page.locator(".govuk-service-navigation__list a, .dps-header__account a").evaluate_all(
        "links => [...new Set(links.map((link) => link.getAttribute('href')))]"
    )


def _first_links_in_tables(page) -> list[str]:
    """The first link of each table's first row: a detail page (a visit, a tender, a home)."""
    return page.locator("table.govuk-table").evaluate_all(
        """tables => tables
             .map((table) => table.tBodies[0]?.querySelector("a[href]")?.getAttribute("href"))
             .filter((href) => href && !href.startsWith("#"))"""
    )


def _is_a_page(page, path: str) -> bool:
    """True for an HTML page; a PDF or CSV link would start a download instead."""
    response = page.request.head(path)
    return response.ok and response.headers.get("content-type", "").startswith("text/html")


def test_public_pages_fit_a_phone(phone):
    for path in PUBLIC_PAGES:
        _check_on_a_phone(phone, path, "public")


@pytest.mark.parametrize("login", LOGINS, ids=lambda login: login.email.partition("@")[0])
def test_each_roles_pages_fit_a_phone(phone, login):
    sign_in_as(phone, login.email, login.password)
    name = login.email.partition("@")[0]
    navigation = _navigation(phone)
    assert len(navigation) >= 4, navigation

    details: list[str] = []
    for path in navigation:
        _check_on_a_phone(phone, path, name)
        for href in _first_links_in_tables(phone):
            detail = urlsplit(href)._replace(scheme="", netloc="").geturl()
            if detail not in navigation and detail not in details:
                details.append(detail)

    visited = 0
    for path in details:
        if visited == DETAIL_PAGES_A_ROLE:
            break
        if _is_a_page(phone, path):
            _check_on_a_phone(phone, path, name)
            visited += 1


def test_a_table_on_a_phone_is_a_card_a_row_and_still_a_table(phone):
    sign_in_as(phone, "officer@council.example", DEMO_PASSWORD)
    phone.goto("/placements/register")

    table = phone.locator("table#placement-register")
    first_row = table.locator("tbody tr").first
    # Each cell stands under the last, labelled with its column's header.
    start = first_row.locator('td[data-label="Start"]')
    expect(start).to_have_count(1)
    assert start.evaluate("cell => getComputedStyle(cell).display") == "block"
    label = start.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert "Start" in label, label
    headers_shown = table.locator("thead").evaluate("head => head.getBoundingClientRect().height")
    assert headers_shown <= 1
    # A screen reader still hears a table: its headers, rows and cells.
    expect(phone.get_by_role("table", name="placement")).to_have_count(1)
    expect(table.get_by_role("columnheader", name="Start")).to_have_count(1)
    rows = table.locator("tbody").get_by_role("row")
    expect(rows.first.get_by_role("cell")).to_have_count(7)
    # The label is for the eye: the cell's name is its value, not "Start 1 December 2026".
    expect(start).to_have_role("cell")
    expect(start).to_have_accessible_name(start.inner_text().removeprefix("Start").strip())

    phone.set_viewport_size({"width": 1280, "height": 800})
    assert start.evaluate("cell => getComputedStyle(cell).display") == "table-cell"
    assert start.evaluate("cell => getComputedStyle(cell, '::before').content") == "none"


def test_the_check_names_what_sticks_out_and_gives_the_page_back_its_size(page):
    page.goto("/account/sign-in")
    assert_fits_narrow_screen(page)
    size = page.viewport_size
    # Preformatted text does not wrap: a line of it wider than the screen sticks out.
    page.evaluate(
        """document.querySelector("main").insertAdjacentHTML(
             "beforeend", '<pre id="too-wide-for-test">' + "x".repeat(120) + "</pre>")"""
    )

    with pytest.raises(AssertionError) as failure:
        assert_fits_narrow_screen(page)

    message = str(failure.value)
    assert "scrolls sideways" in message
    assert "pre#too-wide-for-test" in message
    assert page.viewport_size == size


SORTABLE_TABLE = """
<table class="govuk-table" id="sortable-for-test">
  <caption class="govuk-table__caption">Homes</caption>
  <thead class="govuk-table__head"><tr class="govuk-table__row">
    <th scope="col" class="govuk-table__header">
      <a class="govuk-link" href="?sort=name">Name</a></th>
    <th scope="col" class="govuk-table__header">
      <a class="govuk-link" href="?sort=town">Town</a></th>
    <th scope="col" class="govuk-table__header">Email</th>
    <th scope="col" class="govuk-table__header">Note</th>
  </tr></thead>
  <tbody class="govuk-table__body"><tr class="govuk-table__row">
    <td class="govuk-table__cell">Ashgate Lodge</td>
    <td class="govuk-table__cell">Chesterfield</td>
    <td class="govuk-table__cell">
      registered.manager.of.ashgate.lodge@peakland-care-homes.example</td>
    <td class="govuk-table__cell" id="blank-for-test"> </td>
  </tr></tbody>
</table>
"""


def test_a_tables_sorting_links_stay_in_sight_a_long_address_wraps_a_blank_has_no_label(phone):
    def add_table(route):
        response = route.fetch()
        body = response.text().replace("</main>", SORTABLE_TABLE + "</main>")
        route.fulfill(response=response, body=body)

    phone.route("**/accessibility", add_table)
    phone.goto("/accessibility")

    table = phone.locator("#sortable-for-test")
    expect(table).to_have_class(re.compile(r"\bdps-table--stacks\b"))
    expect(table.get_by_role("link", name="Town")).to_be_visible()
    expect(table.get_by_role("cell", name="Chesterfield")).to_have_attribute("data-label", "Town")
    # A blank cell shows no "Note" label over nothing.
    blank = table.locator("#blank-for-test")
    expect(blank).to_have_class(re.compile(r"\bdps-table__cell--blank\b"))
    expect(blank).not_to_have_attribute("data-label", re.compile(".*"))
    assert_fits_narrow_screen(phone)
    assert_no_browser_errors(phone)
    check_accessibility(phone)
