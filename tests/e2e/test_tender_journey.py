"""A mini-tender from request to award in a real browser (issue 11's journey): an officer drafts
and publishes; Peakland bids and edits its bid; Juniper bids, withdraws and bids again;
Larchwood declines; the clock passes the deadline; two officers score blind, one moderates,
records the person's choice and recommends; a second officer approves; the award is confirmed;
the winner and the unsuccessful bidder each read their own outcome and no one else's."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

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
OFFICER_2 = "officer2@council.example"
PEAKLAND = "helen@peakland.example"
JUNIPER = "amara@juniper.example"
LARCHWOOD = "dan@larchwood.example"
REFERENCE = "MH-2027-777"


def _checked(page: Page, screenshot: str = "") -> None:
    assert_no_browser_errors(page)
    check_accessibility(page)
    if screenshot:
        save_screenshot(page, f"tender-{screenshot}")


def _date(page: Page, name: str, day) -> None:
    boxes = page.locator(f'input[name="{name}"]')
    for index, value in enumerate((day.day, day.month, day.year)):
        boxes.nth(index).fill(str(value))


def _as(page: Page, email: str) -> None:
    page.context.clear_cookies()
    sign_in_as(page, email, DEMO_PASSWORD)


@pytest.fixture
def shifted_clock():
    """The portal's clock, moved forward on demand (the live server shares the process)."""
    offset = {"by": timedelta(0)}

    def now() -> datetime:
        return datetime.now(UTC) + offset["by"]

    clock.set_source(now)
    try:
        yield offset
    finally:
        clock.set_source(None)


def _draft_and_publish(page: Page) -> str:
    """The officer's part before the deadline; answers the tender page's path."""
    _as(page, OFFICER)
    page.goto("/tenders/new")
    page.get_by_label("Person reference").fill(REFERENCE)
    page.get_by_label("Age", exact=True).fill("29")
    page.get_by_label("Mental Health", exact=True).check()
    page.get_by_label("Residential (personal care)").check()
    page.get_by_label("Summary of needs").fill(
        "Leaving hospital after a long admission; needs a settled routine and prompting."
    )
    page.get_by_label("One-to-one hours a week (optional)").fill("6")
    _date(page, "required_start_on", clock.today_uk() + timedelta(days=21))
    page.get_by_label("Section 117 aftercare").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()
    _checked(page, "1-criteria")
    # The criteria page: the defaults (40/60, 2 evaluators, no standstill) are kept.
    with page.expect_navigation():
        page.get_by_role("button", name="Save criteria").click()
    expect(page.locator("h1")).to_contain_text("MT-")
    _checked(page, "2-preview")
    path = page.url.split("127.0.0.1", 1)[1].split("/", 1)[1]
    with page.expect_navigation():
        page.get_by_role("button", name="Publish and invite providers").click()
    expect(page.locator("body")).to_contain_text("Invited")
    return "/" + path.split("?")[0]


def _bid(page: Page, tender_id: int, fee: str, answer: str) -> None:
    page.goto(f"/opportunities/{tender_id}/bid")
    page.locator('input[name="care_home"]').first.check()
    page.get_by_label("Weekly core fee").fill(fee)
    page.get_by_label("Extra one-to-one hours a week (optional)").fill("6")
    page.get_by_label("Hourly rate for the extra hours (optional)").fill("22.00")
    _date(page, "available_from", clock.today_uk() + timedelta(days=21))
    for box in page.locator("textarea").all():
        box.fill(answer)
    page.locator('input[name="declaration"]').check()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit bid").click()
    expect(page.locator("body")).to_contain_text("SHA-256")


def test_a_tender_from_request_to_award(page: Page, live_server, shifted_clock):
    tender_path = _draft_and_publish(page)
    tender_id = int(tender_path.rstrip("/").split("/")[-1])

    # Peakland bids, then edits its bid: the second version counts.
    _as(page, PEAKLAND)
    page.goto(f"/opportunities/{tender_id}")
    _checked(page, "3-opportunity")
    _bid(page, tender_id, "1,450.00", "A keyworker named before the move and a weekly review.")
    _checked(page, "4-receipt")
    _bid(page, tender_id, "1,420.00", "A keyworker named before the move and a weekly review.")
    page.goto(f"/opportunities/{tender_id}")
    expect(page.locator("#own-bid")).to_contain_text("£1,420.00")

    # Juniper bids, withdraws, and bids again.
    _as(page, JUNIPER)
    _bid(
        page, tender_id, "1,380.00", "Our team has supported people with s117 aftercare for years."
    )
    page.goto(f"/opportunities/{tender_id}")
    with page.expect_navigation():
        page.get_by_role("button", name="Withdraw the bid").click()
    expect(page.locator("body")).to_contain_text("withdrew")
    _bid(
        page, tender_id, "1,395.00", "Our team has supported people with s117 aftercare for years."
    )

    # Larchwood declines, with a reason.
    _as(page, LARCHWOOD)
    page.goto(f"/opportunities/{tender_id}/decline")
    page.get_by_label("No vacancy").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Decline the tender").click()
    _checked(page)

    # Before the deadline the officer sees counts only.
    _as(page, OFFICER)
    page.goto(tender_path)
    expect(page.locator("#response-counts")).to_contain_text("Bids submitted")
    expect(page.locator("body")).not_to_contain_text("£1,420.00")
    expect(page.locator("body")).not_to_contain_text("£1,395.00")

    # The clock passes the deadline.
    shifted_clock["by"] = timedelta(days=5)
    _evaluate_and_award(page, live_server, tender_path, tender_id)


def _labels(live_server, tender_id: int) -> dict[str, int]:
    """{provider's demo email: its bid's evaluation id}, read from the database, for the
    test to know who is who behind the blind labels."""
    from sqlalchemy import select

    from dps_portal.accounts.models import User
    from dps_portal.extensions import db
    from dps_portal.tenders.models import BidEvaluation

    with live_server.app.app_context():
        rows = db.session.scalars(
            select(BidEvaluation).where(BidEvaluation.tender_id == tender_id)
        ).all()
        owners = {
            user.provider_id: user.email
            for user in db.session.scalars(select(User).where(User.email.in_([PEAKLAND, JUNIPER])))
        }
        return {owners[row.bid.provider_id]: row.id for row in rows}


def _score_all(page: Page, scores: dict[int, int], reason: str) -> None:
    """Give every answer of each bid (by evaluation id) its score, with a reason."""
    for name in {
        element.get_attribute("name")
        for element in page.locator('input[type="radio"][name^="score_"]').all()
    }:
        evaluation_id = int(name.split("_")[1])
        page.locator(f'input[name="{name}"][value="{scores[evaluation_id]}"]').check()
        page.locator(f'textarea[name="reason_{name.split("_", 1)[1]}"]').fill(reason)


def _evaluate_and_award(page: Page, live_server, tender_path: str, tender_id: int) -> None:
    # The officer opens the bids (the deadline has passed) and checks compliance.
    _as(page, OFFICER)
    page.goto(tender_path)
    with page.expect_navigation():
        page.get_by_role("button", name="Open the bids").click()
    _checked(page, "5-opened")
    page.goto(f"/tenders/{tender_id}/evaluation/compliance")
    while page.get_by_role("link", name="Check").count():
        with page.expect_navigation():
            page.get_by_role("link", name="Check").first.click()
        page.get_by_label("Compliant", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Save the compliance decision").click()
    _checked(page, "6-compliance")
    with page.expect_navigation():
        page.get_by_role("button", name="Start the quality evaluation").click()

    ids = _labels(live_server, tender_id)
    quality = {ids[PEAKLAND]: 4, ids[JUNIPER]: 3}

    # Two evaluators score blind: no name, home or price on the page.
    for evaluator in (OFFICER, OFFICER_2):
        _as(page, evaluator)
        page.goto(f"/tenders/{tender_id}/evaluation/scores")
        if page.get_by_role("button", name="Start scoring").count():
            with page.expect_navigation():
                page.get_by_role("button", name="Start scoring").click()
        body = page.locator("main")
        for hidden in ("Peakland", "Juniper", "Ashgate", "Kinder", "£"):
            expect(body).not_to_contain_text(hidden)
        _checked(page, f"7-blind-scores-{evaluator.split('@')[0]}")
        _score_all(page, quality, "Specific to the person, with a clear plan.")
        with page.expect_navigation():
            page.get_by_role("button", name="Submit your scores").click()
        expect(page.locator("main")).to_contain_text("Your scores are submitted")

    # Moderation joins names and prices to the scores; the officer agrees them.
    _as(page, OFFICER)
    page.goto(f"/tenders/{tender_id}/evaluation/moderation")
    expect(page.locator("main")).to_contain_text("Peakland")
    _score_all(page, quality, "Both evaluators agreed.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save agreed scores").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Complete moderation").click()
    page.goto(f"/tenders/{tender_id}/evaluation/results")
    _checked(page, "8-results")

    # The family refuses the top-ranked home (Peakland's) and accepts the second (Juniper's).
    page.goto(f"/tenders/{tender_id}/evaluation/choice")
    expect(page.locator("main")).to_contain_text("Ranked 1: Ashgate Lodge")
    page.get_by_label("No, the person refuses it").check()
    page.get_by_label("Reason").fill("His sister cannot reach Chesterfield by bus.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the person's choice").click()
    expect(page.locator("main")).to_contain_text("Ranked 2: Kinder Rise")
    page.get_by_label("Yes, the person accepts it").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Record the person's choice").click()
    _checked(page, "9-choice")

    # Recommend; above the threshold a second officer approves; then confirm.
    page.goto(f"/tenders/{tender_id}/award/recommend")
    page.get_by_label("Why you recommend this award").fill("The person's choice, ranked second.")
    with page.expect_navigation():
        page.get_by_role("button", name="Recommend the award").click()
    page.goto(tender_path)
    expect(page.get_by_role("button", name="Approve the award")).to_have_count(0)
    _as(page, OFFICER_2)
    page.goto(tender_path)
    with page.expect_navigation():
        page.get_by_role("button", name="Approve the award").click()
    _as(page, OFFICER)
    page.goto(tender_path)
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm the award").click()
    expect(page.locator("main")).to_contain_text("PL-")
    _checked(page, "10-awarded")

    # Each bidder reads its own outcome, and cannot reach the other's documents.
    _as(page, JUNIPER)
    page.goto(f"/opportunities/{tender_id}")
    expect(page.locator("#award-outcome")).to_contain_text("Your bid is chosen")
    winner_links = [
        link.get_attribute("href") for link in page.locator("#own-award-documents a").all()
    ]
    assert len(winner_links) >= 2  # the award letter and the assessment summary, at least
    _checked(page, "11-winner")
    _as(page, PEAKLAND)
    page.goto(f"/opportunities/{tender_id}")
    expect(page.locator("#award-outcome")).to_contain_text("Your bid was not chosen")
    own_links = [
        link.get_attribute("href") for link in page.locator("#own-award-documents a").all()
    ]
    assert len(own_links) == 1
    _checked(page, "12-unsuccessful")
    for href in winner_links:
        response = page.request.get(href)
        assert response.status in (403, 404), href
    assert page.request.get(own_links[0]).status == 200
