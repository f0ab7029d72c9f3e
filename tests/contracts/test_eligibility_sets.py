"""The contract gate asked of a set: the same answers as one home at a time, in a number of
queries that does not grow with the number of homes (publishing to a whole category)."""

from datetime import UTC, date, datetime

import pytest

from dps_portal.contracts.eligibility import (
    eligibility,
    eligibility_of,
    eligible_homes,
    homes_eligibility,
)
from dps_portal.core import clock
from dps_portal.core.statements import count_statements
from dps_portal.extensions import db
from tests.contracts.factories import category, make_eligible_home
from tests.contracts.test_eligibility import BREAKERS

TODAY = date(2026, 3, 4)
# Breakers that touch one home or its provider (new terms would touch every provider).
LOCAL_BREAKERS = [name for name in BREAKERS if name != "new terms past accept-by"]


@pytest.fixture(autouse=True)
def _today(db):
    with clock.frozen(datetime(2026, 3, 4, 12, 0, tzinfo=UTC)):
        yield


def _county(rounds: int):
    """`rounds` eligible homes, and `rounds` homes broken by each barrier in turn."""
    homes = []
    for _ in range(rounds):
        homes.append(make_eligible_home("MH", "LDA"))
        for name in LOCAL_BREAKERS:
            home = make_eligible_home("MH")
            BREAKERS[name][0](home)
            homes.append(home)
    db.session.commit()
    return homes


def _answer(result):
    return (result.home.id, result.category.id, result.reasons, result.warnings)


def test_the_set_answer_is_the_one_home_answer_for_every_home_and_category():
    homes = _county(1)
    pairs = [(home, category(code)) for home in homes for code in ("MH", "LDA", "ENH")]

    together = [_answer(result) for result in eligibility_of(pairs, TODAY)]
    one_by_one = [_answer(eligibility(home, cat, TODAY)) for home, cat in pairs]

    assert together == one_by_one
    assert sum(1 for result in eligibility_of(pairs, TODAY) if result.is_eligible) == 2


def test_eligible_homes_are_exactly_the_homes_the_rule_lets_through():
    homes = _county(2)
    expected = {home.id for home in homes if eligibility(home, category("MH"), TODAY).is_eligible}

    assert {home.id for home in eligible_homes(category("MH"), TODAY)} == expected
    assert len(expected) == 2


def test_a_provider_s_homes_are_answered_per_category_it_is_admitted_to():
    home = make_eligible_home("MH", "LDA")
    db.session.commit()

    answers = homes_eligibility([home], TODAY)[home.id]

    assert [answer.category.code for answer in answers] == ["MH", "LDA"]
    assert all(answer.is_eligible for answer in answers)


def _statements_for_whole_category() -> tuple[int, int]:
    mental_health = category("MH")
    with count_statements() as counted:
        homes = eligible_homes(mental_health, TODAY)
    return counted.count, len(homes)


def test_a_whole_category_is_asked_in_a_fixed_number_of_queries():
    _county(1)
    small, eligible_small = _statements_for_whole_category()
    _county(9)
    db.session.expire_all()
    large, eligible_large = _statements_for_whole_category()

    assert (eligible_small, eligible_large) == (1, 10)
    assert small == large
    assert large <= 12
