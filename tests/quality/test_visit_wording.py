"""The words of visit messages: the article each visit type takes, and plural actions."""

import pytest

from dps_portal.quality.models import VisitType
from dps_portal.quality.operations import _a, _action_plan_words


@pytest.mark.parametrize(
    ("visit_type", "expected"),
    [
        (VisitType.initial, "an initial visit"),
        (VisitType.routine, "a routine visit"),
        (VisitType.follow_up, "a follow-up visit"),
        (VisitType.responsive, "a responsive visit"),
    ],
)
def test_each_visit_type_takes_its_article(visit_type, expected):
    assert _a(f"{visit_type.value.lower()} visit") == expected


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (0, ""),
        (1, " Your action plan has 1 action."),
        (2, " Your action plan has 2 actions."),
    ],
)
def test_the_action_plan_counts_in_words(actions, expected):
    assert _action_plan_words(actions) == expected
