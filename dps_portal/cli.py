"""The portal's flask commands, gathered from each feature, and the one way a command keeps
its work."""

import functools

from dps_portal.extensions import db
from dps_portal.scheduler.runner import keep_progress


def committed(command):
    """A command's work is committed once, when it ends; an error (or an exit) rolls back
    what it has not kept already. Put it under @with_appcontext."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            result = command(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        keep_progress()
        return result

    return run


def register_commands(app) -> None:
    from dps_portal.audit.cli import audit_cli
    from dps_portal.demo.cli import seed_demo_command
    from dps_portal.demo.county_cli import seed_county_command

    app.cli.add_command(audit_cli)

    from dps_portal.cqc.cli import import_cqc_command

    app.cli.add_command(import_cqc_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_county_command)

    from dps_portal.scheduler.cli import run_job_command, scheduler_command

    app.cli.add_command(scheduler_command)
    app.cli.add_command(run_job_command)
