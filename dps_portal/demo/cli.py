import click
from flask.cli import with_appcontext

from dps_portal.cli import committed
from dps_portal.demo.seed import DEMO_LOGINS, seed_demo


@click.command("seed-demo")
@with_appcontext
@committed
def seed_demo_command() -> None:
    """Load the demo data. Safe to run again: what exists already is left as it is."""
    created = seed_demo()
    click.echo(f"Demo data ready ({created} records added).")
    click.echo(f"Demo sign-ins (password for all: {DEMO_LOGINS[0].password}):")
    for login in DEMO_LOGINS:
        click.echo(f"  {login.role.label:<20} {login.email}")
