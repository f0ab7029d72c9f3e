"""The review of an application, section by section, with the keyboard alone: an officer
signs in, opens the demo's application waiting for a decision, reviews each section on its
own page (Tab, Space, arrow keys and Enter; never a click), follows the previous and next
links, recovers from an error through the error summary, and reaches the decision page."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from dps_portal.core.roles import Role
from dps_portal.demo.seed import DEMO_LOGINS
from dps_portal.extensions import db
from dps_portal.onboarding.models import Application
from dps_portal.onboarding.question_sets import definition_of
from dps_portal.providers.models import ProviderOrganisation
from tests.e2e.harness import assert_no_browser_errors, check_accessibility, save_screenshot

pytestmark = pytest.mark.e2e

OFFICER = next(login for login in DEMO_LOGINS if login.role is Role.contracts_officer)
# The demo's application waiting for a decision, three of its sections already reviewed.
WAITING_PROVIDER = "Highmoor Specialist Services Ltd"
FAILED = "insurance"
COMMENT = "The employer's liability certificate is not signed."
REVEALING_RADIOS = {"exclude": [[".govuk-radios__input[aria-controls]"]]}

FOCUSED = """() => {
  const e = document.activeElement;
  return {
    tag: e.tagName.toLowerCase(),
    id: e.id || "",
    name: e.getAttribute("name") || "",
    type: e.getAttribute("type") || "",
    href: e.getAttribute("href") || "",
    text: (e.innerText || "").trim().replace(/\\s+/g, " "),
    checked: Boolean(e.checked),
    classes: e.className || "",
  };
}"""


def focused(page: Page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page: Page, matches, *, what: str, limit: int = 120) -> dict:
    """Press Tab until the focused element is the one `matches` accepts."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if matches(element):
            return element
        seen.append(f"{element['tag']}#{element['id']} {element['text'][:40]}")
    raise AssertionError(f"Tab never reached {what} on {page.url}; it went through: {seen}")


def press_and_wait(page: Page, key: str) -> None:
    """Press a key that leads to another page, and wait for it."""
    with page.expect_navigation():
        page.keyboard.press(key)


def link_to(href_end: str):
    return lambda element: element["tag"] == "a" and element["href"].endswith(href_end)


def is_radio(section_key: str, value_index: int = 1):
    radio_id = f"{section_key}-outcome" + ("" if value_index == 1 else f"-{value_index}")
    return lambda element: element["id"] == radio_id


def _checked(page: Page, screenshot: str = "") -> None:
    assert_no_browser_errors(page)
    check_accessibility(page)
    if screenshot:
        save_screenshot(page, f"review-by-section-{screenshot}")


def _sign_in_with_the_keyboard(page: Page) -> None:
    page.goto("/account/sign-in")
    tab_to(page, lambda element: element["name"] == "email", what="the email address")
    page.keyboard.type(OFFICER.email)
    tab_to(page, lambda element: element["name"] == "password", what="the password")
    page.keyboard.type(OFFICER.password)
    press_and_wait(page, "Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_an_officer_reviews_an_application_section_by_section_with_the_keyboard_alone(
    page: Page, live_server
):
    with live_server.app.app_context():
        application = db.session.scalars(
            select(Application)
            .join(ProviderOrganisation, ProviderOrganisation.id == Application.provider_id)
            .where(ProviderOrganisation.legal_name == WAITING_PROVIDER)
            .where(Application.is_awaiting_decision)
        ).one()
        application_id, reference = application.id, application.reference
        sections = [
            (section.key, section.title)
            for section in definition_of(application.question_set).sections
        ]
    keys = [key for key, _title in sections]
    application_path = f"/review/applications/{application_id}"

    _sign_in_with_the_keyboard(page)

    # The queue, then the application's page: its summary and its section list.
    page.goto("/review/applications")
    tab_to(page, link_to(application_path), what=f"the link to {reference}")
    press_and_wait(page, "Enter")
    expect(page.locator("h1")).to_have_text(f"Application {reference}")
    expect(page.locator("#sections-reviewed")).to_contain_text("3 of 10 sections reviewed")
    _checked(page, "overview")

    tab_to(page, link_to(f"/sections/{keys[0]}"), what="the first section")
    press_and_wait(page, "Enter")

    for number, (key, title) in enumerate(sections, start=1):
        expect(page.locator("h1")).to_have_text(title)
        expect(page.locator("#section-position")).to_have_text(f"Section {number} of 10")
        last = number == len(sections)
        if number == 1:
            _checked(page, "section")
        if number == 2:
            # Back to the previous section and on again, by their links.
            tab_to(page, link_to(f"/sections/{keys[0]}"), what="the previous section")
            press_and_wait(page, "Enter")
            expect(page.locator("h1")).to_have_text(sections[0][1])
            tab_to(page, link_to(f"/sections/{key}"), what="the next section")
            press_and_wait(page, "Enter")
            expect(page.locator("h1")).to_have_text(title)

        # Tab reaches the outcome (the chosen one, or the first); Space chooses Pass, and an
        # arrow key moves to Fail.
        tab_to(page, lambda element, key=key: element["name"] == f"{key}-outcome", what="Pass")
        if key == FAILED:
            page.keyboard.press("ArrowRight")
            assert focused(page)["id"] == f"{key}-outcome-2" and focused(page)["checked"]
        else:
            page.keyboard.press("Space")
            assert focused(page)["id"] == f"{key}-outcome" and focused(page)["checked"]

        # The focus order: the outcome, the comment, the button, then the section links.
        page.keyboard.press("Tab")
        assert focused(page)["id"] == f"{key}-comment"
        page.keyboard.press("Tab")
        button = focused(page)
        assert button["tag"] == "button" and button["text"] == (
            "Save and go back to the sections" if last else "Save and go to the next section"
        )
        if number == 1:
            page.keyboard.press("Tab")
            assert focused(page)["href"].endswith(f"/sections/{keys[1]}")
            page.keyboard.press("Shift+Tab")
            assert focused(page)["tag"] == "button"
        press_and_wait(page, "Enter")

        if key == FAILED:
            # A fail needs a comment: the error summary takes the focus, its link leads to
            # the comment box, and the choice is kept.
            summary = page.locator(".govuk-error-summary")
            expect(summary).to_contain_text("Enter why the section fails")
            expect(summary).to_be_focused()
            expect(page.get_by_label("Fail", exact=True)).to_be_checked()
            _checked(page, "section-error")
            tab_to(page, link_to(f"#{key}-comment"), what="the error's link")
            page.keyboard.press("Enter")
            expect(page.locator(f"#{key}-comment")).to_be_focused()
            page.keyboard.type(COMMENT)
            page.keyboard.press("Tab")
            assert focused(page)["tag"] == "button"
            press_and_wait(page, "Enter")

        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            f"Your review of {title} has been saved."
        )

    # The last section goes back to the list, every section reviewed, and on to the decision.
    expect(page).to_have_url(f"{live_server.url}{application_path}#sections")
    expect(page.locator("#sections-reviewed")).to_contain_text("10 of 10 sections reviewed")
    tasks = page.locator("#review-sections .govuk-task-list__item")
    expect(tasks).to_have_count(10)
    expect(tasks.filter(has_text="Not reviewed")).to_have_count(0)
    expect(tasks.filter(has_text="Insurance")).to_contain_text("Failed")
    _checked(page, "overview-reviewed")
    tab_to(page, link_to(f"{application_path}/decision"), what="Decide")
    press_and_wait(page, "Enter")

    expect(page.locator("h1")).to_have_text("Decide the application")
    expect(page.locator("#section-outcomes")).not_to_contain_text("Not reviewed")
    expect(page.locator(".govuk-warning-text").first).to_contain_text("Insurance failed")
    assert_no_browser_errors(page)
    check_accessibility(page, context=REVEALING_RADIOS)
    save_screenshot(page, "review-by-section-decide")
