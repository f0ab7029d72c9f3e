"""The harness itself: each check fails when it should, so a pass means something."""

import pytest

from tests.e2e.harness import assert_no_browser_errors, browser_problems, check_accessibility

pytestmark = pytest.mark.e2e


def test_check_accessibility_reports_a_violation_with_its_element(page):
    page.goto("/account/sign-in")
    page.evaluate(
        """document.querySelector("main").insertAdjacentHTML(
             "beforeend", '<input type="text" id="unlabelled-for-test">')"""
    )

    with pytest.raises(AssertionError) as failure:
        check_accessibility(page)

    message = str(failure.value)
    assert "label (critical)" in message
    assert "#unlabelled-for-test" in message
    check_accessibility(page, context="header")


def test_an_inline_script_is_refused_by_the_csp_and_reported(page):
    page.goto("/account/sign-in")
    assert_no_browser_errors(page)

    page.evaluate(
        """const script = document.createElement("script");
           script.textContent = "window.inlineScriptRan = true";
           document.body.append(script);"""
    )

    assert page.evaluate("window.inlineScriptRan") is None
    problems = browser_problems(page)
    assert any(p.startswith("CSP violation: script-src-elem") for p in problems), problems
    with pytest.raises(AssertionError, match="CSP violation"):
        assert_no_browser_errors(page)


def test_an_uncaught_javascript_error_is_reported(page):
    page.goto("/account/sign-in")

    page.evaluate("setTimeout(() => { throw new Error('deliberately thrown') })")
    page.wait_for_timeout(50)

    with pytest.raises(AssertionError, match="JavaScript error: deliberately thrown"):
        assert_no_browser_errors(page)


def test_the_live_server_checks_csrf_tokens(page):
    response = page.request.post(
        "/account/sign-in", form={"email": "nobody@example.org", "password": "wrong"}
    )

    assert response.status == 400
