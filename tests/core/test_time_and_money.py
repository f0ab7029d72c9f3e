from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from dps_portal.core import clock
from dps_portal.core.money import apply_percentage, format_gbp, to_money
from dps_portal.core.workingdays import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize(
    ("instant", "shown"),
    [
        (datetime(2026, 1, 15, 14, 5, tzinfo=UTC), "15 January 2026 at 2:05pm (GMT)"),
        (datetime(2026, 7, 15, 14, 5, tzinfo=UTC), "15 July 2026 at 3:05pm (BST)"),
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29 March 2026 at 12:59am (GMT)"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29 March 2026 at 2:00am (BST)"),
        (datetime(2026, 6, 30, 11, 0, tzinfo=UTC), "30 June 2026 at midday (BST)"),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "31 December 2026 at 11:30pm (GMT)"),
    ],
)
def test_instants_are_shown_in_uk_time(instant, shown):
    assert clock.format_datetime(instant) == shown


def test_a_late_evening_in_summer_is_the_next_day_in_utc_terms():
    assert clock.format_date(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == "2 July 2026"
    assert clock.uk_to_utc(datetime(2026, 7, 2, 0, 30)) == datetime(2026, 7, 1, 23, 30, tzinfo=UTC)


def test_the_clock_is_utc_and_replaceable():
    assert clock.now().tzinfo is UTC
    with clock.frozen(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) as frozen:
        assert clock.now() == datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
        assert clock.today_uk() == date(2026, 7, 2)
        frozen.advance(clock.timedelta(hours=1))
        assert clock.now().hour == 0
    assert clock.now().year >= 2026


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        clock.ensure_utc(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2251.425", "2251.43"),
        ("2251.424", "2251.42"),
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),
        (5, "5.00"),
    ],
)
def test_money_rounds_half_up_to_the_penny(value, expected):
    assert to_money(value) == Decimal(expected)


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        to_money(2251.43)


@pytest.mark.parametrize(
    ("amount", "percent", "expected"),
    [
        ("1000.00", "3.5", "1035.00"),
        ("2251.43", "4.2", "2345.99"),
        ("999.99", "0", "999.99"),
        ("100.01", "2.5", "102.51"),
    ],
)
def test_uplifts_round_half_up(amount, percent, expected):
    assert apply_percentage(Decimal(amount), Decimal(percent)) == Decimal(expected)


def test_pounds_are_shown_the_uk_way():
    assert format_gbp(Decimal("2251.43")) == "£2,251.43"
    assert format_gbp(Decimal("1002")) == "£1,002.00"
    assert format_gbp(Decimal("1002.50"), pence=False) == "£1,003"
    assert format_gbp(Decimal("-5")) == "-£5.00"
    assert format_gbp(None) == ""


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # An ordinary fortnight: Monday to the Monday two weeks later.
        (date(2026, 3, 2), date(2026, 3, 16)),
        # Christmas and New Year 2026: 25, 26 (Saturday, so 28 December) and 1 January.
        (date(2026, 12, 18), date(2027, 1, 6)),
        (date(2026, 12, 24), date(2027, 1, 12)),
        # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
        (date(2026, 3, 30), date(2026, 4, 15)),
        # Received on a Saturday: counting starts on Monday.
        (date(2026, 3, 7), date(2026, 3, 20)),
        # Early May and spring bank holidays 2027: 3 May and 31 May.
        (date(2027, 4, 30), date(2027, 5, 17)),
    ],
)
def test_ten_working_days_skip_weekends_and_bank_holidays_in_england(received, due):
    assert add_working_days(received, 10) == due
    assert working_days_between(received, due) == 10


def test_scottish_and_welsh_holidays_do_not_count():
    assert is_working_day(date(2027, 1, 4))  # 2 January holiday (substitute) is Scotland's
    assert is_working_day(date(2026, 11, 30))  # St Andrew's Day
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day substitute in England


def test_working_days_between_is_negative_when_overdue():
    assert working_days_between(date(2026, 3, 16), date(2026, 3, 12)) == -2
