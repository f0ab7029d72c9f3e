"""The officers' register in a real browser: an officer signs in, finds providers by the start
of a postcode, sees their standing and homes, opens one, and downloads the list as CSV; the
page passes axe, and at 375 pixels wide nothing on it is wider than the screen."""

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from dps_portal.demo.seed import DEMO_PASSWORD
from tests.e2e.harness import (
    assert_no_browser_errors,
    check_accessibility,
    save_screenshot,
    sign_in_as,
)

pytestmark = pytest.mark.e2e

OFFICER = "officer@council.example"
MONITOR = "monitor@council.example"
PROVIDER = "helen@peakland.example"


def _checked(page: Page, screenshot: str) -> None:
    assert_no_browser_errors(page)
    check_accessibility(page)
    save_screenshot(page, f"register-{screenshot}")


def _wider_than_the_screen(page: Page) -> list[str]:
    """The page's width when it is wider than the screen, and every element in sight (not
    clipped away for screen readers only) whose right edge passes the screen's."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const clipped = (element) => {
            for (let at = element; at; at = at.parentElement) {
              const style = getComputedStyle(at);
              if (style.clipPath !== "none" || style.clip !== "auto") return true;
            }
            return false;
          };
          const wide = [...document.querySelectorAll("main *")]
            .filter((element) => element.getBoundingClientRect().right > width + 1)
            .filter((element) => !clipped(element))
            .map((element) => `${element.tagName}.${element.className}`);
          const page = document.documentElement.scrollWidth;
          return page > width ? [`page ${page}`, ...wide] : wide;
        }"""
    )


def test_an_officer_finds_a_provider_by_postcode_and_downloads_the_list(page: Page):
    sign_in_as(page, OFFICER, DEMO_PASSWORD)
    page.get_by_role("link", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register of providers")
    _checked(page, "all")

    # Any case, any spacing: "s40" finds Peakland's Ashgate Lodge (S40 4AA).
    page.get_by_label("Postcode").fill(" s 40")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_label("Postcode")).to_have_value("s 40")
    # Other journeys in this run may add homes in S40: Peakland is one row of the result.
    rows = page.locator("#register tbody tr").filter(has_text="Peakland Care Ltd")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.get_by_role("rowheader")).to_contain_text("Peakland Care Ltd")
    expect(row).to_contain_text("Admitted")
    expect(row).to_contain_text("Ashgate Lodge")
    expect(row.locator('[data-category="MH"]').first).to_contain_text("Eligible")
    _checked(page, "postcode")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download this list as CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("dps-register-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as handle:
        lines = list(csv.DictReader(io.StringIO(handle.read())))
    assert "Peakland Care Ltd" in {line["Provider"] for line in lines}
    assert "Juniper Care Homes Ltd" not in {line["Provider"] for line in lines}
    assert "Ashgate Lodge" in {line["Care home"] for line in lines}

    row.get_by_role("link", name="Peakland Care Ltd", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Peakland Care Ltd")
    assert_no_browser_errors(page)


def test_a_bad_search_is_a_message(page: Page):
    sign_in_as(page, OFFICER, DEMO_PASSWORD)
    page.goto("/register")
    page.get_by_label("CQC ID").fill("<1-2>")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a CQC ID")
    expect(page.get_by_label("CQC ID")).to_have_value("<1-2>")
    _checked(page, "error")


def test_the_register_at_375_pixels(page: Page):
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in_as(page, MONITOR, DEMO_PASSWORD)
    page.goto("/register")
    expect(page.locator("#register tbody tr").first).to_be_visible()
    assert _wider_than_the_screen(page) == []
    _checked(page, "narrow")


def test_providers_cannot_read_it(page: Page):
    sign_in_as(page, PROVIDER, DEMO_PASSWORD)
    response = page.goto("/register")
    assert response is not None and response.status == 403
