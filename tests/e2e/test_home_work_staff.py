"""The contracts officer's and the administrator's home pages show exactly the demo's pending
work (counted here again from the live server's database, in Python, not by the page's SQL),
each line leading to a list of exactly those rows; every role's navigation fits one row at
1280 pixels wide, and the header says how many notifications are unread."""

from collections import Counter
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.awards.models import DirectAward, DirectAwardState
from dps_portal.contracts.eligibility import Barrier, eligibility_of
from dps_portal.contracts.models import Suspension, SuspensionState
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.core.workingdays import working_days_between
from dps_portal.demo.seed import DEMO_LOGINS
from dps_portal.extensions import db
from dps_portal.framework.models import Category
from dps_portal.notifications.models import Notification, OutboxEmail, OutboxState
from dps_portal.onboarding.admissions import admitted_pairs
from dps_portal.onboarding.models import Application, ApplicationState
from dps_portal.placements.models import Placement
from dps_portal.placements.rules import review_due_by
from dps_portal.providers.models import CareHome
from dps_portal.scheduler.models import JobOutcome, JobRun
from dps_portal.scheduler.registry import all_jobs
from dps_portal.tenders.models import Tender, TenderState
from dps_portal.vacancies.models import Vacancy
from dps_portal.vacancies.rules import fresh_since
from tests.e2e.harness import (
    assert_no_browser_errors,
    check_accessibility,
    save_screenshot,
    sign_in_as,
)

pytestmark = pytest.mark.e2e

PASSWORD = "care-demo-password"
DESKTOP = {"width": 1280, "height": 800}

# Each list's rows, as a selector, by the start of its address.
LIST_ROWS = {
    "/review/applications": "[data-application]",
    "/tenders": "table.govuk-table tbody tr",
    "/direct-awards": "#direct-awards tbody tr",
    "/placements/register": "#placement-register tbody tr",
    "/suspensions": "table.govuk-table >> nth=0 >> tbody tr",
    "/cqc": "tbody tr[data-home]",
    "/vacancies": "#vacancy-board tbody tr",
    # A home's row in each category it is admitted to: counted by home.
    "/eligibility": "tr[data-home]",
    "/admin/outbox": "table.govuk-table tbody tr",
    "/admin/jobs": "#runs ~ table tbody tr",
    "/admin/users": "table.govuk-table tbody tr",
}


def officer_work_in_python(app) -> Counter:
    """What waits for the officers, counted from the rows with the models' Python rules."""
    with app.app_context():
        now, today = clock.now(), clock.today_uk()
        work = Counter()
        applications = db.session.scalars(
            select(Application).where(
                Application.state.in_(
                    [ApplicationState.submitted, ApplicationState.clarification_requested]
                )
            )
        ).all()
        for application in applications:
            due = application.decision_due_on
            if due < today:
                work["applications-overdue"] += 1
            elif working_days_between(today, due) <= 2:
                work["applications-due-soon"] += 1
            else:
                work["applications-due-later"] += 1
            reviewed = [review.reviewed_at for review in application.section_reviews]
            answers = [c.responded_at for c in application.clarifications if c.responded_at]
            if application.state is ApplicationState.submitted and any(
                not reviewed or answer > max(reviewed) for answer in answers
            ):
                work["clarifications-answered"] += 1
        states = {
            TenderState.opened: "evaluations",
            TenderState.evaluating: "evaluations",
            TenderState.moderated: "moderations",
            TenderState.recommended: "awards-to-approve",
            TenderState.standstill: "standstills",
        }
        for tender in db.session.scalars(select(Tender)):
            if tender.is_open_at(now):
                work["tenders-open"] += 1
            elif tender.is_closed_at(now):
                work["bids-to-open"] += 1
            elif tender.state in states:
                work[states[tender.state]] += 1
        awards = db.session.scalars(
            select(DirectAward).where(DirectAward.state == DirectAwardState.open)
        )
        for award in awards:
            waiting = any(offer.is_waiting_at(now) for offer in award.offers)
            work["offers-waiting" if waiting else "awards-to-offer"] += 1
        for placement in db.session.scalars(select(Placement)):
            if placement.is_review_due_by(review_due_by(today)):
                work["placement-reviews"] += 1
        for suspension in db.session.scalars(select(Suspension)):
            if suspension.state is SuspensionState.recommended:
                work["suspension-recommendations"] += 1
        for home in db.session.scalars(select(CareHome)):
            if home.cqc_review_required_since is not None:
                work["cqc-reviews"] += 1
        pairs = [
            (db.session.get(CareHome, home_id), db.session.get(Category, category_id))
            for home_id, category_id in db.session.execute(admitted_pairs())
        ]
        work["no-longer-eligible"] = len(
            {
                answer.home.id
                for answer in eligibility_of(pairs, today)
                if not answer.is_eligible and Barrier.no_initial_visit not in answer.barriers
            }
        )
        for vacancy in db.session.scalars(select(Vacancy)):
            if vacancy.beds_free > 0 and not vacancy.is_fresh_since(fresh_since(now)):
                work["stale-vacancies"] += 1
        db.session.remove()
    return +work


def admin_work_in_python(app) -> Counter:
    with app.app_context():
        now = clock.now()
        work = Counter()
        for email in db.session.scalars(select(OutboxEmail)):
            if email.state is OutboxState.failed:
                work["emails-failed"] += 1
        runs = sorted(db.session.scalars(select(JobRun)), key=lambda r: (r.started_at, r.id))
        latest = {run.job_id: run for run in runs}
        for job in all_jobs():
            if job.id in latest and latest[job.id].outcome is JobOutcome.failed:
                work["jobs-failing"] += 1
        for user in db.session.scalars(select(User)):
            if user.is_active and user.is_locked(now):
                work["users-locked-out"] += 1
        db.session.remove()
    return +work


def unread_in_python(app, email: str) -> int:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        unread = sum(1 for note in user_notifications(user) if note.read_at is None)
        db.session.remove()
    return unread


def user_notifications(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def lines_on(page) -> dict[str, tuple[int, str]]:
    """{line key: (count, href)} of the home page's work queue."""
    lines = {}
    for item in page.locator("#work-queue [data-work]").all():
        link = item.locator("a").first
        count = int(link.locator("strong").inner_text())
        lines[item.get_attribute("data-work")] = (count, link.get_attribute("href"))
    return lines


def assert_each_line_leads_to_its_rows(page, lines: dict[str, tuple[int, str]]) -> None:
    for key, (count, href) in lines.items():
        page.goto(href)
        rows = next(selector for start, selector in LIST_ROWS.items() if href.startswith(start))
        if href.startswith("/eligibility"):
            homes = page.locator(rows).evaluate_all(
                "rows => [...new Set(rows.map((row) => row.dataset.home))]"
            )
            assert len(homes) == count, (key, href)
        else:
            expect(page.locator(rows), f"{key}: {href}").to_have_count(count)
        assert_no_browser_errors(page)


def test_the_officers_home_shows_the_demos_work_and_leads_to_each_list(page, live_server):
    page.set_viewport_size(DESKTOP)
    expected = officer_work_in_python(live_server.app)
    assert expected, "the demo should give the officers some work"
    sign_in_as(page, "officer@council.example", PASSWORD)

    expect(page.locator("h1")).to_have_text("Contracts")
    lines = lines_on(page)
    assert {key: count for key, (count, _href) in lines.items()} == dict(expected)
    save_screenshot(page, "home-work-officer")
    check_accessibility(page)
    assert_no_browser_errors(page)
    assert_each_line_leads_to_its_rows(page, lines)


def test_the_administrators_home_shows_failures_and_lockouts(page, live_server):
    # The demo has none of these: make one of each (data of this test's own).
    app = live_server.app
    with app.app_context():
        failed = OutboxEmail(to_address="gone@example.org", subject="Undeliverable", body_text="-")
        failed.state = OutboxState.failed
        failed.attempts, failed.last_error = 5, "550 No such user"
        job = all_jobs()[0].id
        db.session.add(
            JobRun(
                job_id=job,
                started_at=clock.now(),
                finished_at=clock.now(),
                outcome=JobOutcome.failed,
                error="RuntimeError: boom",
            )
        )
        db.session.add(failed)
        db.session.add(
            User(
                email="locked.out@council.example",
                full_name="Lockie Out",
                role=Role.quality_monitor,
                is_active=True,
                locked_until=clock.now() + timedelta(minutes=15),
            )
        )
        db.session.commit()
        db.session.remove()
    page.set_viewport_size(DESKTOP)
    expected = admin_work_in_python(app)
    sign_in_as(page, "admin@council.example", PASSWORD)

    expect(page.locator("h1")).to_have_text("Administration")
    lines = lines_on(page)
    assert {key: count for key, (count, _href) in lines.items()} == dict(expected)
    assert set(lines) == {"emails-failed", "jobs-failing", "users-locked-out"}
    save_screenshot(page, "home-work-admin")
    check_accessibility(page)
    assert_each_line_leads_to_its_rows(page, lines)


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda login: login.email.partition("@")[0])
def test_the_navigation_fits_one_row_and_counts_unread_notifications(page, live_server, login):
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, login.email, login.password)

    items = page.locator(".govuk-service-navigation__item")
    tops = items.evaluate_all("items => items.map((item) => item.offsetTop)")
    assert len(tops) >= 4 and len(set(tops)) == 1, (login.email, tops)

    unread = unread_in_python(live_server.app, login.email)
    link = page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name="Notifications"
    )
    if unread:
        expect(link).to_have_accessible_name(f"Notifications {unread} unread")
    else:
        expect(link).to_have_accessible_name("Notifications")
    link.click()
    expect(page.locator("h1")).to_contain_text("Notifications")
    expect(link).to_have_attribute("aria-current", "page")
    check_accessibility(page, context="header")
    assert_no_browser_errors(page)
