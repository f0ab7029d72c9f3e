"""The register's pages (see blueprint.py): the list for contracts officers and quality
monitors, and its CSV, whose every copy is audited."""

import csv
import io
from collections.abc import Iterable, Iterator

from flask import Response, current_app, render_template, request
from flask_login import current_user

from dps_portal.core import clock
from dps_portal.core.access import declared_access, role_required
from dps_portal.core.roles import Role
from dps_portal.core.web import requested_page
from dps_portal.framework.models import current_framework
from dps_portal.register import operations, queries
from dps_portal.register.forms import RegisterSearchForm

register_readers = role_required(Role.contracts_officer, Role.quality_monitor)

# The pages a row links to; each is shown to those who may reach it.
RECORD_PAGES = (
    "providers.show_provider",
    "review.show_application",
    "quality.show_visit",
    "returns.show_return",
    "evidence.provider_evidence",
    "placements.list_register",
)


def _search():
    """The search form as typed, and the filters its valid values ask for."""
    framework = current_framework()
    form = RegisterSearchForm(request.args)
    form.set_choices(framework)
    filters = queries.RegisterFilters.from_values(form.valid_data())
    categories = list(framework.categories) if framework else []
    return form, filters, categories


def _reachable() -> set[str]:
    """The record pages the signed-in user may open (their declared access)."""
    return {
        endpoint
        for endpoint in RECORD_PAGES
        if current_user.role in (declared_access(current_app.view_functions.get(endpoint)) or ())
    }


@register_readers
def list_register():
    form, filters, categories = _search()
    today = clock.today_uk()
    page, rows = queries.register_page(filters, requested_page(), today)
    return render_template(
        "register/list_register.html",
        form=form,
        filters=filters,
        args=filters.as_args(),
        page=page,
        rows=rows,
        counts=queries.standing_counts(filters, today),
        standings=list(queries.Standing),
        categories=categories,
        reachable=_reachable(),
        today=today,
    )


# A cell that a spreadsheet would read as a formula is written as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


# The CSV is sent in pieces of about this many characters as its lines are read.
CSV_CHUNK = 16_384


def _csv_text(header: list[str], lines: Iterable[Iterable[object]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_cell(value) for value in header])
    for line in lines:
        writer.writerow([_cell(value) for value in line])
        if buffer.tell() >= CSV_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


class _Streamed:
    """The CSV's text a piece at a time, each piece read in an application context of its own:
    the request's has ended by the time the server sends the body (its audit event committed
    with it), and a context entered and left within one step is left wherever the next piece
    is asked for, or the stream closed, from."""

    def __init__(self, app, pieces: Iterator[str]):
        self._app = app
        self._pieces = pieces

    def __iter__(self):
        return self

    def __next__(self) -> str:
        with self._app.app_context():
            return next(self._pieces)

    def close(self) -> None:
        with self._app.app_context():
            self._pieces.close()


@register_readers
def export_register():
    _form, filters, categories = _search()
    today = clock.today_uk()
    operations.record_export(filters, by=current_user)
    header = queries.csv_header(categories)
    lines = queries.csv_rows(filters, today, [category.id for category in categories])
    return Response(
        _Streamed(current_app._get_current_object(), _csv_text(header, lines)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="dps-register-{today.isoformat()}.csv"'
        },
    )
