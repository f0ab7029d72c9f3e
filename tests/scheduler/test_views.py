"""The administrators' page of scheduled jobs and their runs."""

from datetime import UTC, datetime, timedelta

import pytest

from dps_portal.core.roles import Role
from dps_portal.extensions import db as _db
from dps_portal.scheduler.models import JobOutcome, JobRun
from dps_portal.scheduler.runner import build_scheduler
from tests.conftest import sign_in
from tests.factories import make_user

START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def _run(job_id: str, outcome: JobOutcome, started_at: datetime, **fields) -> JobRun:
    run = JobRun(
        job_id=job_id,
        outcome=outcome,
        started_at=started_at,
        finished_at=started_at + timedelta(seconds=2),
        **fields,
    )
    _db.session.add(run)
    return run


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/jobs")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in")


@pytest.mark.parametrize("role", [Role.provider, Role.contracts_officer, Role.quality_monitor])
def test_only_administrators_see_the_jobs(app, db, client, role):
    user = make_user(role)
    db.session.commit()
    sign_in(client, user)
    assert client.get("/admin/jobs").status_code == 403


def test_the_page_lists_the_jobs_and_their_recent_runs(app, db, client):
    admin = make_user(Role.administrator)
    _run("deliver_outbox", JobOutcome.succeeded, START, counts={"sent": 3, "retrying": 1})
    _run(
        "verify_audit_chain",
        JobOutcome.failed,
        START - timedelta(hours=8),
        error="Traceback (most recent call last):\n  ...\nRuntimeError: <b>database gone</b>\n",
    )
    db.session.commit()
    sign_in(client, admin)

    page = client.get("/admin/jobs").get_data(as_text=True)

    assert "Send the emails waiting in the outbox" in page
    assert "Every minute" in page
    assert "Every day at 2:30am (UK time)" in page
    assert "Not scheduled" in page
    assert "sent: 3" in page
    assert "retrying: 1" in page
    assert "3 March 2026 at 10:00am (GMT)" in page
    assert "3 March 2026 at 2:00am (GMT)" in page
    assert "RuntimeError: &lt;b&gt;database gone&lt;/b&gt;" in page
    assert "<b>database gone</b>" not in page


def test_the_runs_can_be_narrowed_to_one_job(app, db, client):
    admin = make_user(Role.administrator)
    _run("deliver_outbox", JobOutcome.succeeded, START, counts={"sent": 7})
    _run("verify_audit_chain", JobOutcome.succeeded, START, counts={"events_checked": 41})
    db.session.commit()
    sign_in(client, admin)

    page = client.get("/admin/jobs?job=verify_audit_chain").get_data(as_text=True)

    assert "events checked: 41" in page
    assert "sent: 7" not in page


def test_next_run_times_come_from_the_job_store(app, db, client, empty_job_store):
    admin = make_user(Role.administrator)
    db.session.commit()
    scheduler = build_scheduler(app, background=True)
    scheduler.start(paused=True)
    try:
        nightly = scheduler.get_job("verify_audit_chain").next_run_time
    finally:
        scheduler.shutdown(wait=False)
    sign_in(client, admin)

    page = client.get("/admin/jobs").get_data(as_text=True)

    assert "at 2:30am" in page
    assert nightly.strftime("%B %Y") in page
    assert "Not scheduled" not in page
