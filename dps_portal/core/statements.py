"""Counting the SQL statements a request makes: a page's count must not grow with the data.

With COUNT_SQL_STATEMENTS on (the benchmark turns it on), every response says how many
statements its request sent in the header X-SQL-Statements. Tests count a block of code with
`count_statements()`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, g, has_request_context
from sqlalchemy import event

from dps_portal.extensions import db

HEADER = "X-SQL-Statements"


def init_app(app: Flask) -> None:
    """Call before web.init_app: the count then starts before any other before_request and
    is read after the request's commit."""
    if not app.config.get("COUNT_SQL_STATEMENTS"):
        return
    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "before_cursor_execute", _count_for_request)
    app.before_request(_start_counting)
    app.after_request(_report_count)


def _count_for_request(_connection, _cursor, _statement, _parameters, _context, _many) -> None:
    if has_request_context() and "sql_statements" in g:
        g.sql_statements += 1


def _start_counting() -> None:
    g.sql_statements = 0


def _report_count(response):
    response.headers[HEADER] = str(g.get("sql_statements", 0))
    return response


@dataclass
class StatementCount:
    count: int = 0


@contextmanager
def count_statements() -> Iterator[StatementCount]:
    """Count the statements sent on the current app's engine inside the block."""
    counted = StatementCount()

    def count(*_args) -> None:
        counted.count += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", count)
