"""Each demo account signs in through the form, lands on its role's home page, and signs out."""

import re

import pytest
from playwright.sync_api import expect

from dps_portal.demo.seed import DEMO_LOGINS
from tests.e2e.harness import (
    assert_no_browser_errors,
    check_accessibility,
    save_screenshot,
    sign_in_as,
    sign_out,
)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda login: login.email.partition("@")[0])
def test_each_demo_role_reaches_its_home(page, login):
    sign_in_as(page, login.email, login.password)

    expect(page.locator("h1")).to_have_text(login.home_heading)
    expect(page.locator("header")).to_contain_text(login.full_name)
    home = page.url
    save_screenshot(page, f"home-{login.role.value}-{login.email.partition('@')[0]}")
    assert_no_browser_errors(page)
    check_accessibility(page)

    sign_out(page)

    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto(home)
    expect(page).to_have_url(re.compile(r"/account/sign-in\?next="))
    assert_no_browser_errors(page)
