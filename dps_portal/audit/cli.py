import click
from flask.cli import AppGroup

from dps_portal.audit.operations import verify_chain

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check every event's hash and link; exit 1 naming the first broken event."""
    report = verify_chain()
    if report.is_intact:
        click.echo(f"Audit chain intact: {report.events_checked} events checked.")
        return
    click.echo(f"Audit chain broken at {report.first_break}.", err=True)
    click.echo(f"{report.events_checked} events before it are intact.", err=True)
    raise SystemExit(1)
