"""`flask import-cqc PATH`: bring the CQC's published directory or ratings file into the portal."""

import os
import sys

import click
from flask.cli import with_appcontext

from dps_portal.cqc.importer import CqcImportError
from dps_portal.cqc.runner import import_path


@click.command("import-cqc")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_cqc_command(path: str) -> None:
    """Import a CQC directory or ratings file (CSV or .ods), committing every thousand rows
    or so. A progress bar shows on a terminal (on stderr, so the summary can be piped)."""
    try:
        summary = _import_with_bar(path) if sys.stderr.isatty() else import_path(path)
    except CqcImportError as error:
        raise click.ClickException(str(error)) from error
    for line in summary.lines():
        click.echo(line)


def _import_with_bar(path: str):
    with click.progressbar(length=os.path.getsize(path), label="Importing", file=sys.stderr) as bar:
        done = 0

        def advance(bytes_read: int) -> None:
            nonlocal done
            bar.update(bytes_read - done)
            done = bytes_read

        return import_path(path, progress=advance)
