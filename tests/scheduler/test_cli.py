"""`flask run-job` and `flask scheduler`, through Flask's CLI test runner."""

import threading
import time

from sqlalchemy import select

from dps_portal.scheduler.models import JobOutcome, JobRun
from dps_portal.scheduler.registry import all_jobs
from dps_portal.scheduler.runner import EXTENSION_KEY
from tests.factories import make_user


def test_run_job_runs_a_job_once_and_prints_its_counts(app, db):
    result = app.test_cli_runner().invoke(args=["run-job", "deliver_outbox"])

    assert result.exit_code == 0, result.output
    assert result.output == (
        "deliver_outbox succeeded. sent: 0, retrying: 0, failed: 0, queued: 0, "
        "smtp: not configured\n"
    )
    [run] = db.session.scalars(select(JobRun)).all()
    assert run.job_id == "deliver_outbox"
    assert run.outcome is JobOutcome.succeeded


def test_run_job_refuses_an_unknown_job_and_lists_the_known_ones(app, db):
    result = app.test_cli_runner().invoke(args=["run-job", "send_everything"])

    assert result.exit_code == 2
    assert "no job called 'send_everything'" in result.output
    assert "deliver_outbox, verify_audit_chain" in result.output
    assert db.session.scalars(select(JobRun)).all() == []


def test_run_job_exits_with_an_error_when_the_job_fails(app, db, test_jobs):
    make_user()
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["run-job", "write_then_fail"])

    assert result.exit_code == 1
    assert "write_then_fail failed:" in result.output
    assert "RuntimeError: the job broke half way" in result.output
    [run] = db.session.scalars(select(JobRun)).all()
    assert run.outcome is JobOutcome.failed


def test_the_scheduler_command_runs_until_it_is_stopped(app, db, empty_job_store):
    outcome = {}

    def run_command() -> None:
        outcome["result"] = app.test_cli_runner().invoke(args=["scheduler"])

    command = threading.Thread(target=run_command)
    command.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        scheduler = app.extensions.get(EXTENSION_KEY)
        if scheduler is not None and scheduler.running:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the scheduler did not start")
    scheduler.shutdown(wait=True)
    command.join(timeout=15)

    assert not command.is_alive()
    result = outcome["result"]
    assert result.exit_code == 0, result.output
    assert f"Scheduler running {len(all_jobs())} jobs." in result.output
    assert "Scheduler stopped." in result.output
    with empty_job_store.connect() as connection:
        stored = connection.exec_driver_sql("SELECT id FROM apscheduler_jobs").scalars().all()
    assert sorted(stored) == sorted(job.id for job in all_jobs())
