"""The return's questions as data, and what can be submitted."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from dps_portal.audit.actions import AuditAction
from dps_portal.quality.models import ReturnForm
from dps_portal.quality.returns.return_forms import (
    answer_problems,
    current_return_form,
    ensure_return_form,
    load_default_definition,
    parse_definition,
    publish_return_form,
)
from tests.onboarding.factories import ready_framework
from tests.providers.factories import audit_events
from tests.quality.returns.helpers import VALID_ANSWERS

MH = SimpleNamespace(code="MH", name="Mental Health")
ENH = SimpleNamespace(code="ENH", name="Enhanced")


def _questions(*categories):
    return parse_definition(load_default_definition()).questions_for(categories or (MH,))


def test_the_default_return_asks_what_the_council_needs():
    keys = [q.key for q in _questions(MH, ENH)]
    for key in (
        "staff_in_post_fte",
        "vacancies_fte",
        "agency_hours",
        "safeguarding_incidents",
        "safeguarding_actions",
        "complaints_received",
        "complaints_upheld",
        "restrictive_practice_total",
        "restrictive_practice_physical",
        "restrictive_practice_chemical",
        "restrictive_practice_seclusion",
        "mandatory_training_pct",
        "specialist_training_pct__MH",
        "specialist_training_pct__ENH",
        "anything_else",
    ):
        assert key in keys
    texts = {q.key: q.text for q in _questions(MH, ENH)}
    assert texts["specialist_training_pct__ENH"] == "Specialist training compliance for Enhanced"


def test_valid_answers_have_no_problems():
    assert answer_problems(_questions(), VALID_ANSWERS) == {}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("agency_hours", "", "Enter the number of agency hours"),
        ("agency_hours", "lots", "The number of agency hours must be a number, like 12 or 12.5"),
        ("agency_hours", "-4", "The number of agency hours must be 0 or more"),
        (
            "safeguarding_incidents",
            "1.5",
            "The number of safeguarding incidents must be a whole number, like 3",
        ),
        ("safeguarding_incidents", "-1", "The number of safeguarding incidents must be 0 or more"),
        (
            "mandatory_training_pct",
            "",
            "Enter the mandatory training compliance as a percentage",
        ),
        (
            "mandatory_training_pct",
            "101",
            "The mandatory training compliance must be between 0 and 100",
        ),
        (
            "specialist_training_pct__MH",
            "ninety",
            "The specialist training compliance for Mental Health must be a number between "
            "0 and 100, like 95",
        ),
        (
            "complaints_upheld",
            "3",
            "The number of complaints upheld cannot be more than the number of complaints received",
        ),
        (
            "safeguarding_actions",
            "",
            "Enter what you did about the safeguarding incidents",
        ),
    ],
)
def test_answers_that_cannot_be_submitted(key, value, message):
    answers = {**VALID_ANSWERS, key: value}
    assert answer_problems(_questions(), answers) == {key: message}


def test_what_you_did_is_needed_only_when_there_were_incidents():
    answers = {**VALID_ANSWERS, "safeguarding_incidents": "0", "safeguarding_actions": ""}
    assert answer_problems(_questions(), answers) == {}


@pytest.mark.parametrize(
    ("staff", "vacancies", "rate"),
    [
        ("24.5", "3.5", Decimal("12.5")),
        ("0", "0", None),
        ("10", "", None),
        ("9", "1", Decimal("10.0")),
    ],
)
def test_the_vacancy_rate(staff, vacancies, rate):
    definition = parse_definition(load_default_definition())
    derived = definition.sections[0].derived[0]
    assert derived.value({"staff_in_post_fte": staff, "vacancies_fte": vacancies}) == rate


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"sections": []}, "at least one section"),
        ({"sections": [{"key": "a", "questions": []}]}, "at least one question"),
        (
            {"sections": [{"key": "a", "questions": [{"key": "x", "kind": "money", "text": "X"}]}]},
            "kind must be one of",
        ),
        (
            {
                "sections": [
                    {
                        "key": "a",
                        "questions": [
                            {"key": "x", "kind": "number", "text": "X", "at_most": "nope"}
                        ],
                    }
                ]
            },
            "unknown question",
        ),
    ],
)
def test_malformed_definitions_are_refused(definition, message):
    with pytest.raises(ValueError, match=message):
        parse_definition(definition)


def test_publishing_versions_and_ensuring_one(db):
    framework = ready_framework()
    first = ensure_return_form(framework)
    assert ensure_return_form(framework) is first
    assert first.version == 1
    second = publish_return_form(framework, load_default_definition())
    assert second.version == 2
    assert current_return_form(framework) == second
    assert db.session.scalar(select(func.count()).select_from(ReturnForm)) == 2
    assert len(audit_events(AuditAction.return_form_published)) == 2
