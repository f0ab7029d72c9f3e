"""The organisation, care home and providers pages in a real browser, checked by axe-core,
error states included. Nothing is saved, so other browser tests see the demo data unchanged."""

import re

import pytest
from playwright.sync_api import expect

from dps_portal.demo.seed import DEMO_PASSWORD
from tests.e2e.harness import assert_no_browser_errors, check_accessibility, sign_in_as

pytestmark = pytest.mark.e2e

PROVIDER = "helen@peakland.example"
OFFICER = "officer@council.example"


def checked(page) -> None:
    assert_no_browser_errors(page)
    check_accessibility(page)


def test_the_organisation_pages(page):
    sign_in_as(page, PROVIDER, DEMO_PASSWORD)
    page.goto("/organisation")
    expect(page.locator("h1")).to_have_text("Peakland Care Ltd")
    checked(page)

    page.goto("/organisation/edit")
    checked(page)
    page.get_by_label("Legal name").fill("")
    page.get_by_label("Postcode").fill("QQ1 1QQ")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the organisation’s legal name")
    expect(summary).to_contain_text("Enter a real postcode")
    expect(page.get_by_label("Postcode")).to_have_value("QQ1 1QQ")
    checked(page)

    page.goto("/organisation/colleagues/invite")
    checked(page)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your colleague’s full name")
    checked(page)

    page.goto("/provider")
    expect(page.get_by_role("heading", name="What needs you")).to_be_visible()
    checked(page)


def test_the_care_home_pages(page):
    sign_in_as(page, PROVIDER, DEMO_PASSWORD)
    page.goto("/homes")
    checked(page)

    page.get_by_role("button", name="Add a care home").click()
    expect(page.locator("h1")).to_have_text("What is the home’s CQC location ID?")
    checked(page)
    page.get_by_label("What is the home’s CQC location ID?").fill("1-12")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("in the correct format")
    checked(page)

    page.get_by_label("What is the home’s CQC location ID?").fill("1-987654321012")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Add a care home")
    expect(page.get_by_label("CQC location ID")).to_have_value("1-987654321012")
    # The council has no CQC data for this ID: the page says so, and the details are typed.
    expect(page.locator("[data-cqc-lookup=none]")).to_contain_text(
        "The council holds no CQC data for this location ID"
    )
    checked(page)
    page.get_by_label("Registered beds").fill("twelve")
    page.get_by_role("button", name="Save care home").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the district the home is in")
    expect(summary).to_contain_text("Registered beds must be a whole number")
    expect(page.get_by_label("Registered beds")).to_have_value("twelve")
    checked(page)

    page.goto("/homes")
    # Each home's eligibility in each category the provider is admitted to.
    expect(page.locator("table .govuk-tag").first).to_be_visible()
    page.locator("table a").first.click()
    expect(page).to_have_url(re.compile(r"/homes/\d+$"))
    checked(page)
    page.get_by_role("button", name="Change these details").click()
    expect(page).to_have_url(re.compile(r"/homes/\d+/edit$"))
    checked(page)


def test_the_council_view_of_providers(page):
    sign_in_as(page, OFFICER, DEMO_PASSWORD)
    page.goto("/providers")
    checked(page)
    page.get_by_label("Organisation name contains").fill("peak")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table caption")).to_contain_text("1 provider")
    checked(page)
    page.get_by_role("link", name="Peakland Care Ltd").click()
    expect(page.locator("h1")).to_have_text("Peakland Care Ltd")
    checked(page)
