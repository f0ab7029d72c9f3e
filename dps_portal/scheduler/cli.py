"""`flask scheduler` (the scheduler as its own process) and `flask run-job JOB_ID`."""

import logging
import signal
import sys
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from dps_portal.scheduler.models import JobOutcome
from dps_portal.scheduler.registry import all_jobs
from dps_portal.scheduler.runner import build_scheduler, run_job


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs until stopped. Run exactly one of these per database."""
    app = current_app._get_current_object()
    _log_runs(app)
    scheduler = build_scheduler(app, background=False)
    if threading.current_thread() is threading.main_thread():
        # systemd and containers stop with SIGTERM: let a running job finish first.
        signal.signal(signal.SIGTERM, _exit_on_signal)
    click.echo(f"Scheduler running {len(all_jobs())} jobs. Stop it with Ctrl+C.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
    click.echo("Scheduler stopped.")


def _exit_on_signal(signum, _frame) -> None:
    raise SystemExit(0)


def _log_runs(app) -> None:
    """Log each run at INFO through the app's logger (Flask gives it a handler to stderr
    unless logging is configured already)."""
    app.logger.setLevel(logging.INFO)
    # APScheduler says "running job ..." every minute; the runner's own line is enough.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@click.command("run-job")
@click.argument("job_id")
@with_appcontext
def run_job_command(job_id: str) -> None:
    """Run one scheduled job once, now, and print what it counted."""
    known = [job.id for job in all_jobs()]
    if job_id not in known:
        raise click.BadParameter(
            f"no job called {job_id!r}; the jobs are: {', '.join(known)}", param_hint="JOB_ID"
        )
    run = run_job(current_app._get_current_object(), job_id)
    if run.outcome is JobOutcome.failed:
        click.echo(f"{job_id} failed:\n{run.error}", err=True)
        sys.exit(1)
    counts = ", ".join(f"{key}: {value}" for key, value in (run.counts or {}).items())
    click.echo(f"{job_id} succeeded. {counts or 'Nothing counted.'}")
