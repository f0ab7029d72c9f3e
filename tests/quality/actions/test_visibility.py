"""What a provider sees of quality visits: its own announced visits from the start, its
unannounced ones only once finalised, and never another organisation's."""

import pytest

from dps_portal.quality.models import ActionState, VisitOutcome, VisitState
from tests.conftest import sign_in
from tests.contracts.factories import make_visit
from tests.onboarding.helpers import page_text
from tests.quality.actions.factories import (
    add_addendum,
    make_action,
    make_finalised_visit,
    provider_user_with_home,
)

# (announced?, state, seen by its own provider?)
VISIBILITY = [
    (True, VisitState.scheduled, True),
    (True, VisitState.in_progress, True),
    (True, VisitState.finalised, True),
    (True, VisitState.cancelled, True),
    (False, VisitState.scheduled, False),
    (False, VisitState.in_progress, False),
    (False, VisitState.finalised, True),
    (False, VisitState.cancelled, False),
]


def _visit_in_state(home, announced: bool, state: VisitState):
    if state is VisitState.finalised:
        return make_finalised_visit(home, is_announced=announced)
    visit = make_visit(home, outcome=None, is_announced=announced)
    visit.state = state
    return visit


@pytest.mark.parametrize(("announced", "state", "seen"), VISIBILITY)
def test_a_provider_sees_its_own_visit_only_as_the_rule_allows(
    client, db, frozen_clock, announced, state, seen
):
    user, home = provider_user_with_home()
    visit = _visit_in_state(home, announced, state)
    db.session.commit()
    assert visit.is_visible_to_provider is seen
    sign_in(client, user)

    page = client.get(f"/quality/visits/{visit.id}")
    listing = page_text(client.get("/quality/visits"))

    assert page.status_code == (200 if seen else 404)
    listed = state in (VisitState.scheduled, VisitState.in_progress, VisitState.finalised)
    assert (home.name in listing) is (seen and listed)


@pytest.mark.parametrize(("announced", "state", "_seen"), VISIBILITY)
def test_a_provider_never_sees_another_organisations_visit(
    client, db, frozen_clock, announced, state, _seen
):
    user, _home = provider_user_with_home()
    _other_user, other_home = provider_user_with_home()
    visit = _visit_in_state(other_home, announced, state)
    action = make_action(visit) if state is VisitState.finalised else None
    db.session.commit()
    sign_in(client, user)

    assert client.get(f"/quality/visits/{visit.id}").status_code == 404
    assert other_home.name not in page_text(client.get("/quality/visits"))
    if state is VisitState.finalised:
        assert client.get(f"/quality/actions/{action.id}/respond").status_code == 404
        report = client.get(f"/documents/{visit.report_document_id}/download")
        report.close()
        assert report.status_code in (403, 404)


def test_the_answer_for_another_organisations_visit_is_the_same_as_for_none(
    client, db, frozen_clock
):
    user, _home = provider_user_with_home()
    _other, other_home = provider_user_with_home()
    visit = make_finalised_visit(other_home)
    db.session.commit()
    sign_in(client, user)

    theirs = client.get(f"/quality/visits/{visit.id}")
    missing = client.get(f"/quality/visits/{visit.id + 1000}")

    assert theirs.status_code == missing.status_code == 404
    assert page_text(theirs) == page_text(missing)


def test_the_list_shows_planned_visits_and_reports_with_open_actions(client, db, frozen_clock):
    user, home = provider_user_with_home()
    planned = make_visit(home, outcome=None, planned_on=frozen_clock().date().replace(day=20))
    finalised = make_finalised_visit(home)
    make_action(finalised)
    make_action(finalised, state=ActionState.awaiting_verification)
    make_action(finalised, state=ActionState.closed)
    db.session.commit()
    sign_in(client, user)

    response = client.get("/quality/visits")

    text = page_text(response)
    assert response.status_code == 200
    planned_row = f"Planned for {home.name} Initial 20 March 2026"
    assert f"Planned visits Care home Type of visit {planned_row}" in text
    assert (
        f"{home.name} Initial 3 March 2026 Satisfactory with actions "
        f"Report (PDF) of the visit to {home.name} on 3 March 2026 2"
    ) in text
    html = response.get_data(as_text=True)
    assert f"/documents/{finalised.report_document_id}/download" in html
    assert f"/quality/visits/{planned.id}" in html


def test_an_upcoming_visit_shows_only_its_date_type_and_home(client, db, frozen_clock):
    user, home = provider_user_with_home()
    visit = make_visit(home, outcome=None)
    make_action(visit)  # a draft plan while the visit is recorded
    visit.summary = "Draft notes the provider must not read"
    db.session.commit()
    sign_in(client, user)

    text = page_text(client.get(f"/quality/visits/{visit.id}"))

    assert f"Care home {home.name} Type of visit Initial Planned for 3 March 2026" in text
    assert "Draft notes" not in text
    assert "Sign every MAR chart" not in text
    assert "Action plan" not in text


def test_a_draft_action_plan_cannot_be_answered(client, db, frozen_clock):
    user, home = provider_user_with_home()
    visit = make_visit(home, outcome=None)
    visit.state = VisitState.in_progress
    action = make_action(visit)
    db.session.commit()
    sign_in(client, user)

    assert client.get(f"/quality/actions/{action.id}/respond").status_code == 404
    assert client.post(f"/quality/actions/{action.id}/respond", data={"text": "x"}).status_code == (
        404
    )


def test_a_finalised_visit_shows_its_record_addenda_and_action_plan(client, db, frozen_clock):
    user, home = provider_user_with_home()
    visit = make_finalised_visit(home, outcome=VisitOutcome.satisfactory_with_actions)
    add_addendum(visit)
    overdue = make_action(visit, due_on=frozen_clock().date().replace(day=1))
    waiting = make_action(
        visit, state=ActionState.awaiting_verification, description="Review the falls policy"
    )
    db.session.commit()
    sign_in(client, user)

    response = client.get(f"/quality/visits/{visit.id}")

    text = page_text(response)
    assert "Outcome Satisfactory with actions Report Download the report (PDF)" in text
    assert "Warm, well-led home; medicines need attention." in text
    assert "Safe Rating: Requires improvement Two MAR charts were unsigned." in text
    assert "Caring Rating: Good Residents spoke warmly of staff." in text
    assert "The date of the second MAR check was 2 March." in text
    assert "Action 1 Open Overdue Respond to action 1" in text
    assert "Due by 1 March 2026" in text
    assert "Action 2 Waiting for verification Respond to action 2" in text
    assert "Review the falls policy" in text
    assert "All MAR charts are now signed." in text
    html = response.get_data(as_text=True)
    assert f"/quality/actions/{overdue.id}/respond" in html
    assert f"/quality/actions/{waiting.id}/respond" in html


def test_the_provider_dashboard_counts_the_actions_to_answer(client, db, frozen_clock):
    user, home = provider_user_with_home()
    visit = make_finalised_visit(home)
    make_action(visit)
    make_action(visit)
    make_action(visit, state=ActionState.awaiting_verification)
    draft = make_visit(home, outcome=None)
    make_action(draft)
    _other, other_home = provider_user_with_home()
    make_action(make_finalised_visit(other_home))
    db.session.commit()
    sign_in(client, user)

    dashboard = page_text(client.get("/provider"))
    assert "Quality actions to answer: 2 The first is due" in dashboard
