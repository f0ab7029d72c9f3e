"""An officer drafts a placement request, adapts the award criteria (starting from the
category's template questions), previews and publishes; the form refuses names, weights out
of range and questions that do not add up."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.tenders import operations, rules
from dps_portal.tenders.models import Funding, Tender, TenderState
from tests.conftest import sign_in
from tests.contracts.factories import category
from tests.factories import make_user
from tests.onboarding.factories import ready_framework
from tests.tenders.factories import make_tender

# A Wednesday in March (GMT).
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW) as frozen:
        yield frozen


@pytest.fixture
def officer(db):
    ready_framework()
    user = make_user(Role.contracts_officer)
    db.session.commit()
    return user


def _request_form(**overrides) -> dict:
    framework = ready_framework()
    data = {
        "person_reference": "MH-2026-014",
        "age": "34",
        "category": str(category("LDA").id),
        "setting": str(framework.settings[1].id),
        "needs_summary": "Needs a calm home and support with communication.",
        "risks": "",
        "one_to_one_hours": "12.5",
        "two_to_one_hours": "",
        "districts": [str(framework.districts[0].id), str(framework.districts[1].id)],
        "required_start_on": ["20", "3", "2026"],
        "funding": "s117",
        "preferences": "Near family.",
    }
    data.update(overrides)
    return data


def test_an_officer_drafts_a_request_with_the_category_template_and_defaults(client, officer, db):
    sign_in(client, officer)
    response = client.post("/tenders/new", data=_request_form())
    tender = db.session.scalars(select(Tender)).one()
    assert response.status_code == 302
    assert response.location.endswith(f"/tenders/{tender.id}/criteria")
    assert tender.state is TenderState.draft
    assert tender.reference == f"MT-{tender.id:05d}"
    assert tender.category.code == "LDA"
    assert tender.funding is Funding.s117
    assert tender.one_to_one_hours == Decimal("12.5")
    assert [d.name for d in tender.preferred_districts] == ["Chesterfield", "Erewash"]
    # The LDA template, which the officer adapts next.
    assert [q.text for q in tender.questions] == [
        t for t, _g, _w in rules.CATEGORY_QUESTIONS["LDA"]
    ]
    assert sum(q.weight for q in tender.questions) == 100
    assert (tender.price_weight, tender.quality_weight) == (40, 60)
    # Wednesday 4 March: 2 working days ahead is Friday 6 March, 17:00 GMT.
    assert tender.closes_at == datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    assert tender.clarifications_close_at == datetime(2026, 3, 5, 17, 0, tzinfo=UTC)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tender.drafted")
    ).one()
    assert event.actor_id == officer.id


def test_the_default_deadline_skips_weekends_and_bank_holidays_and_keeps_summer_time():
    # Thursday 2 April 2026: Good Friday (3rd) and Easter Monday (6th) are bank holidays.
    assert rules.default_deadline(date(2026, 4, 2)) == datetime(2026, 4, 8, 16, 0, tzinfo=UTC)
    # Friday 23 October 2026 (BST) to Tuesday 27 October (GMT): 17:00 UK time each.
    assert rules.default_deadline(date(2026, 10, 23)) == datetime(2026, 10, 27, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("Jane Smith", "looks like a name"),
        ("Mary-Ann O'Neil", "looks like a name"),
        ("", "Enter the person's pseudonymised reference"),
    ],
)
def test_a_name_is_refused_as_a_person_reference_and_the_form_keeps_what_was_typed(
    client, officer, db, reference, message
):
    sign_in(client, officer)
    response = client.post("/tenders/new", data=_request_form(person_reference=reference))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page.replace("&#39;", "'")
    assert "Needs a calm home and support with communication." in page
    assert db.session.scalars(select(Tender)).all() == []


def test_the_operation_refuses_a_name_too(officer, db):
    with pytest.raises(OperationRefused, match="looks like a name"):
        make_tender(person_reference="John Smith", officer=officer)


def test_the_request_form_warns_against_names(client, officer):
    sign_in(client, officer)
    page = client.get("/tenders/new").get_data(as_text=True)
    assert "Never the person&#39;s name" in page or "Never the person's name" in page
    assert "Do not enter the person" in page


def _criteria_form(tender, **overrides) -> dict:
    data = {
        "price_weight": "30",
        "quality_threshold": "60",
        "max_weekly_price": "2,400",
        "evaluator_count": "3",
        "abnormally_low_percent": "65",
        "standstill_working_days": "5",
        "closes_on": ["10", "3", "2026"],
        "closes_time": "12:00",
        "clarifications_close_on": ["9", "3", "2026"],
        "clarifications_close_time": "5pm",
    }
    questions = [
        ("How will you meet the needs?", "Be specific.", "50", "400"),
        ("How will you manage risks?", "", "30", "300"),
        ("How will you involve the family?", "", "20", "200"),
        ("", "", "", ""),
        ("", "", "", ""),
    ]
    for index, (text, guidance, weight, limit) in enumerate(questions):
        data[f"questions-{index}-text"] = text
        data[f"questions-{index}-guidance"] = guidance
        data[f"questions-{index}-weight"] = weight
        data[f"questions-{index}-word_limit"] = limit
    data.update(overrides)
    return data


def test_the_officer_adapts_the_criteria_and_deadline(client, officer, db):
    tender = make_tender(officer=officer)
    db.session.commit()
    sign_in(client, officer)
    assert "How will you support the person" in client.get(
        f"/tenders/{tender.id}/criteria"
    ).get_data(as_text=True)
    response = client.post(f"/tenders/{tender.id}/criteria", data=_criteria_form(tender))
    assert response.status_code == 302
    tender = db.session.get(Tender, tender.id)
    assert (tender.price_weight, tender.quality_weight, tender.quality_threshold) == (30, 70, 60)
    assert tender.max_weekly_price == Decimal("2400.00")
    assert tender.closes_at == datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert tender.clarifications_close_at == datetime(2026, 3, 9, 17, 0, tzinfo=UTC)
    assert [(q.position, q.weight, q.word_limit) for q in tender.questions] == [
        (1, 50, 400),
        (2, 30, 300),
        (3, 20, 200),
    ]
    # An urgent tender may close within hours.
    urgent = _criteria_form(
        tender,
        closes_on=["4", "3", "2026"],
        closes_time="3pm",
        clarifications_close_on=["4", "3", "2026"],
        clarifications_close_time="13:00",
    )
    assert client.post(f"/tenders/{tender.id}/criteria", data=urgent).status_code == 302
    assert db.session.get(Tender, tender.id).closes_at == datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"price_weight": "85"}, "Enter a price weight between 20 and 80"),
        ({"price_weight": "10"}, "Enter a price weight between 20 and 80"),
        ({"quality_threshold": "120"}, "between 0 and 100"),
        (
            {"questions-1-text": "", "questions-2-text": ""},
            "Give between 2 and 5 quality questions",
        ),
        ({"questions-0-weight": "60"}, "must add up to 100: they add up to 110"),
        ({"closes_time": "25:00"}, "as a time like 17:00 or 5pm"),
        ({"closes_on": ["4", "3", "2026"], "closes_time": "10:30"}, "at least 1 hour from now"),
        ({"clarifications_close_on": ["11", "3", "2026"]}, "must not be after the deadline"),
        ({"max_weekly_price": "lots"}, "Enter the maximum weekly price as an amount of money"),
    ],
)
def test_criteria_out_of_bounds_are_refused_with_what_was_typed(
    client, officer, db, overrides, message
):
    tender = make_tender(officer=officer)
    db.session.commit()
    sign_in(client, officer)
    response = client.post(
        f"/tenders/{tender.id}/criteria", data=_criteria_form(tender, **overrides)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "How will you meet the needs?" in page
    assert db.session.get(Tender, tender.id).price_weight == 40


def test_the_preview_shows_the_request_as_invitees_read_it_and_offers_publishing(
    client, officer, db
):
    tender = make_tender(officer=officer)
    db.session.commit()
    sign_in(client, officer)
    page = client.get(f"/tenders/{tender.id}").get_data(as_text=True)
    assert "MH-2026-014" in page
    assert "Publish and invite providers" in page
    assert "Price 40%, quality 60%" in page
    assert "6 March 2026 at 5:00pm (GMT)" in page


def test_a_published_tender_cannot_be_edited(officer, db):
    tender = make_tender(officer=officer)
    tender.state = TenderState.published
    tender.published_at = clock.now()
    db.session.flush()
    with pytest.raises(OperationRefused, match="only a draft"):
        operations.change_criteria(
            tender,
            price_weight=50,
            quality_threshold=50,
            max_weekly_price=None,
            closes_at=tender.closes_at,
            clarifications_close_at=tender.clarifications_close_at,
            questions=[(q.text, q.guidance, q.weight, q.word_limit) for q in tender.questions],
            by=officer,
        )


@pytest.mark.parametrize("role", [Role.provider, Role.quality_monitor, Role.administrator])
def test_only_contracts_officers_reach_the_officers_pages(client, db, role):
    tender = make_tender()
    user = make_user(role)
    db.session.commit()
    sign_in(client, user)
    for url in [
        "/tenders",
        "/tenders/new",
        f"/tenders/{tender.id}",
        f"/tenders/{tender.id}/criteria",
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/tenders/{tender.id}/publish").status_code == 403


def test_changing_the_request_shows_it_as_saved_and_a_new_category_brings_its_template(
    client, officer, db
):
    tender = make_tender("MH", officer=officer)
    db.session.commit()
    sign_in(client, officer)
    page = client.get(f"/tenders/{tender.id}/request").get_data(as_text=True)
    mh = category("MH")
    assert f'value="{mh.id}" checked' in page
    assert 'value="council" checked' in page
    assert "MH-2026-014" in page and 'value="10"' in page
    response = client.post(f"/tenders/{tender.id}/request", data=_request_form())
    assert response.status_code == 302
    tender = db.session.get(Tender, tender.id)
    assert tender.category.code == "LDA"
    assert [q.text for q in tender.questions] == [
        t for t, _g, _w in rules.CATEGORY_QUESTIONS["LDA"]
    ]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tender.request_changed")
    ).one()
    assert event.before["category_id"] == mh.id
    assert event.after["category_id"] == category("LDA").id


def test_the_criteria_set_how_the_tender_is_evaluated_and_the_trail_keeps_it(client, officer, db):
    tender = make_tender(officer=officer)
    db.session.commit()
    sign_in(client, officer)
    page = client.get(f"/tenders/{tender.id}/criteria").get_data(as_text=True)
    # The defaults, and what each means.
    assert "How many officers will score quality" in page
    assert 'name="evaluator_count" type="text" value="2"' in page
    assert 'value="70"' in page
    assert "light-touch regime" in page and "voluntary" in page
    response = client.post(f"/tenders/{tender.id}/criteria", data=_criteria_form(tender))
    assert response.status_code == 302
    tender = db.session.get(Tender, tender.id)
    assert (
        tender.evaluator_count,
        tender.abnormally_low_percent,
        tender.standstill_working_days,
    ) == (3, 65, 5)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tender.criteria_changed")
    ).one()
    assert (event.before["evaluator_count"], event.after["evaluator_count"]) == (2, 3)
    assert (event.before["abnormally_low_percent"], event.after["abnormally_low_percent"]) == (
        70,
        65,
    )
    assert (
        event.before["standstill_working_days"],
        event.after["standstill_working_days"],
    ) == (0, 5)
    summary = client.get(f"/tenders/{tender.id}").get_data(as_text=True)
    assert "Officers scoring quality" in summary and "3, each blind" in summary
    assert "65% of the median compliant total weekly cost" in summary
    assert "5 working days between telling the bidders" in summary


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"evaluator_count": "0"}, "Enter a number of evaluators between 1 and 5"),
        ({"evaluator_count": "6"}, "Enter a number of evaluators between 1 and 5"),
        ({"evaluator_count": ""}, "Enter how many officers will score quality"),
        ({"abnormally_low_percent": "100"}, "Enter an abnormally low line between 1 and 99"),
        ({"abnormally_low_percent": "0"}, "Enter an abnormally low line between 1 and 99"),
        ({"standstill_working_days": "21"}, "Enter a standstill between 0 and 20 working days"),
        ({"standstill_working_days": "-1"}, "Enter a standstill between 0 and 20 working days"),
        ({"standstill_working_days": "two"}, "Enter the standstill in working days"),
    ],
)
def test_evaluation_settings_out_of_bounds_are_refused(client, officer, db, overrides, message):
    tender = make_tender(officer=officer)
    db.session.commit()
    sign_in(client, officer)
    response = client.post(
        f"/tenders/{tender.id}/criteria", data=_criteria_form(tender, **overrides)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "How will you meet the needs?" in page
    tender = db.session.get(Tender, tender.id)
    assert (tender.evaluator_count, tender.abnormally_low_percent) == (2, 70)


def test_a_standstill_of_none_reads_as_none_and_the_operation_checks_the_bounds(officer, db):
    tender = make_tender(officer=officer)
    values = {
        "price_weight": 40,
        "quality_threshold": 50,
        "max_weekly_price": None,
        "closes_at": tender.closes_at,
        "clarifications_close_at": tender.clarifications_close_at,
        "questions": [(q.text, q.guidance, q.weight, q.word_limit) for q in tender.questions],
        "by": officer,
    }
    for bad, message in [
        ({"evaluator_count": 6}, "between 1 and 5"),
        ({"abnormally_low_percent": 0}, "between 1% and 99%"),
        ({"standstill_working_days": 21}, "between 0 and 20 working days"),
    ]:
        with pytest.raises(OperationRefused, match=message):
            operations.change_criteria(tender, **values, **bad)
    # Left out, they keep their values.
    operations.change_criteria(tender, **values, evaluator_count=1)
    assert (tender.evaluator_count, tender.standstill_working_days) == (1, 0)
