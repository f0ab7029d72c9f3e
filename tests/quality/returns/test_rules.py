"""The returns' calendar and states, as tables."""

from datetime import date

import pytest

from dps_portal.core.errors import InvalidTransition
from dps_portal.core.states import move
from dps_portal.quality.models import QualityReturn, ReturnState
from dps_portal.quality.returns import rules


@pytest.mark.parametrize(
    ("day", "start", "end", "due_on"),
    [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 3, 31), date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 31)),
        (date(2026, 8, 15), date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 31)),
        (date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 31)),
        (date(2024, 2, 29), date(2024, 1, 1), date(2024, 3, 31), date(2024, 4, 30)),
    ],
)
def test_calendar_quarters_are_due_a_month_after_they_end(day, start, end, due_on):
    quarter = rules.quarter_containing(day)
    assert (quarter.start, quarter.end, quarter.due_on) == (start, end, due_on)


@pytest.mark.parametrize(
    ("today", "start", "label"),
    [
        (date(2026, 4, 1), date(2026, 1, 1), "January to March 2026"),
        (date(2026, 6, 30), date(2026, 1, 1), "January to March 2026"),
        (date(2026, 7, 1), date(2026, 4, 1), "April to June 2026"),
        (date(2026, 10, 5), date(2026, 7, 1), "July to September 2026"),
        (date(2027, 1, 1), date(2026, 10, 1), "October to December 2026"),
        (date(2027, 2, 14), date(2026, 10, 1), "October to December 2026"),
    ],
)
def test_the_quarter_just_ended(today, start, label):
    quarter = rules.last_ended_quarter(today)
    assert quarter.start == start
    assert quarter.label == label


@pytest.mark.parametrize(
    ("state", "new", "allowed"),
    [
        (ReturnState.due, ReturnState.submitted, True),
        (ReturnState.due, ReturnState.reviewed, False),
        (ReturnState.submitted, ReturnState.reviewed, True),
        (ReturnState.submitted, ReturnState.due, False),
        (ReturnState.reviewed, ReturnState.due, False),
        (ReturnState.reviewed, ReturnState.submitted, False),
    ],
)
def test_transitions(state, new, allowed):
    quality_return = QualityReturn(state=state)
    if allowed:
        move(quality_return, new)
        assert quality_return.state is new
    else:
        with pytest.raises(InvalidTransition):
            move(quality_return, new)
        assert quality_return.state is state


@pytest.mark.parametrize(
    ("due_on", "state", "overdue", "due_soon"),
    [
        (date(2026, 4, 30), ReturnState.due, False, False),
        (date(2026, 4, 17), ReturnState.due, False, True),
        (date(2026, 4, 10), ReturnState.due, False, True),
        (date(2026, 4, 9), ReturnState.due, True, False),
        (date(2026, 4, 9), ReturnState.submitted, False, False),
    ],
)
def test_overdue_and_due_soon(due_on, state, overdue, due_soon):
    today = date(2026, 4, 10)
    quality_return = QualityReturn(due_on=due_on, state=state)
    assert quality_return.is_overdue(today) is overdue
    assert quality_return.is_due_soon(today) is due_soon
