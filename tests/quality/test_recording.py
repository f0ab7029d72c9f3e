"""Recording a visit: section drafts, the action plan, finalising with the report, the lock,
addenda, the follow-up after an unsatisfactory outcome, and who may do each."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from dps_portal.audit.actions import AuditAction
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.quality import operations
from dps_portal.quality.models import (
    SectionRating,
    Visit,
    VisitAction,
    VisitOutcome,
    VisitState,
    VisitType,
)
from tests.conftest import sign_in
from tests.factories import make_user
from tests.providers.factories import make_provider_user
from tests.quality.visit_helpers import (
    audit_actions,
    notifications_of,
    pdf_text,
    plan_action,
    rate_all,
    scheduled_visit,
)


def _visit_and_monitor(client, db, *codes, **fields):
    visit = scheduled_visit(*codes, **fields)
    db.session.commit()
    sign_in(client, visit.monitor)
    return visit


def _reload(db, visit) -> Visit:
    return db.session.get(Visit, visit.id)


# Sections.


def test_a_section_saves_as_a_draft_without_a_rating(client, db, frozen_clock):
    visit = _visit_and_monitor(client, db)
    page = client.get(f"/visits/{visit.id}/sections/safe")
    assert page.status_code == 200
    assert "Safeguarding concerns are recognised" in page.text
    assert 'data-keep-draft="visit-' in page.text
    response = client.post(
        f"/visits/{visit.id}/sections/safe",
        data={"findings": "Half way through the safeguarding log", "save_draft": "y"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/visits/{visit.id}/sections/safe")
    visit = _reload(db, visit)
    safe = visit.sections[0]
    assert (safe.rating, safe.findings) == (None, "Half way through the safeguarding log")
    assert visit.state is VisitState.in_progress
    again = client.get(f"/visits/{visit.id}/sections/safe")
    assert "Half way through the safeguarding log" in again.text
    assert f'data-draft-saved="visit-{visit.id}-section-safe"' in again.text
    # The next page no longer says it (the confirmation is given once).
    assert "data-draft-saved" not in client.get(f"/visits/{visit.id}/sections/safe").text
    client.post(
        f"/visits/{visit.id}/sections/safe",
        data={"rating": "requires_improvement", "findings": "Two MAR charts unsigned"},
    )
    safe = _reload(db, visit).sections[0]
    assert safe.rating is SectionRating.requires_improvement
    assert audit_actions().count(AuditAction.visit_section_saved.value) == 2
    page = client.get(f"/visits/{visit.id}")
    assert "Rated Requires improvement" in page.text


def test_an_unknown_section_or_visit_is_not_found(client, db, frozen_clock):
    visit = _visit_and_monitor(client, db)
    assert client.get(f"/visits/{visit.id}/sections/nope").status_code == 404
    assert client.get(f"/visits/{visit.id + 100}").status_code == 404
    assert client.get(f"/visits/{visit.id + 100}/sections/safe").status_code == 404


def test_a_rating_that_is_not_one_of_the_choices_is_refused(client, db, frozen_clock):
    visit = _visit_and_monitor(client, db)
    response = client.post(
        f"/visits/{visit.id}/sections/safe", data={"rating": "brilliant", "findings": "x"}
    )
    assert response.status_code == 200
    assert _reload(db, visit).sections[0].findings == ""


def test_only_the_assigned_monitor_records(client, db, frozen_clock):
    visit = scheduled_visit()
    other_monitor = make_user(Role.quality_monitor)
    officer = make_user(Role.contracts_officer)
    provider_user = make_provider_user(visit.provider)
    db.session.commit()
    recording = [
        ("get", f"/visits/{visit.id}/sections/safe"),
        ("post", f"/visits/{visit.id}/sections/safe"),
        ("get", f"/visits/{visit.id}/actions/new"),
        ("post", f"/visits/{visit.id}/actions/new"),
        ("get", f"/visits/{visit.id}/finalise"),
        ("post", f"/visits/{visit.id}/finalise"),
    ]
    sign_in(client, other_monitor)
    for method, url in recording:
        assert getattr(client, method)(url, data={"findings": "x"}).status_code == 403, url
    page = client.get(f"/visits/{visit.id}")
    assert page.status_code == 200 and "/sections/safe" not in page.text
    sign_in(client, officer)
    for method, url in recording:
        assert getattr(client, method)(url).status_code == 403, url
    assert client.get(f"/visits/{visit.id}").status_code == 200
    sign_in(client, provider_user)
    for url in [f"/visits/{visit.id}", "/visits", "/visits/due", "/visits/schedule"]:
        assert client.get(url).status_code == 403
    with pytest.raises(OperationRefused, match="assigned"):
        operations.save_section(visit, "safe", rating=None, findings="x", by=other_monitor)


# CSRF: a page open too long keeps what was typed.


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize(
    ("path", "data", "typed"),
    [
        (
            "sections/safe",
            {"rating": "good", "findings": "Long findings typed for an hour"},
            "Long findings typed for an hour",
        ),
        (
            "finalise",
            {"outcome": "satisfactory", "summary": "A summary typed slowly"},
            "A summary typed slowly",
        ),
        (
            "actions/new",
            {"description": "Replace the fire doors", "priority": "high"},
            "Replace the fire doors",
        ),
    ],
)
def test_a_stale_token_shows_the_form_again_with_the_text(
    client, db, frozen_clock, path, data, typed
):
    visit = _visit_and_monitor(client, db)
    page = client.get(f"/visits/{visit.id}/{path}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(f"/visits/{visit.id}/{path}", data={**data, "csrf_token": "stale"})
    assert response.status_code == 200
    assert "Your page had been open too long. Your text is below: save it again." in response.text
    assert typed in response.text
    assert _reload(db, visit).state is VisitState.scheduled
    assert not _reload(db, visit).actions
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)
    assert fresh
    if path == "sections/safe":
        saved = client.post(f"/visits/{visit.id}/{path}", data={**data, "csrf_token": token})
        assert saved.status_code == 302
        assert _reload(db, visit).sections[0].findings == typed


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_other_forms_still_refuse_a_missing_token(client, db, frozen_clock):
    visit = _visit_and_monitor(client, db)
    response = client.post(f"/visits/{visit.id}/cancel", data={"reason": "x"})
    assert response.status_code == 400
    assert _reload(db, visit).state is VisitState.scheduled


# The action plan.


def test_actions_are_added_and_removed_while_recording(client, db, frozen_clock):
    visit = _visit_and_monitor(client, db)
    refused = client.post(
        f"/visits/{visit.id}/actions/new",
        data={"description": "", "priority": "high", "due_on": ["1", "1", "2026"]},
    )
    assert "Enter what the provider must do" in refused.text
    assert "The due date must be today or in the future" in refused.text
    client.post(
        f"/visits/{visit.id}/actions/new",
        data={
            "description": "Sign the MAR charts",
            "priority": "high",
            "due_on": ["30", "4", "2026"],
        },
    )
    action = db.session.scalars(select(VisitAction)).one()
    assert (action.description, action.due_on, action.provider_id) == (
        "Sign the MAR charts",
        date(2026, 4, 30),
        visit.provider_id,
    )
    assert "Sign the MAR charts" in client.get(f"/visits/{visit.id}").text
    client.post(f"/visits/{visit.id}/actions/{action.id}/remove")
    assert db.session.scalar(select(func.count(VisitAction.id))) == 0
    assert AuditAction.visit_action_removed.value in audit_actions()


# Finalising.


def test_finalising_needs_every_section_rated(client, db, frozen_clock):
    visit = _visit_and_monitor(client, db)
    data = {"visited_on": ["3", "3", "2026"], "outcome": "satisfactory", "summary": "Fine."}
    response = client.post(f"/visits/{visit.id}/finalise", data=data)
    assert "Rate every section before finalising the visit" in response.text
    assert _reload(db, visit).state is VisitState.scheduled


@pytest.mark.parametrize(
    ("outcome", "with_action", "visited_on", "message"),
    [
        ("satisfactory_with_actions", False, ["3", "3", "2026"], "needs an action plan"),
        ("satisfactory", True, ["3", "3", "2026"], "remove the actions"),
        (
            "satisfactory",
            False,
            ["4", "3", "2026"],
            "The date visited must be today or in the past",
        ),
        ("", False, ["3", "3", "2026"], "Select the overall outcome"),
    ],
)
def test_finalise_refusals(client, db, frozen_clock, outcome, with_action, visited_on, message):
    visit = scheduled_visit()
    rate_all(visit)
    if with_action:
        plan_action(visit)
    db.session.commit()
    sign_in(client, visit.monitor)
    response = client.post(
        f"/visits/{visit.id}/finalise",
        data={"visited_on": visited_on, "outcome": outcome, "summary": "Summary."},
    )
    assert response.status_code == 200
    assert message in response.text
    assert _reload(db, visit).state is VisitState.in_progress


def test_finalising_locks_the_record_draws_the_report_and_tells_the_provider(
    client, db, frozen_clock
):
    visit = scheduled_visit("MH", "ENH")
    provider_user = make_provider_user(visit.provider)
    rate_all(visit, SectionRating.good)
    operations.save_section(
        visit,
        "medicines",
        rating=SectionRating.requires_improvement,
        findings="Two MAR charts were unsigned.",
        by=visit.monitor,
    )
    plan_action(visit, "Sign every MAR chart")
    db.session.commit()
    sign_in(client, visit.monitor)
    page = client.get(f"/visits/{visit.id}/finalise")
    assert page.status_code == 200 and "Finalise the visit" in page.text
    response = client.post(
        f"/visits/{visit.id}/finalise",
        data={
            "visited_on": ["2", "3", "2026"],
            "outcome": "satisfactory_with_actions",
            "summary": "A warm home; medicines need attention.",
        },
    )
    assert response.status_code == 302
    visit = _reload(db, visit)
    assert visit.state is VisitState.finalised and visit.is_locked
    assert (visit.visited_on, visit.outcome) == (
        date(2026, 3, 2),
        VisitOutcome.satisfactory_with_actions,
    )
    document = db.session.get(StoredDocument, visit.report_document_id)
    assert (document.kind, document.provider_id) == ("visit_report", visit.provider_id)
    text = pdf_text(document)
    assert visit.care_home.name in text and visit.provider.legal_name in text
    assert visit.monitor.full_name in text and "2 March 2026" in text
    assert "Satisfactory with actions" in text
    assert "A warm home; medicines need attention." in text
    for section in visit.sections:
        assert f"{section.title}: {section.rating.value}" in text
    assert "Medicines: Requires improvement" in text
    assert "Two MAR charts were unsigned." in text
    assert "Restrictive practice records: Good" in text
    assert "Sign every MAR chart High 30 April 2026" in text
    assert any(title.startswith("Visit report ready") for title in notifications_of(provider_user))
    assert AuditAction.visit_finalised.value in audit_actions()
    shown = client.get(f"/visits/{visit.id}")
    assert "Download the visit report" in shown.text and "Add an addendum" in shown.text


def _finalised_visit(outcome=VisitOutcome.satisfactory_with_actions):
    visit = scheduled_visit()
    rate_all(visit)
    if outcome is not VisitOutcome.satisfactory:
        plan_action(visit)
    operations.finalise_visit(
        visit, visited_on=date(2026, 3, 3), outcome=outcome, summary="Summary.", by=visit.monitor
    )
    return visit


def test_every_edit_refuses_once_finalised(client, db, frozen_clock):
    visit = _finalised_visit()
    action = visit.actions[0]
    db.session.commit()
    sign_in(client, visit.monitor)
    before = [(s.rating, s.findings) for s in visit.sections]
    attempts = [
        ("get", f"/visits/{visit.id}/sections/safe", {}),
        (
            "post",
            f"/visits/{visit.id}/sections/safe",
            {"rating": "inadequate", "findings": "Changed"},
        ),
        ("get", f"/visits/{visit.id}/actions/new", {}),
        (
            "post",
            f"/visits/{visit.id}/actions/new",
            {"description": "More", "priority": "low", "due_on": ["1", "5", "2026"]},
        ),
        ("post", f"/visits/{visit.id}/actions/{action.id}/remove", {}),
        ("get", f"/visits/{visit.id}/finalise", {}),
        (
            "post",
            f"/visits/{visit.id}/finalise",
            {"visited_on": ["3", "3", "2026"], "outcome": "unsatisfactory", "summary": "x"},
        ),
        ("post", f"/visits/{visit.id}/reschedule", {"planned_on": ["1", "5", "2026"]}),
        ("post", f"/visits/{visit.id}/cancel", {"reason": "x"}),
    ]
    for method, url, data in attempts:
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith(f"/visits/{visit.id}"), url
    visit = _reload(db, visit)
    assert [(s.rating, s.findings) for s in visit.sections] == before
    assert len(visit.actions) == 1 and visit.outcome is VisitOutcome.satisfactory_with_actions
    assert "its record is locked" in client.get(f"/visits/{visit.id}").text
    with pytest.raises(OperationRefused, match="locked"):
        operations.save_section(visit, "safe", rating=None, findings="x", by=visit.monitor)
    with pytest.raises(OperationRefused, match="locked"):
        plan_action(visit)


def test_an_unsatisfactory_outcome_schedules_an_announced_follow_up(client, db, frozen_clock):
    visit = scheduled_visit()
    provider_user = make_provider_user(visit.provider)
    rate_all(visit, SectionRating.inadequate)
    db.session.commit()
    sign_in(client, visit.monitor)
    client.post(
        f"/visits/{visit.id}/finalise",
        data={"visited_on": ["3", "3", "2026"], "outcome": "unsatisfactory", "summary": "Unsafe."},
    )
    follow_up = db.session.scalars(select(Visit).where(Visit.follow_up_of_id == visit.id)).one()
    assert follow_up.visit_type is VisitType.follow_up
    assert (follow_up.monitor_id, follow_up.planned_on, follow_up.is_announced) == (
        visit.monitor_id,
        date(2026, 3, 31),
        True,
    )
    assert follow_up.sections
    page = client.get(f"/visits/{visit.id}")
    assert "A follow-up visit has been scheduled for 31 March 2026" in page.text
    assert any("31 March 2026" in title for title in notifications_of(provider_user))


def test_an_addendum_is_audited_and_the_report_drawn_again(client, db, frozen_clock):
    visit = _finalised_visit()
    first_report = visit.report_document_id
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, officer)
    assert client.get(f"/visits/{visit.id}/addenda/new").status_code == 200
    assert (
        "Enter the addendum"
        in client.post(f"/visits/{visit.id}/addenda/new", data={"text": ""}).text
    )
    response = client.post(
        f"/visits/{visit.id}/addenda/new",
        data={"text": "The medicines finding concerned the first floor only."},
    )
    assert response.status_code == 302
    visit = _reload(db, visit)
    assert len(visit.addenda) == 1
    assert visit.report_document_id != first_report
    text = pdf_text(db.session.get(StoredDocument, visit.report_document_id))
    assert "The medicines finding concerned the first floor only." in text
    assert "Addenda" in text
    assert AuditAction.visit_addendum_added.value in audit_actions()
    assert "first floor only" in client.get(f"/visits/{visit.id}").text


def test_an_addendum_is_only_for_finalised_visits(client, db, frozen_clock):
    visit = _visit_and_monitor(client, db)
    response = client.post(f"/visits/{visit.id}/addenda/new", data={"text": "Too soon"})
    assert response.status_code == 302
    assert not _reload(db, visit).addenda
    with pytest.raises(OperationRefused, match="finalised"):
        operations.add_addendum(visit, text="x", by=visit.monitor)


def test_the_visit_page_reads_the_record_for_officers(client, db, frozen_clock):
    visit = _finalised_visit(VisitOutcome.satisfactory)
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, officer)
    page = client.get(f"/visits/{visit.id}")
    assert page.status_code == 200
    assert "Findings for Safe." in page.text
    assert "Satisfactory" in page.text
    assert "/sections/" not in page.text
