"""The application pages in a real browser: they work with GOV.UK Frontend's JavaScript,
break no Content-Security-Policy and have no WCAG 2.2 A or AA violation axe-core can find."""

import pytest
from playwright.sync_api import expect

from dps_portal.demo.seed import DEMO_PASSWORD
from tests.e2e.harness import assert_no_browser_errors, check_accessibility, sign_in_as

pytestmark = pytest.mark.e2e


def _checked(page) -> None:
    assert_no_browser_errors(page)
    check_accessibility(page)


def test_a_provider_works_through_the_application_pages(page):
    sign_in_as(page, "ravi@moorland.example", DEMO_PASSWORD)
    page.goto("/applications")
    _checked(page)
    # The demo's Moorland was rejected, so it may start again.
    page.get_by_role("button", name="Start an application").click()
    expect(page.locator("h1")).to_contain_text("Application APP-")
    _checked(page)

    page.get_by_role("link", name="Categories and homes").first.click()
    _checked(page)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select at least one category")
    _checked(page)
    categories = page.locator('input[name="categories"]')
    categories.first.check()
    # GOV.UK Frontend reveals the homes of a ticked category.
    homes = page.locator(".govuk-checkboxes__conditional").first.locator('input[type="checkbox"]')
    expect(homes.first).to_be_visible()
    homes.first.check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-task-list")).to_have_count(5)

    for task in ("Insurance", "Business continuity", "Exclusion grounds"):
        page.get_by_role("link", name=task, exact=True).click()
        _checked(page)
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        _checked(page)
        page.get_by_role("link", name="Back to the application").click()

    page.locator(".govuk-task-list__link", has_text="Workforce and specialist training").click()
    _checked(page)
    page.get_by_role("link", name="Back to the application").click()
    page.get_by_role("link", name="Proposed weekly rates").click()
    page.locator(".govuk-input").first.fill("0")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("more than £0")
    _checked(page)

    application_url = page.url.removesuffix("/rates")
    page.goto(f"{application_url}/check")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "You cannot submit the application yet"
    )
    _checked(page)

    # Leave the demo organisation free to apply in other tests.
    page.goto(application_url)
    page.get_by_role("link", name="Delete this draft").click()
    expect(page.locator("h1")).to_have_text("Are you sure you want to delete this draft?")
    _checked(page)
    page.get_by_role("button", name="Delete draft").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been deleted")
    _checked(page)
