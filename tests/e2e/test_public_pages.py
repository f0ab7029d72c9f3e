"""The public pages in a real browser: GOV.UK styling, the CSP, accessibility, the keyboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import assert_no_browser_errors, check_accessibility, save_screenshot

pytestmark = pytest.mark.e2e

JS_STARTED = re.compile(r"(^|\s)govuk-frontend-supported(\s|$)")


def test_sign_in_page_is_styled_by_gov_uk_frontend(page):
    page.goto("/account/sign-in")

    expect(page.locator("body")).to_have_class(JS_STARTED)
    expect(page.locator("h1")).to_have_text("Sign in")
    # GOV.UK Frontend sets the typeface on its classes, not on <body>: look at its text.
    for selector in ("h1", "main p.govuk-body", "label", "footer"):
        font = page.locator(selector).first.evaluate("node => getComputedStyle(node).fontFamily")
        assert font.split(",")[0].strip().strip("\"'").lower() == "arial", (selector, font)
    weight = page.locator("h1").evaluate("node => getComputedStyle(node).fontWeight")
    assert weight == "700"
    save_screenshot(page, "sign-in")
    assert_no_browser_errors(page)
    check_accessibility(page)


@pytest.mark.parametrize("path", ["/", "/account/sign-in", "/accessibility"])
def test_public_page_is_accessible_and_keeps_to_its_csp(page, path):
    response = page.goto(path)

    assert response.status == 200
    expect(page.locator("body")).to_have_class(JS_STARTED)
    assert_no_browser_errors(page)
    check_accessibility(page)


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_main_content(page):
    page.goto("/account/sign-in")
    expect(page.locator("body")).to_have_class(JS_STARTED)

    page.keyboard.press("Tab")
    skip_link = page.locator(":focus")
    expect(skip_link).to_have_class(re.compile(r"\bgovuk-skip-link\b"))
    expect(skip_link).to_have_text("Skip to main content")
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")

    main = page.locator("main")
    expect(main).to_have_id("main-content")
    expect(main).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("main :focus")).to_have_count(1)
