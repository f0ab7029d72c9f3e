"""Running scheduled jobs: APScheduler decides when, run_job runs one and records it."""

import atexit
import json
import logging
import os
import threading
import time
import traceback
from datetime import datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy.pool import NullPool

from dps_portal.core import clock
from dps_portal.core.states import move
from dps_portal.extensions import db
from dps_portal.scheduler.models import JobOutcome, JobRun
from dps_portal.scheduler.registry import all_jobs, get_job

# The job store's table in the portal's database (left out of the migrations: APScheduler
# creates it).
JOBSTORE_TABLE = "apscheduler_jobs"
SCHEDULER_TIMEZONE = clock.UK
# A run missed by up to an hour (a restart, a slow job) still happens, once.
MISFIRE_GRACE_SECONDS = 3600
# Jobs in the store name this function and their job id, so they pickle by reference.
RUN_REGISTERED_JOB = "dps_portal.scheduler.runner:run_registered_job"
EXTENSION_KEY = "dps_scheduler"

logger = logging.getLogger(__name__)

# The app the scheduler's jobs run in, set by build_scheduler.
_app: Flask | None = None
_in_process_lock = threading.Lock()
_in_process_pid: int | None = None


def run_job(app: Flask, job_id: str, now: datetime | None = None) -> JobRun:
    """Run one registered job now, in its own app context, and keep a JobRun of it.

    The run is recorded as running before the job starts. The job's work is committed with
    its outcome when it returns; when it raises, its work is rolled back and the run is still
    saved, as failed. This is the one place a job's work is committed."""
    job = get_job(job_id)
    func = job.resolve()
    with app.app_context():
        run = JobRun(job_id=job_id, started_at=clock.now(), outcome=JobOutcome.running)
        db.session.add(run)
        keep_progress()
        run_id = run.id
        began = time.monotonic()
        try:
            counts = func(now=now)
            db.session.flush()
        except Exception:
            db.session.rollback()
            logger.exception("Job %s failed", job_id)
            run = _finish(run_id, JobOutcome.failed)
            run.error = traceback.format_exc()
        else:
            run = _finish(run_id, JobOutcome.succeeded)
            run.counts = _as_json(counts)
        keep_progress()
        db.session.refresh(run)
        db.session.expunge(run)
    logger.info(
        "Job %s %s in %.1fs: %s",
        job_id,
        run.outcome.value.lower(),
        time.monotonic() - began,
        run.counts if run.has_succeeded else run.error.strip().splitlines()[-1],
    )
    return run


def keep_progress() -> None:
    """Commit the work done so far: at the end of a job, or after each part of a long job
    that must not be done twice (an email the server accepted) or lost (a batch imported)."""
    db.session.commit()


def _finish(run_id: int, outcome: JobOutcome) -> JobRun:
    # Jobs may detach objects (the audit check does): load the run afresh.
    run = db.session.get(JobRun, run_id)
    move(run, outcome, column="outcome")
    return run


def _as_json(counts) -> dict | None:
    """What the job returned, as it will read back from the JSON column."""
    if counts is None:
        return None
    if not isinstance(counts, dict):
        counts = {"result": counts}
    return json.loads(json.dumps(counts, default=str))


def run_registered_job(job_id: str) -> None:
    """What APScheduler calls (by its textual reference) for every job in the store."""
    if _app is None:
        raise RuntimeError("build_scheduler has not been called in this process")
    try:
        get_job(job_id)
    except KeyError:
        logger.warning("Job %s is in the job store but no longer registered", job_id)
        return
    run_job(_app, job_id)


def build_scheduler(app: Flask, background: bool) -> BaseScheduler:
    """A scheduler with every registered job, its store in the portal's own database.

    Jobs no longer registered are removed from the store; the others are replaced, so
    building it again never duplicates a job. Call .start() on the answer."""
    global _app
    _app = app
    jobs = all_jobs()
    store = SQLAlchemyJobStore(
        url=app.config["SQLALCHEMY_DATABASE_URI"],
        tablename=JOBSTORE_TABLE,
        # The store is read about once a minute: a connection each time costs nothing, and
        # none is left open after shutdown (APScheduler reads the store once more then).
        engine_options={"poolclass": NullPool},
    )
    _forget_unregistered_jobs(store, {job.id for job in jobs})
    scheduler_class = BackgroundScheduler if background else BlockingScheduler
    scheduler = scheduler_class(
        jobstores={"default": store},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
        timezone=SCHEDULER_TIMEZONE,
    )
    for job in jobs:
        scheduler.add_job(
            RUN_REGISTERED_JOB,
            trigger=job.trigger,
            args=(job.id,),
            id=job.id,
            name=job.description or job.id,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
            **job.trigger_args,
        )
    app.extensions[EXTENSION_KEY] = scheduler
    return scheduler


def _forget_unregistered_jobs(store: SQLAlchemyJobStore, registered: set[str]) -> None:
    table = store.jobs_t
    table.create(store.engine, checkfirst=True)
    with store.engine.begin() as connection:
        connection.execute(table.delete().where(table.c.id.not_in(registered)))


def start_in_process_if_configured(app: Flask) -> None:
    """With SCHEDULER_MODE "inside" (the demo), run the scheduler in the web process.

    It starts on the process's first request, once per process: so never in the Werkzeug
    reloader's parent (which serves nothing), nor in `flask db upgrade` or another command.
    Never in tests. Production uses "off" and runs `flask scheduler` as one process."""
    if app.config.get("SCHEDULER_MODE") != "inside" or app.testing:
        return

    def start_scheduler_once() -> None:
        _start_in_process(app)

    app.before_request(start_scheduler_once)


def _start_in_process(app: Flask) -> None:
    global _in_process_pid
    if _in_process_pid == os.getpid():
        return
    with _in_process_lock:
        if _in_process_pid == os.getpid():
            return
        _in_process_pid = os.getpid()
        try:
            scheduler = build_scheduler(app, background=True)
            scheduler.start()
        except Exception:
            logger.exception("The in-process scheduler did not start")
            return
        atexit.register(_shut_down_quietly, scheduler)
        logger.info("Scheduler started in the web process (%s)", os.getpid())


def _shut_down_quietly(scheduler: BaseScheduler) -> None:
    if scheduler.running:
        scheduler.shutdown(wait=False)
