"""The contracts officers' home page is a work queue: each line counts what waits (the same
number as the data made here says), says when in UK time, and links to a list showing exactly
those rows; lines with nothing waiting are named once, not listed as zeros."""

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from dps_portal.awards.models import (
    ChoiceReason,
    DirectAward,
    DirectAwardListing,
    DirectAwardOffer,
    DirectAwardState,
    Justification,
    OfferState,
)
from dps_portal.contracts.models import SuspensionState
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.onboarding.models import (
    Application,
    ApplicationState,
    ClarificationRequest,
    ReviewOutcome,
    SectionReview,
)
from dps_portal.onboarding.question_sets import current_question_set
from dps_portal.placements.models import PlacementState
from dps_portal.providers.models import CqcRating
from dps_portal.tenders.models import Funding, TenderState
from tests.awards.helpers import add_vacancy, setting
from tests.conftest import sign_in
from tests.contracts.factories import admit_home, category, make_eligible_home, suspend
from tests.factories import make_home, make_provider, make_user
from tests.onboarding.factories import ready_framework
from tests.placements.factories import add_placements
from tests.tenders.factories import make_tender

# Monday 1 March 2027, 10:00 in London (GMT): two working days on are Tuesday and Wednesday.
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
TODAY = date(2027, 3, 1)
_numbers = itertools.count(1)


@pytest.fixture
def frozen(db):
    with clock.frozen(NOW):
        yield


def add_application(
    state=ApplicationState.submitted, *, due_on: date, extended_due_on: date | None = None
) -> Application:
    framework = ready_framework()
    application = Application(
        reference=f"HOME-{next(_numbers)}",
        provider_id=make_provider().id,
        framework_id=framework.id,
        question_set_id=current_question_set(framework).id,
        state=state,
        submitted_at=NOW - timedelta(days=10),
        received_on=TODAY - timedelta(days=10),
        due_on=due_on,
        extended_due_on=extended_due_on,
        extension_reason="Waiting for the insurer" if extended_due_on else None,
        decided_at=NOW if state is ApplicationState.decided else None,
    )
    db.session.add(application)
    db.session.flush()
    return application


def add_clarification(application, officer, *, answered_at=None) -> None:
    db.session.add(
        ClarificationRequest(
            application_id=application.id,
            section_keys=["insurance"],
            message="Send the current certificate.",
            requested_by_id=officer.id,
            requested_at=NOW - timedelta(days=5),
            response="Attached." if answered_at else "",
            responded_at=answered_at,
        )
    )


def add_review(application, officer, *, at) -> None:
    db.session.add(
        SectionReview(
            application_id=application.id,
            section_key="insurance",
            outcome=ReviewOutcome.passed,
            reviewed_by_id=officer.id,
            reviewed_at=at,
        )
    )


def add_tender(officer, state, *, closes_at=None, standstill_ends_on=None):
    tender = make_tender(officer=officer)
    tender.closes_at = closes_at or NOW - timedelta(days=3)
    tender.clarifications_close_at = tender.closes_at - timedelta(hours=1)
    tender.state = state
    if state is not TenderState.draft:
        tender.published_at = NOW - timedelta(days=10)
    if state is TenderState.awarded:
        tender.awarded_at = NOW - timedelta(days=1)
    if state is TenderState.cancelled:
        tender.cancelled_at = NOW - timedelta(days=1)
    tender.standstill_ends_on = standstill_ends_on
    db.session.flush()
    return tender


def add_direct_award(officer, *, offer=None, start_on=TODAY, state=DirectAwardState.open):
    """A direct award listing one home; `offer`: None, or the state of the one offer made
    ("waiting", "window passed", "declined")."""
    home = make_home()
    award = DirectAward(
        reference=f"DA-HOME-{next(_numbers)}",
        state=state,
        justification=Justification.emergency,
        person_reference=f"PR-{next(_numbers)}",
        category_id=category("MH").id,
        setting_id=setting().id,
        start_on=start_on,
        funding=Funding.council,
        created_by_id=officer.id,
        placed_at=NOW if state is DirectAwardState.placed else None,
    )
    award.listings = [
        DirectAwardListing(
            position=1,
            care_home_id=home.id,
            provider_id=home.provider_id,
            home_name=home.name,
            provider_name=home.provider.legal_name,
            weekly_rate=Decimal("1000.00"),
            beds_free=1,
        )
    ]
    db.session.add(award)
    db.session.flush()
    if offer is not None:
        offered_at = NOW - timedelta(hours=1 if offer == "waiting" else 30)
        db.session.add(
            DirectAwardOffer(
                direct_award_id=award.id,
                listing_id=award.listings[0].id,
                provider_id=home.provider_id,
                state=OfferState.declined if offer == "declined" else OfferState.offered,
                decline_reason="No bed after all" if offer == "declined" else "",
                choice_reason=ChoiceReason.lowest_rate,
                weekly_rate=Decimal("1000.00"),
                offered_at=offered_at,
                offered_by_id=officer.id,
                respond_by=NOW + timedelta(hours=4)
                if offer == "waiting"
                else offered_at + timedelta(hours=4),
            )
        )
        db.session.flush()
    return award


class OfficerWorld:
    """Something waiting in every line of the officer's queue, and things that must not count
    beside each: `expected` is each line's rows, by what its list shows of them."""

    def __init__(self):
        ready_framework()
        self.officer = make_user(Role.contracts_officer)
        officer = self.officer
        feb = lambda day: date(2027, 2, day)  # noqa: E731
        mar = lambda day: date(2027, 3, day)  # noqa: E731

        overdue = [
            add_application(due_on=feb(25)),
            add_application(ApplicationState.clarification_requested, due_on=feb(28)),
        ]
        due_soon = [add_application(due_on=mar(1)), add_application(due_on=mar(3))]
        due_later = [
            # Its extension moves it out of the overdue ones.
            add_application(
                ApplicationState.clarification_requested, due_on=feb(26), extended_due_on=mar(8)
            ),
            add_application(due_on=mar(4)),
        ]
        add_application(ApplicationState.decided, due_on=feb(20))
        add_clarification(due_soon[0], officer, answered_at=NOW - timedelta(days=1))
        add_review(due_soon[0], officer, at=NOW - timedelta(days=3))
        add_clarification(due_soon[1], officer, answered_at=NOW - timedelta(days=1))
        # Reviewed since the answer: back to waiting for the decision only.
        add_clarification(due_later[1], officer, answered_at=NOW - timedelta(days=2))
        add_review(due_later[1], officer, at=NOW - timedelta(days=1))
        add_clarification(due_later[0], officer)  # not answered yet

        tender = lambda state, **values: add_tender(officer, state, **values)  # noqa: E731
        open_tenders = [
            tender(TenderState.published, closes_at=NOW + timedelta(days=2)),
            tender(TenderState.published, closes_at=NOW + timedelta(days=1)),
        ]
        to_open = [tender(TenderState.published, closes_at=NOW - timedelta(hours=2))]
        evaluating = [tender(TenderState.opened), tender(TenderState.evaluating)]
        moderated = [tender(TenderState.moderated)]
        approval = [tender(TenderState.recommended)]
        standstill = [
            tender(TenderState.standstill, standstill_ends_on=mar(3)),
            tender(TenderState.standstill, standstill_ends_on=feb(26)),
        ]
        draft = tender(TenderState.draft)
        tender(TenderState.awarded)
        tender(TenderState.cancelled)

        waiting = [add_direct_award(officer, offer="waiting", start_on=mar(2))]
        to_offer = [
            add_direct_award(officer, offer="window passed", start_on=mar(5)),
            add_direct_award(officer, offer="declined", start_on=mar(3)),
            add_direct_award(officer, start_on=mar(4)),
        ]
        add_direct_award(officer, state=DirectAwardState.placed)
        add_direct_award(officer, state=DirectAwardState.closed)

        home = make_home()
        active = {"state": PlacementState.active, "started_on": TODAY - timedelta(days=300)}
        reviews = add_placements(draft, home, 1, next_review_on=TODAY - timedelta(days=2), **active)
        reviews += add_placements(
            draft, home, 1, next_review_on=TODAY + timedelta(days=10), **active
        )
        add_placements(draft, home, 1, next_review_on=TODAY + timedelta(days=20), **active)
        add_placements(draft, home, 1)

        recommended = [
            suspend(make_provider(), state=SuspensionState.recommended),
            suspend(home.provider, home, state=SuspensionState.recommended),
        ]
        cqc = [
            make_home(cqc_review_required_since=NOW - timedelta(days=2)),
            make_home(cqc_review_required_since=NOW - timedelta(days=1)),
        ]

        held_back = make_eligible_home("MH")
        in_force = suspend(held_back.provider, held_back)
        inadequate = make_eligible_home("MH")
        inadequate.cqc_rating = CqcRating.inadequate
        make_eligible_home("MH")  # eligible
        admit_home(make_home(), "MH")  # never visited: the monitors' work, not a loss

        add_vacancy(make_home(name="Stale One"), 2, confirmed_at=NOW - timedelta(days=8))
        add_vacancy(make_home(name="Stale Two"), 1, confirmed_at=NOW - timedelta(days=30))
        add_vacancy(make_home(name="Fresh"), 1, confirmed_at=NOW - timedelta(days=1))
        add_vacancy(make_home(name="Stale Full"), 0, confirmed_at=NOW - timedelta(days=30))
        db.session.commit()

        refs = lambda rows: {row.reference for row in rows}  # noqa: E731
        ids = lambda rows: {str(row.id) for row in rows}  # noqa: E731
        self.in_force = in_force
        self.expected = {
            "applications-overdue": refs(overdue),
            "applications-due-soon": refs(due_soon),
            "applications-due-later": refs(due_later),
            "clarifications-answered": refs(due_soon),
            "tenders-open": ids(open_tenders),
            "bids-to-open": ids(to_open),
            "evaluations": ids(evaluating),
            "moderations": ids(moderated),
            "awards-to-approve": ids(approval),
            "standstills": ids(standstill),
            "offers-waiting": ids(waiting),
            "awards-to-offer": ids(to_offer),
            "placement-reviews": ids(reviews),
            "suspension-recommendations": ids(recommended),
            "cqc-reviews": {home.cqc_location_id for home in cqc},
            "no-longer-eligible": {str(held_back.id), str(inadequate.id)},
            "stale-vacancies": {"Stale One", "Stale Two"},
        }


def work_lines(page: str) -> dict[str, tuple[int, str, str]]:
    """{line key: (count, href, the line's text)} of the page's work queue."""
    lines = {}
    for item in page.split('<li class="govuk-task-list__item')[1:]:
        key = re.search(r'data-work="([\w-]+)"', item).group(1)
        count = int(re.search(r"<strong>(\d+)</strong>", item).group(1))
        href = re.search(r'href="([^"]+)"', item).group(1).replace("&amp;", "&")
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item.split("</li>")[0])).strip()
        lines[key] = (count, href, text)
    return lines


# What each list shows of its rows.
ROWS = {
    "review.list_applications": r'data-application="([^"]+)"',
    "tenders": r'href="/tenders/(\d+)"',
    "direct-awards": r'href="/direct-awards/(\d+)"',
    "placements": r'href="/placements/(\d+)"',
    "cqc": r'<tr class="govuk-table__row" data-home="([^"]+)"',
    "eligibility": r'data-home="(\d+)"',
}


def rows_shown(key: str, href: str, page: str) -> set[str]:
    if href.startswith("/review/applications"):
        return set(re.findall(ROWS["review.list_applications"], page))
    if href.startswith("/tenders"):
        return set(re.findall(ROWS["tenders"], page))
    if href.startswith("/direct-awards"):
        return set(re.findall(ROWS["direct-awards"], page))
    if href.startswith("/placements"):
        return set(re.findall(ROWS["placements"], page))
    if key == "suspension-recommendations":
        waiting = page.split("Recommendations waiting for an officer")[1].split("In force")[0]
        return set(re.findall(r'data-suspension="(\d+)"', waiting))
    if key == "cqc-reviews":
        return set(re.findall(ROWS["cqc"], page))
    if key == "no-longer-eligible":
        return set(re.findall(ROWS["eligibility"], page))
    if key == "stale-vacancies":
        board = page.split('id="vacancy-board"')[1].split("</tbody>")[0]
        return set(
            re.findall(
                r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell">([^<]+)<br>', board
            )
        )
    raise AssertionError(f"no list known for {key}: {href}")


def test_each_line_counts_what_waits_and_links_to_exactly_those_rows(client, frozen):
    world = OfficerWorld()
    sign_in(client, world.officer)

    lines = work_lines(client.get("/officer").get_data(as_text=True))

    assert set(lines) == set(world.expected)
    for key, expected in world.expected.items():
        count, href, _text = lines[key]
        assert count == len(expected), key
        shown = rows_shown(key, href, client.get(href).get_data(as_text=True))
        assert shown == expected, (key, href)


def test_the_lines_say_when_in_uk_time_most_urgent_first(client, frozen):
    world = OfficerWorld()
    sign_in(client, world.officer)

    page = client.get("/officer").get_data(as_text=True)
    lines = work_lines(page)

    texts = {key: text for key, (_count, _href, text) in lines.items()}
    assert "The earliest was due on 25 February 2027." in texts["applications-overdue"]
    assert "Overdue" in texts["applications-overdue"]
    assert "The first is due on 1 March 2027." in texts["applications-due-soon"]
    assert "The next is due on 4 March 2027." in texts["applications-due-later"]
    assert "The next closes on 2 March 2027 at 10:00am (GMT)." in texts["tenders-open"]
    assert "The first closed on 1 March 2027 at 8:00am (GMT)." in texts["bids-to-open"]
    assert "ended on 26 February 2027: confirm its award" in texts["standstills"]
    assert "The first window ends on 1 March 2027 at 2:00pm (GMT)." in texts["offers-waiting"]
    assert "The first placement starts on 3 March 2027." in texts["awards-to-offer"]
    assert "Placement reviews due by 15 March 2027" in texts["placement-reviews"]
    assert "The first is due on 27 February 2027." in texts["placement-reviews"]
    # Overdue first, what to do next, then what waits on others.
    order = list(lines)
    assert order.index("applications-overdue") < order.index("applications-due-soon")
    assert order.index("applications-due-soon") < order.index("evaluations")
    assert order.index("evaluations") < order.index("offers-waiting")
    assert order[-1] in {"applications-due-later", "tenders-open", "offers-waiting"} | {
        "stale-vacancies",
        "no-longer-eligible",
    }
    assert "data-nothing-waiting" not in page


def test_a_deadline_in_summer_is_in_british_summer_time(client, db):
    summer = datetime(2027, 7, 1, 9, 0, tzinfo=UTC)
    with clock.frozen(summer):
        officer = make_user(Role.contracts_officer)
        add_tender(officer, TenderState.published, closes_at=summer + timedelta(hours=7))
        db.session.commit()
        sign_in(client, officer)
        lines = work_lines(client.get("/officer").get_data(as_text=True))
    assert "The next closes on 1 July 2027 at 5:00pm (BST)." in lines["tenders-open"][2]


def test_nothing_waiting_is_said_once(client, frozen):
    officer = make_user(Role.contracts_officer)
    ready_framework()
    db.session.commit()
    sign_in(client, officer)
    page = client.get("/officer").get_data(as_text=True)
    assert work_lines(page) == {}
    assert "Nothing is waiting for you" in page

    add_application(due_on=date(2027, 2, 1))
    db.session.commit()
    page = client.get("/officer").get_data(as_text=True)
    assert set(work_lines(page)) == {"applications-overdue"}
    nothing = page.split("data-nothing-waiting")[1].split("</details>")[0]
    assert "Nothing waiting in 16 other queues" in nothing
    assert "<li>CQC ratings to review</li>" in nothing
    assert "<li>Mini-tenders open for bids</li>" in nothing
    assert "Applications past their decision date" not in nothing


def test_a_stale_vacancy_line_follows_the_frameworks_period(client, frozen):
    framework = ready_framework()
    officer = make_user(Role.contracts_officer)
    add_vacancy(make_home(), 1, confirmed_at=NOW - timedelta(days=4))
    db.session.commit()
    sign_in(client, officer)
    assert "stale-vacancies" not in work_lines(client.get("/officer").get_data(as_text=True))
    framework.vacancy_stale_days = 3
    db.session.commit()
    lines = work_lines(client.get("/officer").get_data(as_text=True))
    assert lines["stale-vacancies"][0] == 1
    assert "Not confirmed for 3 days" in lines["stale-vacancies"][2]
