"""The contract gate in a real browser: an admitted home is not eligible; the monitor records
and finalises a satisfactory initial visit; the provider's signatory accepts the current terms;
the home becomes eligible. The reasons are read at each step, and axe-core checks each page."""

import pytest
from playwright.sync_api import Page, expect

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.demo.seed import DEMO_LOGINS
from dps_portal.extensions import db
from dps_portal.quality.models import VisitType
from dps_portal.quality.operations import schedule_visit
from tests.contracts.factories import admit_home
from tests.e2e.harness import (
    assert_no_browser_errors,
    check_accessibility,
    save_screenshot,
    sign_in_as,
    sign_out,
)
from tests.factories import DEFAULT_PASSWORD, make_home
from tests.providers.factories import make_complete_provider, make_provider_user

pytestmark = pytest.mark.e2e

MONITOR = next(login for login in DEMO_LOGINS if login.role is Role.quality_monitor)
OFFICER = next(login for login in DEMO_LOGINS if login.role is Role.contracts_officer)
NO_VISIT = "No satisfactory initial quality-monitoring visit"
NO_TERMS = "Terms and conditions v1 not accepted"


def _checked(page: Page, screenshot: str = "") -> None:
    assert_no_browser_errors(page)
    check_accessibility(page)
    if screenshot:
        save_screenshot(page, f"gate-{screenshot}")


def _reasons(page: Page, code: str):
    return page.locator(f'[data-category="{code}"]')


@pytest.fixture
def admitted_home(live_server):
    """A home admitted to MH and LDA with an announced initial visit planned for today,
    assigned to the demo monitor; its provider has not accepted the demo's terms v1."""
    with live_server.app.app_context():
        from sqlalchemy import select

        from dps_portal.accounts.models import User

        provider = make_complete_provider(legal_name="Gatehouse Care Ltd")
        signatory = make_provider_user(
            provider, full_name="Nia Roberts", email="nia@gatehouse.example"
        )
        home = admit_home(make_home(provider, name="Gatehouse Lodge"), "MH", "LDA")
        monitor = db.session.scalars(select(User).where(User.email == MONITOR.email)).one()
        schedule_visit(
            home,
            visit_type=VisitType.initial,
            monitor=monitor,
            planned_on=clock.today_uk(),
            is_announced=True,
            by=monitor,
        )
        db.session.commit()
        return {"home_id": home.id, "email": signatory.email}


def _open_home(page: Page, home_id: int) -> None:
    page.goto(f"/homes/{home_id}")
    expect(page.locator("h1")).to_have_text("Gatehouse Lodge")


def test_a_home_becomes_eligible_after_its_visit_and_the_terms(page: Page, admitted_home):
    home_id, email = admitted_home["home_id"], admitted_home["email"]

    # 1. The provider sees that the admitted home cannot take placements yet, and why.
    sign_in_as(page, email, DEFAULT_PASSWORD)
    _open_home(page, home_id)
    for code in ("MH", "LDA"):
        expect(_reasons(page, code)).to_contain_text("Not eligible")
        expect(_reasons(page, code)).to_contain_text(NO_VISIT)
        expect(_reasons(page, code)).to_contain_text(NO_TERMS)
    _checked(page, "1-provider-not-eligible")
    sign_out(page)

    # 2. The monitor records every section and finalises a satisfactory initial visit.
    sign_in_as(page, MONITOR.email, MONITOR.password)
    page.get_by_role("link", name="Visits", exact=True).first.click()
    _checked(page, "2-monitor-visits")
    page.get_by_role("link", name="Gatehouse Lodge").first.click()
    expect(page.locator("h1")).to_have_text("Initial visit to Gatehouse Lodge")
    _checked(page, "3-visit")
    sections = page.locator(".govuk-task-list__link")
    count = sections.count()
    assert count >= 7, "the five key questions and the framework's checks"
    for index in range(count):
        page.locator(".govuk-task-list__link").nth(index).click()
        if index == 0:
            _checked(page, "4-section")
        page.get_by_label("Good", exact=True).check()
        page.get_by_label("Findings").fill(f"Seen on the day: section {index + 1} is well run.")
        page.get_by_role("button", name="Save and return to the visit").click()
        expect(page.locator("h1")).to_have_text("Initial visit to Gatehouse Lodge")
    expect(page.get_by_text("Every section is rated")).to_be_visible()
    page.get_by_role("link", name="Finalise the visit").click()
    today = clock.today_uk()
    visited_on = page.locator('input[name="visited_on"]')
    for box, part in enumerate((today.day, today.month, today.year)):
        visited_on.nth(box).fill(str(part))
    page.get_by_label("Satisfactory", exact=True).check()
    page.get_by_label("Summary").fill("A settled, well-led home. No actions.")
    _checked(page, "5-finalise")
    page.get_by_role("button", name="Finalise the visit").click()
    expect(page.locator("h1")).to_have_text("Initial visit to Gatehouse Lodge")
    expect(page.get_by_text("Download the visit report (PDF)")).to_be_visible()
    _checked(page, "6-finalised")
    sign_out(page)

    # 3. The provider now lacks only the terms; the signatory accepts them.
    sign_in_as(page, email, DEFAULT_PASSWORD)
    _open_home(page, home_id)
    for code in ("MH", "LDA"):
        expect(_reasons(page, code)).to_contain_text("Not eligible")
        expect(_reasons(page, code)).not_to_contain_text(NO_VISIT)
        expect(_reasons(page, code)).to_contain_text(NO_TERMS)
    _checked(page, "7-provider-terms-only")
    page.get_by_role("link", name="Contract", exact=True).first.click()
    _checked(page, "8-contract")
    page.get_by_role("button", name="Read and accept v1").click()
    page.locator('input[name="signatory_name"]').fill("Nia Roberts")
    page.locator('input[name="signatory_role"]').fill("Director")
    page.locator('input[name="password"]').fill(DEFAULT_PASSWORD)
    # Without the confirmation: refused, and what was typed is kept (not the password).
    page.get_by_role("button", name="Accept and sign").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Confirm that you are authorised")
    expect(page.locator('input[name="signatory_name"]')).to_have_value("Nia Roberts")
    _checked(page, "9-accept-error")
    page.locator('input[name="confirm"]').check()
    page.locator('input[name="password"]').fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Accept and sign").click()
    expect(page.get_by_text("Provider Agreement").first).to_be_visible()
    _checked(page, "10-accepted")

    # 4. The home is eligible in both categories.
    _open_home(page, home_id)
    for code in ("MH", "LDA"):
        expect(_reasons(page, code)).to_contain_text("Eligible")
        expect(_reasons(page, code)).not_to_contain_text("Not eligible")
    _checked(page, "11-provider-eligible")
    sign_out(page)

    # 5. The officers' eligibility page agrees.
    sign_in_as(page, OFFICER.email, OFFICER.password)
    page.get_by_role("link", name="Eligibility", exact=True).first.click()
    row = page.locator("tr", has_text="Gatehouse Lodge").first
    expect(row).to_contain_text("Eligible")
    _checked(page, "12-officer-eligibility")
