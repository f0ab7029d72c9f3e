"""The one place for the returns' calendar: calendar quarters, each due one month after it
ends, and when a return is due soon. Its states are ReturnState's table."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

# A return due within this many days is "due soon": its provider is reminded
# (QualityReturn.is_due_soon).
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class Quarter:
    start: date
    end: date

    @property
    def due_on(self) -> date:
        """One month after the quarter ends: the last day of the following month
        (the quarter to 31 March is due by 30 April; to 31 December, by 31 January)."""
        year, month = self.end.year, self.end.month + 1
        if month == 13:
            year, month = year + 1, 1
        return date(year, month, calendar.monthrange(year, month)[1])

    @property
    def label(self) -> str:
        """'January to March 2026'."""
        return f"{self.start:%B} to {self.end:%B %Y}"


def quarter_containing(day: date) -> Quarter:
    first_month = 3 * ((day.month - 1) // 3) + 1
    last_month = first_month + 2
    return Quarter(
        start=date(day.year, first_month, 1),
        end=date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]),
    )


def last_ended_quarter(today: date) -> Quarter:
    """The quarter that ended most recently before `today`."""
    return quarter_containing(quarter_containing(today).start - timedelta(days=1))
