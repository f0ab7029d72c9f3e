"""Asking for the framework summary now, rather than waiting for its scheduled job."""

import threading

from flask import Flask, current_app, g

from dps_portal.core.errors import OperationRefused
from dps_portal.extensions import db
from dps_portal.framework.summary import JOB_ID, job_running_since
from dps_portal.scheduler.runner import run_job

# One request at a time in a process may start the job; the thread it started, while it runs,
# counts as the run going (before it has recorded its run).
_starting = threading.Lock()
_started: threading.Thread | None = None


def prepare_summary_now(app: Flask) -> threading.Thread:
    """Run the summary's job now, as the scheduler would (scheduler/runner.run_job: its own
    app context and session, its run recorded and committed), in a thread of its own so the
    request does not wait for the drawing. Refused while a run is already going."""
    global _started
    with _starting:
        if (_started is not None and _started.is_alive()) or job_running_since() is not None:
            raise OperationRefused(
                "The framework summary is already being prepared. It will be ready in a few "
                "minutes."
            )
        thread = threading.Thread(
            target=run_job, args=(app, JOB_ID), name="framework-summary", daemon=True
        )
        thread.start()
        _started = thread
    return thread


def wait_for_the_run_in_tests(_error=None) -> None:
    """Tests see the run an officer started finished, as a scheduled run leaves it: waited
    for once the request has ended (on SQLite its transaction holds the lock the run needs)."""
    run = g.pop("framework_summary_run", None)
    if run is not None and current_app.testing:
        # Whatever read the database after the request's commit holds no lock while we wait.
        db.session.rollback()
        run.join()
