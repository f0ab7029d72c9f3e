"""The administrators' home page leads with what needs them: emails that could not be sent,
scheduled jobs failing, users locked out. Each count is the number made here, and each link
shows exactly those rows."""

import re
from datetime import timedelta

from dps_portal.accounts import operations as accounts
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.notifications.models import OutboxEmail, OutboxState
from dps_portal.scheduler.models import JobOutcome, JobRun
from dps_portal.scheduler.registry import all_jobs
from tests.conftest import sign_in
from tests.factories import make_user
from tests.main.test_officer_home import work_lines


def add_email(state: OutboxState, subject: str) -> OutboxEmail:
    email = OutboxEmail(to_address="someone@example.com", subject=subject, body_text="Hello")
    email.state = state
    db.session.add(email)
    return email


def add_runs(job_id: str, *outcomes: JobOutcome) -> list[JobRun]:
    """Runs of the job an hour apart, oldest first."""
    start = clock.now() - timedelta(hours=len(outcomes))
    runs = []
    for number, outcome in enumerate(outcomes):
        run = JobRun(
            job_id=job_id,
            started_at=start + timedelta(hours=number),
            outcome=outcome,
            error="Traceback\nRuntimeError: the mail server refused"
            if outcome is JobOutcome.failed
            else "",
        )
        if outcome is not JobOutcome.running:
            run.finished_at = run.started_at + timedelta(minutes=1)
        db.session.add(run)
        runs.append(run)
    db.session.flush()
    return runs


def test_each_line_counts_what_needs_the_administrator_and_links_to_exactly_it(client, db, app):
    admin = make_user(Role.administrator)
    failed = [
        add_email(OutboxState.failed, "Failed one"),
        add_email(OutboxState.failed, "Failed two"),
    ]
    add_email(OutboxState.queued, "Still trying")
    add_email(OutboxState.sent, "Sent")

    first, second, third, fourth = (job.id for job in all_jobs()[:4])
    failing = [
        add_runs(first, JobOutcome.succeeded, JobOutcome.failed)[-1],
        add_runs(fourth, JobOutcome.failed, JobOutcome.failed)[-1],
    ]
    add_runs(second, JobOutcome.failed, JobOutcome.succeeded)  # recovered
    add_runs(third, JobOutcome.failed, JobOutcome.running)  # being tried again
    add_runs("a_job_no_longer_registered", JobOutcome.failed)

    # Locked out through the sign-in form's rule, and by hand.
    locked = make_user(Role.quality_monitor, password="right-password-1234")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        accounts.sign_in(locked.email, "wrong password", "192.0.2.1")
    also_locked = make_user(Role.provider, locked_until=clock.now() + timedelta(minutes=5))
    make_user(Role.provider, locked_until=clock.now() - timedelta(minutes=1))  # lock over
    make_user(Role.provider, is_active=False, locked_until=clock.now() + timedelta(minutes=5))
    db.session.commit()
    assert locked.is_locked()
    sign_in(client, admin)

    lines = work_lines(client.get("/admin").get_data(as_text=True))

    assert list(lines) == ["emails-failed", "jobs-failing", "users-locked-out"]
    count, href, _text = lines["emails-failed"]
    page = client.get(href).get_data(as_text=True)
    assert count == 2
    assert set(re.findall(r'href="/admin/outbox/(\d+)"', page)) == {str(e.id) for e in failed}

    count, href, _text = lines["jobs-failing"]
    page = client.get(href).get_data(as_text=True)
    assert count == 2
    runs = page.split('id="runs"')[1]
    first_cells = r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell">(\w+)</td>'
    shown = re.findall(first_cells, runs)
    assert sorted(shown) == sorted(run.job_id for run in failing)

    count, href, _text = lines["users-locked-out"]
    page = client.get(href).get_data(as_text=True)
    assert count == 2
    assert set(re.findall(r'href="/admin/users/(\d+)"', page)) == {
        str(locked.id),
        str(also_locked.id),
    }
    assert "2 users locked out" in page


def test_nothing_waiting_and_the_portals_figures(client, db):
    admin = make_user(Role.administrator)
    make_user(Role.quality_monitor, is_active=False, password=None)
    add_email(OutboxState.queued, "Waiting")
    db.session.commit()
    sign_in(client, admin)

    page = client.get("/admin").get_data(as_text=True)

    assert work_lines(page) == {}
    assert "Nothing needs you" in page
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Users 2 (1 active)" in text
    assert "Emails waiting to be sent 1" in text


def test_the_jobs_page_filters_to_the_failing_jobs(client, db):
    admin = make_user(Role.administrator)
    first, second = (job.id for job in all_jobs()[:2])
    add_runs(first, JobOutcome.failed, JobOutcome.succeeded)
    add_runs(second, JobOutcome.failed, JobOutcome.failed)
    db.session.commit()
    sign_in(client, admin)

    every = client.get("/admin/jobs").get_data(as_text=True)
    failing = client.get("/admin/jobs?show=failing").get_data(as_text=True)

    assert "Show only the jobs whose last run failed" in every
    assert every.split('id="runs"')[1].count('<td class="govuk-table__cell">' + second) == 2
    runs = failing.split('id="runs"')[1]
    assert runs.count(f'<td class="govuk-table__cell">{second}</td>') == 1
    assert first not in runs
    assert "Show the runs of every job" in runs

    with clock.frozen(clock.now() + timedelta(hours=1)):
        add_runs(second, JobOutcome.succeeded)
        db.session.commit()
    failing = client.get("/admin/jobs?show=failing").get_data(as_text=True)
    assert "No job is failing" in failing
