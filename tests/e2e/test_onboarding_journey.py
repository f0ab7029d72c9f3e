"""Issue 3's journey in a real browser: a new provider registers, confirms its email, fills in
its organisation, adds two homes, applies for two categories, meets an error on the way, and
submits; then an officer finds it in the queue. axe checks every kind of page on the way."""

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from dps_portal.core import clock
from dps_portal.extensions import db
from dps_portal.notifications.models import OutboxEmail
from tests.documents.samples import pdf_bytes
from tests.e2e.harness import check_accessibility, save_screenshot, sign_in_as, sign_out

PASSWORD = "harbour violet compass"


def latest_link_to(live_server, address: str, path_part: str) -> str:
    with live_server.app.app_context():
        email = db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.to_address == address)
            .order_by(OutboxEmail.id.desc())
        ).first()
        db.session.remove()
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_part) + r"[^\s]+)", email.body_text)
    assert match, email.body_text
    return live_server.url + match.group(1)


def fill_organisation(page: Page) -> None:
    values = {
        "companies_house_number": "SC123456",
        "cqc_provider_id": "1-555000111",
        "address_line_1": "4 Chapel Street",
        "town": "Matlock",
        "postcode": "de4 3ag",
        "contact_name": "Alex Morgan",
        "email": "alex@kestrelcare.example",
        "phone": "01629 111222",
        "signatory_name": "Jordan Blake",
        "signatory_role": "Managing Director",
        "signatory_email": "jordan@kestrelcare.example",
    }
    for name, value in values.items():
        page.locator(f"[name='{name}']").fill(value)
    page.get_by_role("button", name="Save").click()


def add_home(page: Page, base: str, location_id: str, name: str, district: str, setting: str):
    page.goto(base + "/homes/add")
    page.locator("[name='cqc_location_id']").fill(location_id)
    page.get_by_role("button", name="Continue").click()
    page.locator("[name='name']").fill(name)
    page.locator("[name='address_line_1']").fill("1 High Street")
    page.locator("[name='town']").fill("Matlock")
    page.locator("[name='postcode']").fill("DE4 3AA")
    page.get_by_label(district, exact=True).check()
    page.get_by_label(setting, exact=True).check()
    page.locator("[name='registered_beds']").fill("8")
    page.locator("[name='registered_manager']").fill("Casey Reid")
    page.get_by_role("button", name="Save care home").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)


def fill_visible_section(page: Page, evidence: str) -> None:
    """Answer the section on the page validly, whatever its questions are."""
    today = clock.today_uk()
    future = today + timedelta(days=400)
    past = today - timedelta(days=90)
    radios = page.locator("input[type=radio]")
    names = []
    for index in range(radios.count()):
        name = radios.nth(index).get_attribute("name")
        if name not in names:
            names.append(name)
    for name in names:
        group = page.locator(f"input[type=radio][name='{name}']")
        wanted = "no" if "exclusion" in name else "yes"
        choice = page.locator(f"input[type=radio][name='{name}'][value='{wanted}']")
        (choice if choice.count() else group.first).check()
    for field in page.locator("textarea:visible").all():
        field.fill("We train every member of staff and refresh it every year.")
    for field in page.locator("input[type=text]:visible, input:not([type]):visible").all():
        name = field.get_attribute("name") or ""
        if "date-input" in (field.get_attribute("class") or ""):
            continue
        if field.get_attribute("inputmode") == "decimal":
            field.fill("10000000" if "amount" in name else "2500000")
        elif not field.input_value():
            field.fill("Our answer")
    for group in page.locator(".govuk-date-input").all():
        boxes = group.locator("input").all()
        day = future if "expires" in (group.get_attribute("id") or "") else past
        for box, value in zip(boxes, (day.day, day.month, day.year), strict=True):
            box.fill(str(value))
    for upload in page.locator("input[type=file]").all():
        upload.set_input_files(evidence)


@pytest.mark.e2e
def test_a_new_provider_joins_and_applies_for_two_categories(page: Page, live_server, tmp_path):
    evidence = tmp_path / "policy.pdf"
    evidence.write_bytes(pdf_bytes("Kestrel Care evidence"))
    email = f"morgan.{uuid.uuid4().hex[:6]}@kestrelcare.example"
    base = live_server.url

    # Register, then confirm the email address from the link in the outbox.
    page.goto(base + "/account/register")
    check_accessibility(page)
    page.locator("[name='organisation_name']").fill("Kestrel Care Ltd")
    page.locator("[name='full_name']").fill("Morgan Lee")
    page.locator("[name='email']").fill(email)
    page.locator("[name='password']").fill(PASSWORD)
    page.locator("[name='password_again']").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    page.goto(latest_link_to(live_server, email, "/account/confirm-email/"))
    sign_in_as(page, email, PASSWORD)
    expect(page.locator("h1")).to_have_text("Kestrel Care Ltd")

    # Organisation details.
    page.goto(base + "/organisation/edit")
    check_accessibility(page)
    fill_organisation(page)
    expect(page.locator(".govuk-error-summary")).to_have_count(0)

    # Two homes.
    add_home(
        page,
        base,
        "1-555000201",
        "Kestrel House",
        "Derbyshire Dales",
        "Residential (personal care)",
    )
    add_home(page, base, "1-555000202", "Kestrel Lodge", "Amber Valley", "Nursing")
    page.goto(base + "/homes")
    check_accessibility(page)
    expect(page.get_by_text("Kestrel Lodge")).to_be_visible()

    # Start the application and choose two categories, both homes in each.
    page.goto(base + "/applications")
    page.get_by_role("button", name="Start an application").click()
    application_url = page.url
    check_accessibility(page)
    page.get_by_role("link", name="Categories and homes").click()
    for category in ("Mental Health", "Learning Disabilities"):
        page.get_by_label(category).first.check()
    for box in page.locator("input[type=checkbox][name^='homes_']:visible").all():
        box.check()
    check_accessibility(page)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)

    # A wrong answer first: insurance below the minimum keeps what was typed.
    page.goto(application_url)
    page.get_by_role("link", name="Insurance").click()
    fill_visible_section(page, str(evidence))
    page.locator("[name='public_liability-amount']").fill("1000")
    page.get_by_role("button", name="Save and continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Public liability insurance must cover at least £5,000,000")
    expect(page.locator("[name='public_liability-amount']")).to_have_value("1000")
    check_accessibility(page)
    save_screenshot(page, "onboarding-insurance-error")
    page.locator("[name='public_liability-amount']").fill("6000000")
    for upload in page.locator("input[type=file]").all():
        upload.set_input_files(str(evidence))
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)

    # Every other section, one task at a time, until none is left to do.
    for _ in range(30):
        page.goto(application_url)
        todo = (
            page.locator(".govuk-task-list__item")
            .filter(has_not_text="Completed")
            .locator("a.govuk-task-list__link")
        )
        hrefs = [link.get_attribute("href") for link in todo.all()]
        hrefs = [h for h in hrefs if "/sections/" in h or h.endswith("/rates")]
        if not hrefs:
            break
        page.goto(base + hrefs[0])
        if hrefs[0].endswith("/rates"):
            for rate in page.locator("input[inputmode=decimal]").all():
                rate.fill("1850")
        else:
            fill_visible_section(page, str(evidence))
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator(".govuk-error-summary")).to_have_count(0)
    else:
        pytest.fail("the task list never finished")
    check_accessibility(page)
    save_screenshot(page, "onboarding-task-list")

    # Check answers, declare, submit.
    page.goto(application_url)
    page.get_by_role("link", name=re.compile("Check your answers")).click()
    check_accessibility(page)
    page.locator("input[type=checkbox][name='confirm']").check()
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator(".govuk-panel")).to_contain_text("submitted")
    check_accessibility(page)
    save_screenshot(page, "onboarding-submitted")
    reference = re.search(r"APP-\d{4}-\d+", page.locator(".govuk-panel").inner_text()).group(0)
    sign_out(page)

    # The officer finds it in the queue, due in 10 working days, and opens it.
    sign_in_as(page, "officer@council.example", "care-demo-password")
    page.goto(base + "/review/applications")
    check_accessibility(page)
    row = page.locator("tr", has_text=reference)
    expect(row).to_contain_text("Kestrel Care Ltd")
    row.get_by_role("link").first.click()
    expect(page.locator("body")).to_contain_text("Decision due by")
    check_accessibility(page)
    save_screenshot(page, "onboarding-officer-review")
