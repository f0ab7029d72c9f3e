"""The portal's flask commands, gathered from each feature."""


def register_commands(app) -> None:
    from dps_portal.audit.cli import audit_cli
    from dps_portal.demo.cli import seed_demo_command

    app.cli.add_command(audit_cli)

    from dps_portal.cqc.cli import import_cqc_command

    app.cli.add_command(import_cqc_command)
    app.cli.add_command(seed_demo_command)

    from dps_portal.scheduler.cli import run_job_command, scheduler_command

    app.cli.add_command(scheduler_command)
    app.cli.add_command(run_job_command)
