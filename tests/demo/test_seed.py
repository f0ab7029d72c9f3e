from datetime import timedelta

from sqlalchemy import func, select

from dps_portal.accounts.models import User
from dps_portal.demo.seed import DEMO_LOGINS, seed_demo
from dps_portal.framework.models import Category, District
from dps_portal.providers.models import CareHome, CqcRating, ProviderOrganisation


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_makes_the_framework_staff_and_providers(app, db):
    created = seed_demo()
    db.session.commit()
    assert created > 0
    assert [c.code for c in db.session.scalars(select(Category).order_by(Category.position))] == [
        "MH",
        "LDA",
        "ENH",
    ]
    assert count(db, District) == 9
    assert count(db, ProviderOrganisation) == 6
    assert count(db, User) == len(DEMO_LOGINS)
    ashgate = db.session.scalars(
        select(CareHome).where(CareHome.cqc_location_id == "1-101000001")
    ).one()
    assert ashgate.name == "Ashgate Lodge"
    assert ashgate.district.name == "Chesterfield"
    assert ashgate.setting.code == "residential"
    assert ashgate.cqc_rating is CqcRating.good
    dovedale = db.session.scalars(
        select(CareHome).where(CareHome.cqc_location_id == "1-101000004")
    ).one()
    assert dovedale.setting.code == "nursing" and dovedale.cqc_rating is CqcRating.inadequate


def test_seed_is_safe_to_run_twice(app, db):
    seed_demo()
    db.session.commit()
    before = {model: count(db, model) for model in (User, CareHome, ProviderOrganisation, Category)}
    assert seed_demo() == 0
    db.session.commit()
    assert {model: count(db, model) for model in before} == before


def test_seed_demo_command(app, db):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin@council.example" in result.output
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "(0 records added)" in again.output


def test_seed_makes_one_application_in_each_state(app, db):
    from dps_portal.core import clock
    from dps_portal.core.workingdays import add_working_days, working_days_between
    from dps_portal.onboarding.models import Admission, Application, ApplicationState

    seed_demo()
    db.session.commit()
    by_provider = {a.provider.legal_name: a for a in db.session.scalars(select(Application))}
    assert by_provider["Trentside Community Care CIC"].state is ApplicationState.draft
    waiting = by_provider["Highmoor Specialist Services Ltd"]
    assert waiting.state is ApplicationState.submitted
    assert working_days_between(waiting.received_on, clock.today_uk()) == 2, "day 3 of 10"
    assert waiting.due_on == add_working_days(waiting.received_on, 10)
    assert by_provider["Moorland Behaviour Support Ltd"].state is ApplicationState.decided
    admitted = by_provider["Peakland Care Ltd"]
    assert admitted.state is ApplicationState.decided
    assert admitted.decision_notice_id is not None
    codes = {a.category.code for a in db.session.scalars(select(Admission))}
    assert codes == {"MH", "LDA"}


def test_seed_shows_the_contract_gate_at_work(app, db):
    """An admitted home waiting for its first visit, a home eligible in two categories, a
    suspended home, and a finalised visit with open actions."""
    from dps_portal.contracts.eligibility import Barrier, home_eligibility
    from dps_portal.quality.models import ActionState, Visit, VisitState

    seed_demo()
    db.session.commit()
    homes = {home.name: home for home in db.session.scalars(select(CareHome))}

    def barriers(name):
        return {code.category.code: code.barriers for code in home_eligibility(homes[name])}

    assert barriers("Ashgate Lodge") == {"MH": set(), "LDA": set()}
    assert barriers("Kinder Rise") == {"MH": set(), "LDA": set()}
    assert barriers("Brook House") == {
        "MH": {Barrier.no_initial_visit},
        "LDA": {Barrier.no_initial_visit},
    }
    assert barriers("Juniper House") == {
        "MH": {Barrier.home_suspended},
        "LDA": {Barrier.home_suspended},
    }
    waiting = db.session.scalars(
        select(Visit).where(Visit.care_home_id == homes["Brook House"].id)
    ).one()
    assert waiting.state is VisitState.scheduled and waiting.is_announced
    ashgate = db.session.scalars(
        select(Visit).where(Visit.care_home_id == homes["Ashgate Lodge"].id)
    ).one()
    assert ashgate.state is VisitState.finalised and ashgate.report_document_id is not None
    assert [action.state for action in ashgate.actions] == [ActionState.open, ActionState.open]
    warnings = home_eligibility(homes["Ashgate Lodge"])[0].warnings
    assert any("Public liability insurance expires" in warning for warning in warnings)


def test_demo_company_numbers_have_eight_characters_whatever_the_id(app, db):
    from dps_portal.demo.applications import _complete_details
    from tests.factories import make_framework

    framework = make_framework()
    provider = ProviderOrganisation(id=123456, legal_name="Many Homes Ltd")
    db.session.add(provider)
    db.session.flush()

    _complete_details(provider, framework)

    assert provider.companies_house_number == "09123456"


def test_seed_makes_a_tender_at_each_stage(app, db):
    from dps_portal.core import clock
    from dps_portal.placements.models import Placement
    from dps_portal.tenders.models import (
        Bid,
        PersonChoice,
        ScoreSheet,
        Tender,
        TenderInvitation,
        TenderState,
    )

    seed_demo()
    db.session.commit()
    tenders = {t.person_reference: t for t in db.session.scalars(select(Tender))}
    now = clock.now()

    open_tender = tenders["MH-2026-031"]
    assert open_tender.is_open_at(now) and open_tender.closes_at - now < timedelta(days=2)
    bids = db.session.scalars(select(Bid).where(Bid.tender_id == open_tender.id)).all()
    assert len(bids) == 2
    declined = db.session.scalars(
        select(TenderInvitation).where(
            TenderInvitation.tender_id == open_tender.id, TenderInvitation.declined_at.is_not(None)
        )
    ).all()
    assert len(declined) == 1

    assert tenders["LDA-2026-044"].is_closed_at(now)

    in_moderation = tenders["MH-2026-027"]
    assert in_moderation.state is TenderState.evaluating
    sheets = db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.tender_id == in_moderation.id)
    ).all()
    assert len(sheets) == 2 and all(sheet.is_submitted for sheet in sheets)

    awarded = tenders["LDA-2026-019"]
    assert awarded.state is TenderState.awarded
    choices = db.session.scalars(
        select(PersonChoice).where(PersonChoice.tender_id == awarded.id).order_by(PersonChoice.id)
    ).all()
    assert [choice.is_accepted for choice in choices] == [False, True]
    placement = db.session.scalars(select(Placement).where(Placement.tender_id == awarded.id)).one()
    assert placement.provider.legal_name == "Peakland Care Ltd"


def test_seed_makes_direct_awards_placements_and_vacancies(app, db):
    from dps_portal.awards.models import DirectAward, DirectAwardOffer, OfferState
    from dps_portal.core import clock
    from dps_portal.placements.models import Placement, PlacementState
    from dps_portal.vacancies.models import Vacancy
    from dps_portal.vacancies.rules import fresh_since

    seed_demo()
    db.session.commit()
    states = sorted(p.state.name for p in db.session.scalars(select(Placement)))
    assert states == ["active", "active", "ended"]
    awards = {a.justification.name: a for a in db.session.scalars(select(DirectAward))}
    assert awards["respite"].state.name == "open"
    waiting = db.session.scalars(
        select(DirectAwardOffer).where(DirectAwardOffer.state == OfferState.offered)
    ).one()
    assert waiting.is_waiting_at(clock.now())
    ended = db.session.scalars(
        select(Placement).where(Placement.state == PlacementState.ended)
    ).one()
    assert ended.end_reason is not None and ended.ended_on < clock.today_uk()
    vacancies = db.session.scalars(select(Vacancy)).all()
    stale = [v for v in vacancies if not v.is_fresh_since(fresh_since())]
    assert len(vacancies) == 3 and len(stale) == 1
