"""The visit's states as a table, the risk-based frequency, and the visit template as data."""

from datetime import date

import pytest

from dps_portal.audit.actions import AuditAction
from dps_portal.core.errors import InvalidTransition
from dps_portal.core.states import move
from dps_portal.quality import rules
from dps_portal.quality.models import Visit, VisitOutcome, VisitState
from dps_portal.quality.visit_templates import (
    check_definition,
    current_visit_template,
    ensure_visit_template,
    load_default_definition,
    publish_visit_template,
    sections_for,
)
from tests.contracts.factories import category
from tests.onboarding.factories import ready_framework
from tests.quality.visit_helpers import audit_actions

S = VisitState
TRANSITIONS = [
    (S.scheduled, S.in_progress, True),
    (S.scheduled, S.cancelled, True),
    (S.scheduled, S.finalised, False),
    (S.scheduled, S.scheduled, False),
    (S.in_progress, S.finalised, True),
    (S.in_progress, S.cancelled, True),
    (S.in_progress, S.scheduled, False),
    (S.finalised, S.in_progress, False),
    (S.finalised, S.cancelled, False),
    (S.finalised, S.scheduled, False),
    (S.cancelled, S.scheduled, False),
    (S.cancelled, S.in_progress, False),
    (S.cancelled, S.finalised, False),
]


@pytest.mark.parametrize(("current", "new", "allowed"), TRANSITIONS)
def test_visit_transitions(current, new, allowed):
    visit = Visit(state=current)
    if allowed:
        move(visit, new)
        assert visit.state is new
    else:
        with pytest.raises(InvalidTransition):
            move(visit, new)
        assert visit.state is current


def test_the_table_covers_every_pair():
    assert {(c, n) for c, n, _ in TRANSITIONS} >= {
        (c, n) for c in VisitState for n in VisitState if c is not n
    } - {(S.in_progress, S.in_progress)}


@pytest.mark.parametrize(
    ("visited_on", "outcome", "due_on"),
    [
        (date(2026, 3, 3), VisitOutcome.satisfactory, date(2027, 3, 3)),
        (date(2026, 3, 3), VisitOutcome.satisfactory_with_actions, date(2026, 9, 3)),
        (date(2026, 3, 3), VisitOutcome.unsatisfactory, date(2026, 6, 3)),
        (date(2025, 8, 31), VisitOutcome.satisfactory_with_actions, date(2026, 2, 28)),
        (date(2025, 11, 30), VisitOutcome.unsatisfactory, date(2026, 2, 28)),
        (date(2024, 2, 29), VisitOutcome.satisfactory, date(2025, 2, 28)),
    ],
)
def test_next_visit_due_from_the_outcome(visited_on, outcome, due_on):
    assert rules.next_visit_due_on(visited_on, outcome) == due_on


def test_the_default_template_has_the_five_key_questions_and_the_framework_checks():
    definition = load_default_definition()
    check_definition(definition)
    keys = [section["key"] for section in definition["sections"]]
    assert keys[:5] == ["safe", "effective", "caring", "responsive", "well_led"]
    assert {"statement_of_purpose", "staffing", "medicines", "care_plans"} <= set(keys)
    assert set(definition["category_checks"]) == {"MH", "LDA", "ENH"}


def test_a_home_gets_the_checks_of_its_admitted_categories(db):
    ready_framework()
    template = ensure_visit_template(ready_framework())
    sections = sections_for(template, [category("ENH"), category("MH")])
    titles = [section.title for section in sections]
    assert titles[-3:] == [
        "Specialist training evidence for Mental Health",
        "Specialist training evidence for Enhanced",
        "Restrictive practice records",
    ]
    assert "Statement of Purpose matches the categories" in titles
    assert len({section.key for section in sections}) == len(sections)
    assert sections[-1].category_id == category("ENH").id
    only_mh = [section.title for section in sections_for(template, [category("MH")])]
    assert "Restrictive practice records" not in only_mh


def test_publishing_makes_a_new_version_and_is_audited(db):
    framework = ready_framework()
    first = ensure_visit_template(framework)
    assert ensure_visit_template(framework) is first
    definition = {"sections": [{"key": "safe", "title": "Safe", "checks": ["One"]}]}
    second = publish_visit_template(framework, definition)
    assert (first.version, second.version) == (1, 2)
    assert current_visit_template(framework) is second
    assert audit_actions().count(AuditAction.visit_template_published.value) == 2


@pytest.mark.parametrize(
    "definition",
    [
        {},
        {"sections": []},
        {"sections": [{"key": "safe"}]},
        {"sections": [{"key": "a", "title": "A"}, {"key": "a", "title": "Again"}]},
        {"sections": [{"key": "a", "title": "A", "checks": "not a list"}]},
        {"sections": [{"key": "a", "title": "A"}], "category_checks": {"MH": "x"}},
    ],
)
def test_a_definition_that_cannot_make_a_record_is_refused(definition):
    with pytest.raises(ValueError):
        check_definition(definition)
