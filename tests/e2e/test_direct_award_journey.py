"""An emergency direct award in a real browser (issue 12's journey): an officer searches;
only eligible homes with a fresh matching vacancy appear, at their pre-agreed rate; the
officer offers the cheapest (a price slipped into the form is ignored); Peakland accepts;
the placement exists, the vacancy fell by one, and the fairness register shows the award
with its snapshot."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from dps_portal.core import clock
from dps_portal.demo.seed import DEMO_PASSWORD
from tests.e2e.harness import (
    assert_no_browser_errors,
    check_accessibility,
    save_screenshot,
    sign_in_as,
)

pytestmark = pytest.mark.e2e

OFFICER = "officer@council.example"
PEAKLAND = "helen@peakland.example"
REFERENCE = "MH-2027-DA1"


def _checked(page: Page, screenshot: str = "") -> None:
    assert_no_browser_errors(page)
    check_accessibility(page)
    if screenshot:
        save_screenshot(page, f"direct-award-{screenshot}")


def _as(page: Page, email: str) -> None:
    page.context.clear_cookies()
    sign_in_as(page, email, DEMO_PASSWORD)


def _facts(live_server) -> dict:
    """The demo's Ashgate Lodge: its MH vacancy, setting and rate today."""
    from dps_portal.extensions import db
    from dps_portal.framework.models import Category
    from dps_portal.providers.models import CareHome
    from dps_portal.rates.queries import rate_on
    from dps_portal.vacancies.models import Vacancy

    with live_server.app.app_context():
        home = db.session.scalars(select(CareHome).where(CareHome.name == "Ashgate Lodge")).one()
        mh = db.session.scalars(select(Category).where(Category.code == "MH")).one()
        vacancy = db.session.scalars(
            select(Vacancy).where(Vacancy.care_home_id == home.id, Vacancy.category_id == mh.id)
        ).one()
        return {
            "category_id": mh.id,
            "setting_id": vacancy.setting_id,
            "vacancy_id": vacancy.id,
            "beds_free": vacancy.beds_free,
            "rate": rate_on(home.id, mh.id, vacancy.setting_id, clock.today_uk()),
        }


def _award_rows(live_server):
    from dps_portal.awards.models import DirectAward
    from dps_portal.extensions import db
    from dps_portal.placements.models import Placement
    from dps_portal.vacancies.models import Vacancy

    with live_server.app.app_context():
        award = db.session.scalars(
            select(DirectAward).where(DirectAward.person_reference == REFERENCE)
        ).one()
        placement = db.session.scalars(
            select(Placement).where(Placement.direct_award_id == award.id)
        ).one_or_none()
        offers = [(offer.weekly_rate, offer.state.name) for offer in award.offers]
        beds = {vacancy.id: vacancy.beds_free for vacancy in db.session.scalars(select(Vacancy))}
        return award.id, award.reference, award.state.name, offers, placement, beds


def test_an_emergency_direct_award_from_search_to_placement(page: Page, live_server):
    facts = _facts(live_server)
    assert facts["beds_free"] >= 1 and facts["rate"] is not None
    rate_text = f"£{facts['rate']:,.2f}"

    # The officer searches: an emergency, Mental Health, Ashgate Lodge's setting, today.
    _as(page, OFFICER)
    page.goto("/direct-awards/new")
    _checked(page, "1-start")
    page.get_by_label("Emergency placement").check()
    page.get_by_label("Person reference").fill(REFERENCE)
    page.get_by_label("Summary of needs").fill("Carer admitted to hospital tonight.")
    page.locator(f'input[name="category"][value="{facts["category_id"]}"]').check()
    page.locator(f'input[name="setting"][value="{facts["setting_id"]}"]').check()
    today = clock.today_uk()
    boxes = page.locator('input[name="start_on"]')
    for index, value in enumerate((today.day, today.month, today.year)):
        boxes.nth(index).fill(str(value))
    page.get_by_label("Council", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Search and keep the list").click()

    # Only the eligible home with a fresh matching vacancy, at its pre-agreed rate: Kinder
    # Rise's vacancy is stale, Larchwood's is for another category.
    listings = page.locator("#listings")
    expect(listings).to_contain_text("Ashgate Lodge")
    expect(listings).to_contain_text(rate_text)
    expect(listings).not_to_contain_text("Kinder Rise")
    expect(listings).not_to_contain_text("Larchwood")
    _checked(page, "2-list")

    # The officer offers it; a price slipped into the form is ignored.
    with page.expect_navigation():
        page.get_by_role("link", name="Offer to Ashgate Lodge").click()
    expect(page.locator("body")).to_contain_text(rate_text)
    expect(page.locator('input[name="weekly_rate"]')).to_have_count(0)
    _checked(page, "3-offer")
    page.get_by_label("Lowest rate").check()
    page.evaluate(
        """() => {
            const field = document.createElement("input");
            field.type = "hidden";
            field.name = "weekly_rate";
            field.value = "1.00";
            document.querySelector("main form").appendChild(field);
        }"""
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Offer the placement").click()
    expect(page.locator("body")).to_contain_text("Offered to Ashgate Lodge")
    expect(page.locator("#waiting-offer")).to_contain_text(rate_text)
    _award_id, reference, _state, offers, _placement, _beds = _award_rows(live_server)
    assert offers == [(facts["rate"], "offered")]

    # Peakland accepts in the portal.
    _as(page, PEAKLAND)
    page.goto("/offers")
    _checked(page, "4-offers")
    with page.expect_navigation():
        page.get_by_role("link", name=reference).click()
    expect(page.locator("body")).to_contain_text(rate_text)
    _checked(page, "5-offer")
    with page.expect_navigation():
        page.get_by_role("button", name="Accept the placement").click()
    expect(page.locator("body")).to_contain_text("You accepted")
    _checked(page, "6-placement")

    award_id, reference, state, offers, placement, beds = _award_rows(live_server)
    assert state == "placed" and offers == [(facts["rate"], "accepted")]
    assert placement is not None and placement.weekly_cost == facts["rate"]
    assert beds[facts["vacancy_id"]] == facts["beds_free"] - 1

    # The fairness register shows the award, and its snapshot.
    _as(page, OFFICER)
    page.goto("/direct-awards/register")
    register = page.locator("#register")
    expect(register).to_contain_text(reference)
    expect(register).to_contain_text("Ashgate Lodge")
    expect(register).to_contain_text("Lowest rate")
    _checked(page, "7-register")
    with page.expect_navigation():
        page.locator(f'#register a[href="/direct-awards/{award_id}"]').click()
    expect(page.locator("#listings")).to_contain_text("Ashgate Lodge")
    expect(page.locator("#placement")).to_contain_text(placement.reference)
