"""Running jobs and recording their runs; the APScheduler job store in the portal's database."""

import pickle
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from dps_portal.core import clock
from dps_portal.extensions import db as _db
from dps_portal.notifications.models import Notification
from dps_portal.scheduler import runner
from dps_portal.scheduler.models import JobOutcome, JobRun
from dps_portal.scheduler.registry import Job, all_jobs, get_job
from dps_portal.scheduler.runner import (
    JOBSTORE_TABLE,
    RUN_REGISTERED_JOB,
    build_scheduler,
    run_job,
    run_registered_job,
)
from tests.factories import make_user

START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
UK = ZoneInfo("Europe/London")


def _notifications(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification))


def _store_rows(engine) -> dict[str, float | None]:
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT id, next_run_time FROM {JOBSTORE_TABLE}"))
        return dict(rows.all())


# The registry.


def test_every_feature_job_is_registered_once():
    ids = [job.id for job in all_jobs()]
    assert ids == [
        "deliver_outbox",
        "verify_audit_chain",
        "prune_job_runs",
        "remove_abandoned_document_files",
        "remind_decisions_due",
        "remind_declarations_overdue",
        "remind_terms_to_accept",
        "remind_visits_due",
        "remind_actions_due",
        "open_quarterly_returns",
        "remind_returns",
        "remind_evidence_expiring",
        "run_queued_cqc_imports",
        "produce_framework_summary",
        "remind_stale_vacancies",
        "apply_uplifts",
        "remind_tender_invitees",
        "tell_tender_bids_ready_to_open",
        "remind_tender_no_award",
        "tell_tender_standstill_ended",
        "remind_reviews_due",
        "record_lapsed_offers",
    ]
    assert get_job("verify_audit_chain").schedule_text == "Every day at 2:30am (UK time)"
    assert get_job("deliver_outbox").schedule_text == "Every minute"


@pytest.mark.parametrize(
    ("trigger", "args", "text"),
    [
        ("interval", {"minutes": 1}, "Every minute"),
        ("interval", {"minutes": 15}, "Every 15 minutes"),
        ("interval", {"hours": 1}, "Every hour"),
        ("cron", {"hour": 14, "minute": 5}, "Every day at 2:05pm (UK time)"),
        ("cron", {"hour": 0, "minute": 0}, "Every day at 12:00am (UK time)"),
        ("cron", {"day_of_week": "mon", "hour": 9}, "Cron: day_of_week=mon, hour=9"),
    ],
)
def test_schedules_read_as_people_say_them(trigger, args, text):
    assert Job("a_job", "x:y", trigger, args).schedule_text == text


def test_a_job_names_a_known_trigger():
    with pytest.raises(ValueError, match="trigger"):
        Job("a_job", "x:y", "date")


def test_a_job_given_by_its_dotted_path_resolves_to_the_function(test_jobs):
    from tests.scheduler.jobs_for_tests import write_then_fail

    assert get_job("write_then_fail").resolve() is write_then_fail


# run_job.


def test_run_job_records_a_succeeded_run_with_the_jobs_counts(app, db, test_jobs):
    make_user()
    db.session.commit()

    with clock.frozen(START):
        run = run_job(app, "write_and_count", now=START)

    assert run.outcome is JobOutcome.succeeded
    assert run.counts == {"written": 1, "at": "2026-03-03 10:00:00+00:00"}
    assert run.started_at == START
    assert run.finished_at == START
    assert run.error == ""
    stored = db.session.get(JobRun, run.id)
    assert stored.outcome is JobOutcome.succeeded
    # The job's work was committed.
    assert _notifications(db) == 1


def test_a_job_that_raises_is_rolled_back_and_its_run_saved_as_failed(app, db, test_jobs):
    make_user()
    db.session.commit()

    run = run_job(app, "write_then_fail")

    assert run.outcome is JobOutcome.failed
    assert "RuntimeError: the job broke half way" in run.error
    assert "Traceback" in run.error
    assert run.finished_at is not None
    assert run.counts is None
    assert db.session.get(JobRun, run.id).outcome is JobOutcome.failed
    assert _notifications(db) == 0


def test_a_real_job_runs_through_run_job(app, db):
    run = run_job(app, "deliver_outbox")
    assert run.outcome is JobOutcome.succeeded
    assert run.counts == {
        "sent": 0,
        "retrying": 0,
        "failed": 0,
        "queued": 0,
        "smtp": "not configured",
    }


def test_an_unknown_job_is_refused_before_anything_is_recorded(app, db):
    with pytest.raises(KeyError):
        run_job(app, "no_such_job")
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0


# The scheduler and its job store.


def test_build_scheduler_stores_every_registered_job_once(app, db, empty_job_store):
    for _ in range(2):
        scheduler = build_scheduler(app, background=True)
        scheduler.start(paused=True)
        scheduler.shutdown(wait=False)

    rows = _store_rows(empty_job_store)
    assert sorted(rows) == sorted(job.id for job in all_jobs())
    assert all(next_run is not None for next_run in rows.values())


def test_stored_jobs_call_the_runner_by_reference_in_uk_time(app, db, empty_job_store):
    scheduler = build_scheduler(app, background=True)
    scheduler.start(paused=True)
    try:
        nightly = scheduler.get_job("verify_audit_chain")
        outbox = scheduler.get_job("deliver_outbox")
    finally:
        scheduler.shutdown(wait=False)

    assert nightly.func_ref == RUN_REGISTERED_JOB
    assert nightly.args == ("verify_audit_chain",)
    assert nightly.coalesce is True
    assert nightly.max_instances == 1
    next_run = nightly.next_run_time.astimezone(UK)
    assert (next_run.hour, next_run.minute) == (2, 30)
    assert outbox.trigger.interval == timedelta(minutes=1)
    # What is stored must pickle: a reference and plain arguments, never the app.
    with empty_job_store.connect() as connection:
        state = connection.execute(
            text(f"SELECT job_state FROM {JOBSTORE_TABLE} WHERE id = 'deliver_outbox'")
        ).scalar_one()
    assert pickle.loads(state)["func"] == RUN_REGISTERED_JOB


def test_a_job_no_longer_registered_is_removed_from_the_store(app, db, empty_job_store):
    scheduler = build_scheduler(app, background=True)
    scheduler.start(paused=True)
    scheduler.shutdown(wait=False)
    with empty_job_store.begin() as connection:
        connection.execute(
            text(
                f"INSERT INTO {JOBSTORE_TABLE} (id, next_run_time, job_state) "
                "VALUES ('retired_job', 0, :state)"
            ),
            {"state": b"not a job"},
        )

    build_scheduler(app, background=True)

    assert "retired_job" not in _store_rows(empty_job_store)


def test_the_running_scheduler_runs_a_due_job_and_records_it(app, db, test_jobs, empty_job_store):
    make_user()
    db.session.commit()
    scheduler = build_scheduler(app, background=True)
    scheduler.start()
    try:
        scheduler.modify_job("write_and_count", next_run_time=datetime.now(UTC))
        deadline = time.monotonic() + 15
        run = None
        while run is None and time.monotonic() < deadline:
            time.sleep(0.1)
            db.session.rollback()
            run = db.session.scalars(
                select(JobRun).where(
                    JobRun.job_id == "write_and_count", JobRun.finished_at.is_not(None)
                )
            ).first()
    finally:
        scheduler.shutdown(wait=True)

    assert run is not None, "the scheduler did not run the job"
    assert run.outcome is JobOutcome.succeeded
    assert run.counts["written"] == 1
    assert _notifications(db) == 1


def test_run_registered_job_uses_the_app_build_scheduler_was_given(app, db, empty_job_store):
    build_scheduler(app, background=True)
    run_registered_job("deliver_outbox")
    run_registered_job("a_job_removed_since")  # logged and ignored
    assert db.session.scalars(select(JobRun.job_id)).all() == ["deliver_outbox"]


# Starting inside the web process.


@pytest.mark.app_config(SCHEDULER_MODE="inside", TESTING=False)
def test_inside_mode_starts_one_scheduler_on_the_first_request(
    app, client, empty_job_store, monkeypatch
):
    monkeypatch.setattr(runner, "_in_process_pid", None)
    assert runner.EXTENSION_KEY not in app.extensions

    client.get("/healthz")
    scheduler = app.extensions[runner.EXTENSION_KEY]
    try:
        client.get("/healthz")
        assert app.extensions[runner.EXTENSION_KEY] is scheduler
        assert scheduler.running
        assert sorted(_store_rows(empty_job_store)) == sorted(job.id for job in all_jobs())
    finally:
        scheduler.shutdown(wait=True)


@pytest.mark.parametrize(
    "settings",
    [{"SCHEDULER_MODE": "off", "TESTING": False}, {"SCHEDULER_MODE": "inside", "TESTING": True}],
)
def test_no_scheduler_starts_when_off_or_under_test(database_url, settings, monkeypatch):
    from dps_portal import create_app

    monkeypatch.setattr(runner, "_in_process_pid", None)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **settings})
    app.test_client().get("/healthz")
    with app.app_context():
        _db.engine.dispose()
    assert runner.EXTENSION_KEY not in app.extensions
    assert runner._in_process_pid is None
