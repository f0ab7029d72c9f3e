"""The portal's one clock: UTC inside, Europe/London on screen and on paper."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")

_source: Callable[[], datetime] | None = None


def now() -> datetime:
    """The current instant, timezone-aware in UTC; tests may replace the source."""
    if _source is not None:
        return _source().astimezone(UTC)
    return datetime.now(UTC)


def today_uk() -> date:
    """Today's date as a person in England would give it."""
    return now().astimezone(UK).date()


def set_source(source: Callable[[], datetime] | None) -> None:
    global _source
    _source = source


class FrozenClock:
    """A clock for tests: stands still until moved."""

    def __init__(self, instant: datetime) -> None:
        self.instant = ensure_utc(instant)

    def __call__(self) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> None:
        self.instant += delta

    def set(self, instant: datetime) -> None:
        self.instant = ensure_utc(instant)


@contextmanager
def frozen(instant: datetime) -> Iterator[FrozenClock]:
    clock = FrozenClock(instant)
    previous = _source
    set_source(clock)
    try:
        yield clock
    finally:
        set_source(previous)


def ensure_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not accepted: give a timezone")
    return value.astimezone(UTC)


def uk_to_utc(value: datetime) -> datetime:
    """A wall-clock time typed in England (naive) as the UTC instant it names."""
    return value.replace(tzinfo=UK).astimezone(UTC)


def start_of_uk_day(day: date) -> datetime:
    """The UTC instant a day begins in England: midnight there, BST or GMT."""
    return datetime.combine(day, time(0), tzinfo=UK).astimezone(UTC)


def to_uk(value: datetime) -> datetime:
    return ensure_utc(value).astimezone(UK)


def format_date(value: date | datetime | None) -> str:
    """'3 March 2026', the GOV.UK style."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_uk(value).date()
    # The month's name from a tuple: strftime's %B cost ten times as much, on every date a
    # list shows.
    return f"{value.day} {_MONTHS[value.month]} {value.year}"


_MONTHS = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_datetime(value: datetime | None) -> str:
    """'3 March 2026 at 2:05pm (GMT)': the instant in UK time, with the zone people read."""
    if value is None:
        return ""
    local = to_uk(value)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    if local.hour == 12 and local.minute == 0:
        clock_text = "midday"
    elif local.hour == 0 and local.minute == 0:
        clock_text = "midnight"
    else:
        clock_text = f"{hour}:{local.minute:02d}{suffix}"
    return f"{format_date(local.date())} at {clock_text} ({local.tzname()})"
