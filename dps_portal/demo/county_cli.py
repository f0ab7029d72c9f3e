"""`flask seed-county`: the benchmark's dataset (dps_portal/demo/county.py)."""

import time

import click
from flask.cli import with_appcontext

from dps_portal.cli import committed


@click.command("seed-county")
@click.option(
    "--scale",
    type=click.FloatRange(min=0.001),
    default=1.0,
    show_default=True,
    help="1.0 is a large county: 1,000 providers, 3,000 homes, 300,000 audit events.",
)
@with_appcontext
def seed_county_command(scale: float) -> None:
    """Add a county's years of data on top of the demo, for the benchmark (PostgreSQL)."""
    from dps_portal.demo.county import CountyExists, analyse, seed_county

    started = time.monotonic()
    click.echo(f"Building the county at scale {scale}:")
    try:
        counts = committed(seed_county)(scale, log=click.echo)
    except (CountyExists, LookupError, RuntimeError) as problem:
        raise click.ClickException(str(problem)) from problem
    analyse()
    click.echo(f"County data ready in {time.monotonic() - started:.1f}s:")
    for table, count in sorted(counts.items()):
        click.echo(f"  {table:<24} {count:>8,}")
