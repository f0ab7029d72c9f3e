"""The quality-monitoring and contract-gate pages in a real browser, on the demo data: each
role opens its pages (axe-core, CSP and console checked on each), and an officer imports the
CQC ratings file through the browser and watches it finish."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dps_portal.core.roles import Role
from dps_portal.demo.seed import DEMO_LOGINS
from tests.e2e.harness import (
    assert_no_browser_errors,
    check_accessibility,
    save_screenshot,
    sign_in_as,
    sign_out,
)

pytestmark = pytest.mark.e2e

# The demo keeps a copy of the CQC samples of ../shared/data.
SAMPLES = Path(__file__).resolve().parents[2] / "dps_portal" / "demo"
LOGINS = {login.email.partition("@")[0]: login for login in DEMO_LOGINS}


def _visit(page: Page, path: str, heading: str | re.Pattern, name: str) -> None:
    page.goto(path)
    expect(page.locator("h1")).to_have_text(heading)
    assert_no_browser_errors(page)
    check_accessibility(page)
    save_screenshot(page, f"quality-{name}")


def _follow(page: Page, link: str, name: str) -> None:
    page.get_by_role("link", name=link).first.click()
    expect(page.locator("h1")).to_be_visible()
    assert_no_browser_errors(page)
    check_accessibility(page)
    save_screenshot(page, f"quality-{name}")


def test_the_monitors_pages(page: Page):
    login = LOGINS["monitor"]
    sign_in_as(page, login.email, login.password)
    _visit(page, "/visits", re.compile("Visits"), "monitor-visits")
    _visit(page, "/visits/due", re.compile("due", re.I), "monitor-due")
    _visit(page, "/visits/schedule", re.compile("Schedule", re.I), "monitor-schedule")
    page.goto("/visits?show=all")
    _follow(page, "Ashgate Lodge", "monitor-finalised-visit")
    expect(page.get_by_text("Download the visit report (PDF)")).to_be_visible()
    _visit(page, "/quality/actions", re.compile("Actions", re.I), "monitor-actions")
    _visit(page, "/returns/review", re.compile("returns", re.I), "monitor-returns")
    _follow(page, "Kinder Rise", "monitor-return")
    _visit(page, "/eligibility", re.compile("Eligib", re.I), "monitor-eligibility")
    _visit(page, "/suspensions", re.compile("Suspensions", re.I), "monitor-suspensions")


def test_the_officers_pages_and_a_cqc_import_in_the_browser(page: Page):
    login = LOGINS["officer"]
    sign_in_as(page, login.email, login.password)
    _visit(page, "/terms", re.compile("Terms", re.I), "officer-terms")
    _visit(page, "/terms/new", re.compile("Publish version"), "officer-publish-terms")
    _visit(page, "/suspensions", re.compile("Suspensions", re.I), "officer-suspensions")
    _follow(page, "Juniper House", "officer-suspension")
    _visit(page, "/eligibility", re.compile("Eligib", re.I), "officer-eligibility")
    expect(page.locator("tr", has_text="Juniper House").first).to_contain_text(
        "Safeguarding concern under investigation"
    )
    _visit(page, "/cqc/reviews", re.compile("CQC|review", re.I), "officer-cqc-reviews")

    _visit(page, "/cqc/imports/new", re.compile("CQC|Import", re.I), "officer-cqc-upload")
    page.locator('input[type="file"]').set_input_files(str(SAMPLES / "cqc-ratings-sample.csv"))
    page.get_by_role("button", name="Import the file").click()
    # The page refreshes itself while the import runs in the background, then shows the summary.
    expect(page.get_by_role("heading", name="Summary")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Locations matching no portal home")).to_be_visible()
    assert_no_browser_errors(page)
    check_accessibility(page)
    save_screenshot(page, "quality-officer-cqc-imported")


def test_the_providers_pages(page: Page):
    login = LOGINS["helen"]
    sign_in_as(page, login.email, login.password)
    _visit(page, "/quality/visits", re.compile("visits", re.I), "provider-visits")
    _follow(page, "Ashgate Lodge", "provider-visit")
    _follow(page, "Respond", "provider-respond")
    _visit(page, "/returns", re.compile("returns", re.I), "provider-returns")
    _follow(page, "Ashgate Lodge", "provider-return")
    _visit(page, "/contract", re.compile("contract", re.I), "provider-contract")
    _visit(page, "/organisation/evidence", re.compile("evidence", re.I), "provider-evidence")
    expect(page.get_by_text(re.compile(r"Expires in \d+ days")).first).to_be_visible()
    _follow(page, "Renew", "provider-renew")
    page.goto("/homes")
    _follow(page, "Ashgate Lodge", "provider-home-eligible")
    expect(page.locator('[data-category="MH"]')).to_contain_text("Eligible")
    expect(page.locator('[data-category="MH"]')).to_contain_text("Public liability insurance")


def test_a_suspended_home_tells_its_provider_why(page: Page):
    login = LOGINS["amara"]
    assert login.role is Role.provider
    sign_in_as(page, login.email, login.password)
    page.goto("/homes")
    _follow(page, "Juniper House", "provider-home-suspended")
    expect(page.locator('[data-category="MH"]')).to_contain_text(
        "Suspended: Safeguarding concern under investigation"
    )


def test_signing_out_forgets_the_drafts_kept_in_the_browser(page: Page):
    login = LOGINS["monitor"]
    sign_in_as(page, login.email, login.password)
    page.goto("/visits")
    page.evaluate("""() => {
        localStorage.setItem("dps-draft:visit-1-safe", JSON.stringify({values: {findings: "x"}}));
        localStorage.setItem("unrelated", "kept");
    }""")
    sign_out(page)

    expect(page.locator("h1")).to_have_text("You have signed out")
    page.wait_for_function("() => localStorage.getItem('dps-draft:visit-1-safe') === null")
    assert page.evaluate("() => localStorage.getItem('unrelated')") == "kept"
    assert_no_browser_errors(page)
