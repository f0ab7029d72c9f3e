"""The contract gate as a table: every barrier on its own, in pairs, and all together."""

import itertools
from datetime import UTC, date, datetime

import pytest

from dps_portal.contracts.eligibility import (
    Barrier,
    eligibility,
    eligible_homes,
    home_eligibility,
)
from dps_portal.contracts.models import SuspensionState
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.declarations.models import DeclarationRequest
from dps_portal.extensions import db
from dps_portal.providers.models import CqcRating, EvidenceItem
from dps_portal.quality.models import Visit, VisitOutcome, VisitType
from tests.contracts.factories import (
    accept_terms,
    admit_home,
    category,
    make_eligible_home,
    make_visit,
    publish_terms,
    suspend,
)
from tests.factories import make_home, make_user

TODAY = date(2026, 3, 4)


@pytest.fixture(autouse=True)
def _today(db):
    with clock.frozen(datetime(2026, 3, 4, 12, 0, tzinfo=UTC)):
        yield


def _remove_visits(home):
    for visit in db.session.query(Visit).filter_by(care_home_id=home.id):
        db.session.delete(visit)
    db.session.flush()


def _unsatisfactory_visit_only(home):
    _remove_visits(home)
    make_visit(home, outcome=VisitOutcome.unsatisfactory)


def _visit_not_finalised(home):
    _remove_visits(home)
    make_visit(home, outcome=None)


def _routine_visit_only(home):
    _remove_visits(home)
    make_visit(home, visit_type=VisitType.routine)


def _new_terms_past_accept_by(home):
    publish_terms(effective_on=date(2026, 1, 1), accept_by=date(2026, 3, 1))


def _expired_insurance(home):
    db.session.add(
        EvidenceItem(
            provider_id=home.provider_id,
            kind="public_liability",
            label="Public liability insurance",
            expires_on=date(2026, 3, 3),
        )
    )
    db.session.flush()


def _inadequate(home):
    home.cqc_rating = CqcRating.inadequate
    home.cqc_review_required_since = clock.now()


def _deregistered(home):
    home.is_cqc_registered = False


def _overdue_declaration(home):
    db.session.add(
        DeclarationRequest(
            provider_id=home.provider_id,
            requested_by_id=make_user(Role.contracts_officer).id,
            due_on=date(2026, 3, 3),
        )
    )
    db.session.flush()


def _not_put_forward(home):
    from dps_portal.onboarding.models import AdmittedHome

    db.session.query(AdmittedHome).filter_by(care_home_id=home.id).delete()
    # The provider stays admitted through another home.
    admit_home(make_home(home.provider), "MH")


BREAKERS = {
    "not put forward": (
        _not_put_forward,
        Barrier.not_admitted,
        "Home not put forward for Mental Health",
    ),
    "unsatisfactory initial visit": (
        _unsatisfactory_visit_only,
        Barrier.no_initial_visit,
        "No satisfactory initial quality-monitoring visit",
    ),
    "visit not finalised": (
        _visit_not_finalised,
        Barrier.no_initial_visit,
        "No satisfactory initial quality-monitoring visit",
    ),
    "only a routine visit": (
        _routine_visit_only,
        Barrier.no_initial_visit,
        "No satisfactory initial quality-monitoring visit",
    ),
    "new terms past accept-by": (
        _new_terms_past_accept_by,
        Barrier.terms_not_accepted,
        "Terms and conditions v2 not accepted (they had to be accepted by 1 March 2026)",
    ),
    "home suspended": (
        lambda home: suspend(home.provider, home),
        Barrier.home_suspended,
        "Suspended: safeguarding concern",
    ),
    "provider suspended": (
        lambda home: suspend(
            home.provider, reason="fraud investigation", ends_on=date(2026, 6, 30)
        ),
        Barrier.provider_suspended,
        "Provider suspended: fraud investigation (until 30 June 2026)",
    ),
    "insurance expired": (
        _expired_insurance,
        Barrier.evidence_expired,
        "Public liability insurance expired 3 March 2026",
    ),
    "CQC Inadequate": (
        _inadequate,
        Barrier.cqc_inadequate,
        "CQC rating Inadequate: waiting for a contracts officer's review",
    ),
    "CQC deregistered": (
        _deregistered,
        Barrier.cqc_not_registered,
        "CQC registration is not active",
    ),
    "declaration overdue": (
        _overdue_declaration,
        Barrier.declaration_overdue,
        "Renewed self-declaration overdue since 3 March 2026",
    ),
}


def test_a_home_with_everything_in_place_is_eligible():
    home = make_eligible_home("MH")

    result = eligibility(home, category("MH"), TODAY)

    assert result.is_eligible
    assert result.reasons == []


@pytest.mark.parametrize("name", BREAKERS)
def test_each_barrier_on_its_own_makes_the_home_ineligible_and_says_why(name):
    breaker, barrier, text = BREAKERS[name]
    home = make_eligible_home("MH")
    breaker(home)

    result = eligibility(home, category("MH"), TODAY)

    assert not result.is_eligible
    assert [(r.barrier, r.text) for r in result.reasons] == [(barrier, text)]


PAIRS = [
    pair
    for pair in itertools.combinations(BREAKERS, 2)
    # Two ways of having no gate visit are one barrier, not two.
    if {BREAKERS[name][1] for name in pair} != {Barrier.no_initial_visit}
]


@pytest.mark.parametrize("first,second", PAIRS)
def test_barriers_in_pairs_are_each_reported(first, second):
    home = make_eligible_home("MH")
    for name in (first, second):
        BREAKERS[name][0](home)

    result = eligibility(home, category("MH"), TODAY)

    assert {r.text for r in result.reasons} == {BREAKERS[first][2], BREAKERS[second][2]}


def test_every_barrier_at_once_is_every_reason():
    home = make_eligible_home("MH")
    names = [n for n in BREAKERS if n not in ("visit not finalised", "only a routine visit")]
    for name in names:
        BREAKERS[name][0](home)

    result = eligibility(home, category("MH"), TODAY)

    assert {r.text for r in result.reasons} == {BREAKERS[name][2] for name in names}


def test_an_admitted_home_with_nothing_else_lists_visit_and_terms():
    home = admit_home(make_home(), "MH")
    publish_terms()

    result = eligibility(home, category("MH"), TODAY)

    assert result.barriers == {Barrier.no_initial_visit, Barrier.terms_not_accepted}
    assert "Terms and conditions v1 not accepted" in {r.text for r in result.reasons}


def test_a_provider_not_admitted_to_the_category_is_told_so():
    home = make_eligible_home("MH")

    result = eligibility(home, category("ENH"), TODAY)

    assert [r.text for r in result.reasons] == ["Provider not admitted to Enhanced"]


def test_no_published_terms_is_a_barrier():
    home = admit_home(make_home(), "MH")
    make_visit(home)

    result = eligibility(home, category("MH"), TODAY)

    assert [r.text for r in result.reasons] == [
        "The council has not published its terms and conditions yet"
    ]


def test_new_terms_within_their_accept_by_date_only_warn():
    home = make_eligible_home("MH")
    publish_terms(effective_on=date(2026, 3, 1), accept_by=date(2026, 3, 31))

    result = eligibility(home, category("MH"), TODAY)

    assert result.is_eligible
    assert result.warnings == ["Terms and conditions v2 not accepted: accept them by 31 March 2026"]
    # The day after the accept-by date, the home is out.
    assert not eligibility(home, category("MH"), date(2026, 4, 1)).is_eligible


def test_accepting_the_new_terms_brings_the_home_back():
    home = make_eligible_home("MH")
    terms = publish_terms(effective_on=date(2026, 1, 1), accept_by=date(2026, 3, 1))
    assert not eligibility(home, category("MH"), TODAY).is_eligible

    accept_terms(home.provider, terms)

    assert eligibility(home, category("MH"), TODAY).is_eligible


def test_terms_not_yet_in_effect_change_nothing():
    home = make_eligible_home("MH")
    publish_terms(effective_on=date(2026, 4, 1), accept_by=date(2026, 4, 30))

    assert eligibility(home, category("MH"), TODAY).is_eligible


def test_a_follow_up_visit_after_an_unsatisfactory_initial_opens_the_gate():
    home = make_eligible_home("MH")
    _unsatisfactory_visit_only(home)
    make_visit(home, visit_type=VisitType.follow_up)

    assert eligibility(home, category("MH"), TODAY).is_eligible


def test_satisfactory_with_actions_passes():
    home = make_eligible_home("MH")
    _remove_visits(home)
    make_visit(home, outcome=VisitOutcome.satisfactory_with_actions)

    assert eligibility(home, category("MH"), TODAY).is_eligible


@pytest.mark.parametrize(
    "state,ends_on,eligible",
    [
        (SuspensionState.recommended, None, True),
        (SuspensionState.declined, None, True),
        (SuspensionState.lifted, None, True),
        (SuspensionState.active, date(2026, 3, 3), True),
        (SuspensionState.active, date(2026, 3, 4), False),
        (SuspensionState.active, None, False),
    ],
)
def test_only_a_confirmed_suspension_within_its_dates_counts(state, ends_on, eligible):
    home = make_eligible_home("MH")
    suspend(home.provider, home, state=state, ends_on=ends_on)

    assert eligibility(home, category("MH"), TODAY).is_eligible is eligible


def test_another_homes_suspension_does_not_count():
    home = make_eligible_home("MH")
    suspend(home.provider, make_home(home.provider))

    assert eligibility(home, category("MH"), TODAY).is_eligible


def test_replaced_evidence_does_not_count_and_soon_expiring_evidence_warns():
    home = make_eligible_home("MH")
    _expired_insurance(home)
    old = db.session.query(EvidenceItem).filter_by(provider_id=home.provider_id).one()
    old.replaced_at = clock.now()
    db.session.add(
        EvidenceItem(
            provider_id=home.provider_id,
            kind="public_liability",
            label="Public liability insurance",
            expires_on=date(2026, 4, 1),
        )
    )
    db.session.flush()

    result = eligibility(home, category("MH"), TODAY)

    assert result.is_eligible
    assert result.warnings == ["Public liability insurance expires 1 April 2026"]


def test_an_officers_review_clears_an_inadequate_rating():
    home = make_eligible_home("MH")
    _inadequate(home)
    home.cqc_review_required_since = None
    home.cqc_review_cleared_at = clock.now()

    assert eligibility(home, category("MH"), TODAY).is_eligible


def test_an_inadequate_rating_reviewed_but_not_cleared_stays_a_barrier():
    home = make_eligible_home("MH")
    _inadequate(home)
    home.cqc_review_required_since = None

    assert [r.text for r in eligibility(home, category("MH"), TODAY).reasons] == [
        "CQC rating Inadequate"
    ]


def test_home_eligibility_covers_each_admitted_category():
    home = make_eligible_home("MH", "LDA")

    results = home_eligibility(home, TODAY)

    assert [(r.category.code, r.is_eligible) for r in results] == [("MH", True), ("LDA", True)]


def test_eligible_homes_lists_only_those_through_the_gate():
    good = make_eligible_home("MH")
    suspended = make_eligible_home("MH")
    suspend(suspended.provider, suspended)
    make_eligible_home("LDA")

    assert eligible_homes(category("MH"), TODAY) == [good]
