"""The evaluation pages: an officer opens, checks compliance, scores blind, moderates, reads
the results and records the person's choice through the portal; wrong users are turned away;
no one sees a sheet before it is submitted, and the blind page never names a bidder."""

import html
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.tenders import operations as tender_operations
from dps_portal.tenders.evaluation import operations
from dps_portal.tenders.models import DeclineReason, Tender, TenderState
from tests.conftest import sign_in
from tests.factories import make_user
from tests.tenders.evaluation.factories import (
    closed_tender,
    evaluated_tender,
    evaluations_in_bid_order,
    pass_deadline,
)
from tests.tenders.factories import Market, invitation_of, make_published_tender

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
SECRET = "Kestrel-method"


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW) as frozen:
        yield frozen


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _flashed(client, response) -> str:
    assert response.status_code == 302
    return _text(client.get(response.location))


# Opening and compliance.


def test_an_officer_opens_the_bids_and_checks_compliance(client, db):
    officer = make_user(Role.contracts_officer)
    tender, market = closed_tender(("1900.00", "2100.00"), officer=officer)
    db.session.commit()
    sign_in(client, officer)
    page = _text(client.get(f"/tenders/{tender.id}"))
    assert "Open the bids" in page
    response = client.post(f"/tenders/{tender.id}/evaluation/open")
    assert response.location.endswith(f"/tenders/{tender.id}/evaluation/compliance")
    page = _text(client.get(response.location))
    assert "0 of 2 bids checked" in page
    assert market.homes[0].provider.display_name in page and "£1,900.00" in page
    first, second = evaluations_in_bid_order(db.session.get(Tender, tender.id))
    url = f"/tenders/{tender.id}/evaluation/compliance/record?bid={first.id}"
    # A failure needs a reason; what was chosen stays.
    response = client.post(url, data={"outcome": "fail", "reason": ""})
    assert response.status_code == 200
    assert "Enter why the bid is not compliant" in _text(response)
    assert 'value="fail" checked' in _text(response)
    assert client.post(url, data={"outcome": "pass"}).status_code == 302
    url = f"/tenders/{tender.id}/evaluation/compliance/record?bid={second.id}"
    client.post(url, data={"outcome": "fail", "reason": "No fire safety plan."})
    page = _text(client.get(f"/tenders/{tender.id}"))
    assert "2 of 2 checked: 1 compliant, 1 not compliant" in page
    assert "Start the quality evaluation" in page
    client.post(f"/tenders/{tender.id}/evaluation/start")
    assert db.session.get(Tender, tender.id).state is TenderState.evaluating
    page = _text(client.get(f"/tenders/{tender.id}"))
    assert "0 of 2 evaluators submitted" in page


def test_another_tenders_bid_is_not_found(client, db):
    officer = make_user(Role.contracts_officer)
    tender = evaluated_tender(("1900",), officer=officer, until=TenderState.opened)
    other = evaluated_tender(("1900",), officer=officer, until=TenderState.opened)
    (foreign,) = evaluations_in_bid_order(other)
    db.session.commit()
    sign_in(client, officer)
    url = f"/tenders/{tender.id}/evaluation/compliance/record?bid={foreign.id}"
    assert client.get(url).status_code == 404
    assert client.get(f"/tenders/{tender.id}/evaluation/compliance/record?bid=x").status_code == 404


def test_bids_cannot_be_opened_before_the_deadline(client, db):
    officer = make_user(Role.contracts_officer)
    Market(providers=1)
    tender = make_published_tender("MH", officer=officer)
    db.session.commit()
    sign_in(client, officer)
    assert "Open the bids" not in _text(client.get(f"/tenders/{tender.id}"))
    page = _flashed(client, client.post(f"/tenders/{tender.id}/evaluation/open"))
    assert "The bids can be opened after the deadline" in page
    assert db.session.get(Tender, tender.id).opened_at is None


def test_a_tender_with_no_compliant_bid_ends_and_is_re_run(client, db):
    officer = make_user(Role.contracts_officer)
    tender = evaluated_tender(
        ("1900",), compliant=[False], officer=officer, until=TenderState.opened
    )
    db.session.commit()
    sign_in(client, officer)
    page = _text(client.get(f"/tenders/{tender.id}"))
    assert "No bid is compliant" in page and "End without award" in page
    response = client.post(f"/tenders/{tender.id}/evaluation/end", data={"reason": ""})
    assert "Enter why the tender ends without award" in _text(response)
    client.post(f"/tenders/{tender.id}/evaluation/end", data={"reason": "Nothing compliant."})
    page = _text(client.get(f"/tenders/{tender.id}"))
    assert "Nothing compliant." in page and "Re-run as a new tender" in page
    response = client.post(f"/tenders/{tender.id}/evaluation/copy")
    copy = db.session.scalars(select(Tender).where(Tender.copied_from_id == tender.id)).one()
    assert response.location.endswith(f"/tenders/{copy.id}")
    assert copy.state is TenderState.draft


# Blind scoring.


@pytest.fixture
def scoring(db):
    officer = make_user(Role.contracts_officer)
    evaluators = [
        make_user(Role.contracts_officer, full_name="Eve Aluator"),
        make_user(Role.contracts_officer, full_name="Sam Scorer"),
    ]
    tender = evaluated_tender(
        ("1987.65", "2111.00"),
        officer=officer,
        answers=[f"{SECRET} one", f"{SECRET} two"],
        until=TenderState.opened,
    )
    tender.evaluator_count = 2
    operations.start_evaluation(tender, by=officer)
    db.session.commit()
    return {"tender": tender, "officer": officer, "evaluators": evaluators}


def _score_form(tender, reason: str, score: int = 4, *, submit: bool) -> dict:
    data = {}
    for evaluation in evaluations_in_bid_order(tender):
        for question in tender.questions:
            data[f"score_{evaluation.id}_{question.id}"] = str(score)
            data[f"reason_{evaluation.id}_{question.id}"] = reason
    data["submit_sheet" if submit else "save"] = "y"
    return data


def test_the_scoring_page_is_blind(client, db, scoring):
    tender, evaluator = scoring["tender"], scoring["evaluators"][0]
    sign_in(client, evaluator)
    page = _text(client.get(f"/tenders/{tender.id}/evaluation/scores"))
    assert "Start scoring" in page
    client.post(f"/tenders/{tender.id}/evaluation/scores/start")
    page = _text(client.get(f"/tenders/{tender.id}/evaluation/scores"))
    assert "Bid A" in page and "Bid B" in page
    assert f"{SECRET} one, question 1." in page
    assert tender.questions[0].text in page
    for evaluation in evaluations_in_bid_order(tender):
        version = evaluation.version
        assert evaluation.bid.invitation.provider.display_name not in page
        assert version.care_home.name not in page
        assert evaluation.bid.reference not in page and version.receipt_reference not in page
    for price in ("1987.65", "1,987.65", "2111", "2,111"):
        assert price not in page


def test_an_evaluator_saves_a_draft_then_submits(client, db, scoring):
    tender, evaluator = scoring["tender"], scoring["evaluators"][0]
    sign_in(client, evaluator)
    client.post(f"/tenders/{tender.id}/evaluation/scores/start")
    url = f"/tenders/{tender.id}/evaluation/scores"
    data = _score_form(tender, "", submit=False)
    response = client.post(url, data=data)
    assert response.status_code == 302
    # The draft is kept and shown again.
    assert 'value="4" checked' in _text(client.get(url))
    response = client.post(url, data=_score_form(tender, "", submit=True))
    assert "Score every answer with a reason before submitting" in _text(response)
    response = client.post(url, data=_score_form(tender, "Well evidenced.", submit=True))
    assert response.status_code == 302
    page = _text(client.get(url))
    assert "You submitted your scores" in page and "Save as a draft" not in page
    assert "Well evidenced." in page


def test_no_one_sees_a_sheet_before_it_is_submitted(client, db, scoring):
    tender = scoring["tender"]
    first, second = scoring["evaluators"]
    first_sheet = operations.start_sheet(tender, by=first)
    keys = [(e.id, q.id) for e in evaluations_in_bid_order(tender) for q in tender.questions]
    operations.save_scores(first_sheet, {k: (5, "First's draft reason.") for k in keys}, by=first)
    second_sheet = operations.start_sheet(tender, by=second)
    operations.save_scores(second_sheet, {k: (1, "Second's reason.") for k in keys}, by=second)
    operations.submit_sheet(second_sheet, by=second)
    db.session.commit()
    url = f"/tenders/{tender.id}/evaluation/scores"
    # The first, still drafting, does not see the second's submitted scores.
    sign_in(client, first)
    page = _text(client.get(url))
    assert "First's draft reason." in page and "Second's reason." not in page
    # The second, submitted, sees its own but not the first's draft.
    sign_in(client, second)
    page = _text(client.get(url))
    assert "Second's reason." in page and "First's draft reason." not in page
    # A third officer is not an evaluator: refused, and sees no one's scores.
    third = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, third)
    page = _text(client.get(url))
    assert "already has its 2 evaluators" in page
    assert "reason." not in page
    response = client.post(f"/tenders/{tender.id}/evaluation/scores/start")
    assert "already has its 2 evaluators" in _flashed(client, response)
    # Nor the moderation page, until every sheet is in.
    response = client.get(f"/tenders/{tender.id}/evaluation/moderation")
    assert "1 so far" in _flashed(client, response)
    # Once the first submits, it sees the second's.
    operations.submit_sheet(first_sheet, by=first)
    db.session.commit()
    sign_in(client, first)
    assert "Second's reason." in _text(client.get(url))


# Moderation, results and the person's choice.


def test_moderation_results_and_the_persons_choice(client, db):
    officer = make_user(Role.contracts_officer)
    tender = evaluated_tender(
        ("1900.00", "2100.00", "2300.00"), [3, 4, 5], officer=officer, until=TenderState.evaluating
    )
    cheap, middle, dear = evaluations_in_bid_order(tender)
    db.session.commit()
    sign_in(client, officer)
    url = f"/tenders/{tender.id}/evaluation/moderation"
    page = _text(client.get(url))
    # Each evaluator's scores side by side, now with the bidder's name, home and price.
    assert page.count("Scored 4 by") == 2 * len(tender.questions)
    assert cheap.bid.invitation.provider.display_name in page and "£2,300.00" in page
    assert "Complete moderation" not in page
    data = {"save": "y"}
    for evaluation, score in ((cheap, 3), (middle, 4), (dear, 5)):
        for question in tender.questions:
            data[f"score_{evaluation.id}_{question.id}"] = str(score)
            data[f"reason_{evaluation.id}_{question.id}"] = "Agreed at the meeting."
    first_rationale = f"reason_{cheap.id}_{tender.questions[0].id}"
    response = client.post(url, data={**data, first_rationale: ""})
    assert "Enter the rationale for the agreed score" in _text(response)
    assert client.post(url, data=data).status_code == 302
    page = _text(client.get(url))
    assert "Complete moderation" in page
    response = client.post(f"/tenders/{tender.id}/evaluation/moderation/complete")
    assert response.location.endswith(f"/tenders/{tender.id}/evaluation/results")
    page = _text(client.get(response.location))
    for figure in ("93.04", "84.19", "76.00", "36.19", "33.04", "Ranked 1", "£1,900.00"):
        assert figure in page
    page = _text(client.get(f"/tenders/{tender.id}"))
    assert "Record the person's choice" in page
    url = f"/tenders/{tender.id}/evaluation/choice"
    page = _text(client.get(url))
    assert "Ranked 1" in page and dear.version.care_home.name in page
    response = client.post(url, data={"evaluation_id": str(dear.id), "decision": "refused"})
    assert "Enter why the person refused this home" in _text(response)
    client.post(
        url,
        data={"evaluation_id": str(dear.id), "decision": "refused", "reason": "Too far."},
    )
    page = _text(client.get(url))
    assert "Ranked 2" in page and "Too far." in page
    client.post(url, data={"evaluation_id": str(middle.id), "decision": "accepted"})
    page = _text(client.get(url))
    assert "The award can now be recommended" in page


def test_a_low_price_is_checked_from_the_results(client, db):
    officer = make_user(Role.contracts_officer)
    tender = evaluated_tender(("500.00", "2000.00", "2100.00"), [4, 4, 4], officer=officer)
    low = evaluations_in_bid_order(tender)[0]
    db.session.commit()
    sign_in(client, officer)
    page = _text(client.get(f"/tenders/{tender.id}/evaluation/results"))
    assert "Abnormally low" in page and "Check the price" in page
    url = f"/tenders/{tender.id}/evaluation/low-price?bid={low.id}"
    assert "Enter the explanation" in _text(client.post(url, data={"explanation": ""}))
    assert client.post(url, data={"explanation": "Owns the building."}).status_code == 302
    page = _text(client.get(f"/tenders/{tender.id}/evaluation/results"))
    assert "Price checked" in page


def test_results_wait_for_moderation(client, db):
    officer = make_user(Role.contracts_officer)
    tender = evaluated_tender(("1900",), officer=officer, until=TenderState.evaluating)
    db.session.commit()
    sign_in(client, officer)
    response = client.get(f"/tenders/{tender.id}/evaluation/results")
    assert "once moderation is complete" in _flashed(client, response)


# Decline reasons: market intelligence, after the deadline only.


def test_decline_reasons_show_after_the_deadline_only(client, db):
    officer = make_user(Role.contracts_officer)
    market = Market(providers=2)
    tender = make_published_tender("MH", officer=officer)
    tender_operations.decline_tender(
        invitation_of(tender, market.homes[0].provider),
        reason=DeclineReason.no_vacancy,
        detail="Full until June.",
        by=market.users[0],
    )
    db.session.commit()
    sign_in(client, officer)
    page = _text(client.get(f"/tenders/{tender.id}"))
    assert "Full until June." not in page and "Why invitees declined" not in page
    pass_deadline(db.session.get(Tender, tender.id))
    db.session.commit()
    page = _text(client.get(f"/tenders/{tender.id}"))
    assert "Why invitees declined" in page
    assert "No vacancy" in page and "Full until June." in page
    assert market.homes[0].provider.display_name in page


# Wrong users.

ROUTES = [
    ("POST", "open"),
    ("GET", "compliance"),
    ("GET", "compliance/record"),
    ("POST", "compliance/record"),
    ("POST", "start"),
    ("GET", "end"),
    ("POST", "end"),
    ("POST", "scores/start"),
    ("GET", "scores"),
    ("POST", "scores"),
    ("GET", "moderation"),
    ("POST", "moderation"),
    ("POST", "moderation/complete"),
    ("GET", "results"),
    ("GET", "low-price"),
    ("POST", "low-price"),
    ("GET", "choice"),
    ("POST", "choice"),
    ("POST", "copy"),
]


def test_only_officers_reach_the_evaluation_pages(app, db):
    officer = make_user(Role.contracts_officer)
    tender = evaluated_tender(("1900", "2000"), officer=officer)
    evaluation = evaluations_in_bid_order(tender)[0]
    bidder = evaluation.bid.invitation.provider
    others = [
        make_user(Role.provider, provider=bidder),
        make_user(Role.quality_monitor),
        make_user(Role.administrator),
    ]
    db.session.commit()
    for method, path in ROUTES:
        url = f"/tenders/{tender.id}/evaluation/{path}?bid={evaluation.id}"
        for user in others:
            client = app.test_client()
            sign_in(client, user)
            response = client.open(url, method=method, data={"explanation": "x"})
            assert response.status_code == 403, (method, url, user.role)
        response = app.test_client().open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/account/sign-in" in response.location


def test_the_panel_shows_what_to_do_next(client, db):
    officer = make_user(Role.contracts_officer)
    tender = evaluated_tender(("1900", "2000"), officer=officer, until=TenderState.evaluating)
    db.session.commit()
    sign_in(client, officer)
    page = _text(client.get(f"/tenders/{tender.id}"))
    assert "2 of 2 evaluators submitted" in page and "Moderate" in page
    assert f"/tenders/{tender.id}/evaluation/moderation" in page
    # Before the deadline, nothing at all.
    Market(providers=1)
    open_tender = make_published_tender("MH", officer=officer)
    db.session.commit()
    assert 'id="evaluation-panel"' not in _text(client.get(f"/tenders/{open_tender.id}"))


HOSTILE = ["7", "-1", "abc", " ", "3.5", "99999999999", "0x1", "\u00a0", "<script>"]


def test_hostile_input_is_refused_with_a_message_never_an_error(client, db, scoring):
    tender, evaluator = scoring["tender"], scoring["evaluators"][0]
    first = evaluations_in_bid_order(tender)[0]
    question = tender.questions[0]
    operations.start_sheet(tender, by=evaluator)
    db.session.commit()
    sign_in(client, evaluator)
    url = f"/tenders/{tender.id}/evaluation/scores"
    for value in HOSTILE:
        data = {f"score_{first.id}_{question.id}": value, "save": "y"}
        response = client.post(url, data=data)
        assert response.status_code == 200, value
        assert "Choose a score from 0 to 5" in _text(response)
    for value in HOSTILE:
        for path in ("compliance/record", "low-price"):
            response = client.get(f"/tenders/{tender.id}/evaluation/{path}?bid={value}")
            assert response.status_code == 404, (path, value)
        response = client.post(
            f"/tenders/{tender.id}/evaluation/choice",
            data={"evaluation_id": value, "decision": "accepted"},
        )
        assert response.status_code in (302, 404), value


def test_moderation_offers_the_score_every_evaluator_gave(client, db):
    import re

    officer = make_user(Role.contracts_officer)
    tender = evaluated_tender(
        ("1900.00", "2100.00"), [3, 4], officer=officer, until=TenderState.evaluating
    )
    cheap, dear = evaluations_in_bid_order(tender)
    db.session.commit()
    sign_in(client, officer)
    html = client.get(f"/tenders/{tender.id}/evaluation/moderation").get_data(as_text=True)
    for evaluation, score in ((cheap, 3), (dear, 4)):
        name = f"score_{evaluation.id}_{tender.questions[0].id}"
        checked = re.search(rf'name="{name}"[^>]*value="(\d)"[^>]*checked', html) or re.search(
            rf'name="{name}"[^>]*checked[^>]*value="(\d)"', html
        )
        assert checked and checked.group(1) == str(score), name
    # The rationale is still the moderator's to write.
    assert f'name="reason_{cheap.id}_{tender.questions[0].id}"' in html
