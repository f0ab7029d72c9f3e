"""The demo's direct awards and placements, made through the real operations at the times they
would have happened: an emergency placement last month that has since ended, an emergency
award accepted this week and started, a respite offer waiting for its provider's answer, and
the mini-tender's placement started."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.awards import operations as awards
from dps_portal.awards.models import ChoiceReason, DirectAward, Justification
from dps_portal.core import clock
from dps_portal.extensions import db
from dps_portal.framework.models import Category
from dps_portal.placements import operations as placements
from dps_portal.placements.models import EndReason, Placement, PlacementState
from dps_portal.providers.models import CareHome
from dps_portal.tenders.models import Funding
from dps_portal.vacancies.operations import set_vacancy


def _at(day: date, hour: int) -> datetime:
    return clock.uk_to_utc(datetime.combine(day, time(hour, 0)))


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def _home(name: str) -> CareHome:
    return db.session.scalars(select(CareHome).where(CareHome.name == name)).one()


def _category(code: str) -> Category:
    return db.session.scalars(select(Category).where(Category.code == code)).one()


def _owner(home: CareHome) -> User:
    return db.session.scalars(
        select(User).where(User.provider_id == home.provider_id).order_by(User.id)
    ).first()


def _award(home: CareHome, code: str, justification: Justification, *, at: datetime, **fields):
    """Search as an officer at `at` and offer `home` from the stored list."""
    officer = _user("officer@council.example")
    with clock.frozen(at):
        award = awards.start_direct_award(
            by=officer,
            justification=justification,
            category=_category(code),
            setting=home.setting,
            districts=[],
            funding=Funding.council,
            **fields,
        )
        listing = next(item for item in award.listings if item.care_home_id == home.id)
        reason = ChoiceReason.lowest_rate if listing.is_cheapest else ChoiceReason.nearest_family
        offer = awards.make_offer(award, listing, reason=reason, by=officer)
    return award, offer


def seed_past_placement() -> int:
    """Last month: an emergency placement at Kinder Rise, started the next day and ended
    last week when the person moved to supported living. Run before the current vacancies
    are seeded (it declares the bed it takes, as Juniper did then)."""
    if db.session.scalar(select(DirectAward.id).limit(1)) is not None:
        return 0
    today = clock.today_uk()
    then = today - timedelta(days=40)
    home = _home("Kinder Rise")
    owner = _owner(home)
    with clock.frozen(_at(then, 9)):
        set_vacancy(
            home,
            category=_category("MH"),
            setting=home.setting,
            beds_free=1,
            available_from=then,
            note="",
            by=owner,
        )
    _award_then, offer = _award(
        home,
        "MH",
        Justification.emergency,
        at=_at(then, 18),
        person_reference="MH-2026-E07",
        needs_summary="Discharged from a crisis house at short notice; needs a safe bed tonight.",
        start_on=then + timedelta(days=1),
        end_on=None,
    )
    with clock.frozen(_at(then, 19)):
        placement = awards.accept_offer(offer, by=owner)
    with clock.frozen(_at(then + timedelta(days=1), 15)):
        placements.confirm_start(placement, started_on=then + timedelta(days=1), by=owner)
    with clock.frozen(_at(today - timedelta(days=6), 11)):
        placements.end_placement(
            placement,
            ended_on=today - timedelta(days=7),
            reason=EndReason.more_independent,
            detail="Moved to a supported-living flat near his family.",
            by=_user("officer@council.example"),
        )
    return 1


def seed_direct_awards() -> int:
    """This week: an emergency award accepted and started at Ashgate Lodge, and a respite
    offer to Larchwood waiting for its answer. The mini-tender's placement has started."""
    if (
        db.session.scalar(
            select(DirectAward.id).where(DirectAward.justification == Justification.respite)
        )
        is not None
    ):
        return 0
    now = clock.now()
    today = clock.today_uk()

    ashgate = _home("Ashgate Lodge")
    _emergency, offer = _award(
        ashgate,
        "MH",
        Justification.emergency,
        at=now - timedelta(days=2),
        person_reference="MH-2026-E12",
        needs_summary="Family carer admitted to hospital; needs a bed for at least six weeks.",
        start_on=today - timedelta(days=1),
        end_on=None,
    )
    owner = _owner(ashgate)
    with clock.frozen(now - timedelta(days=2) + timedelta(hours=1)):
        placement = awards.accept_offer(offer, by=owner)
    with clock.frozen(now - timedelta(hours=20)):
        placements.confirm_start(placement, started_on=today - timedelta(days=1), by=owner)

    larchwood = _home("Larchwood, Burton")
    _award(
        larchwood,
        "LDA",
        Justification.respite,
        at=now - timedelta(hours=1),
        person_reference="LDA-2026-R03",
        needs_summary="Two weeks' respite while the family home is adapted.",
        start_on=today + timedelta(days=7),
        end_on=today + timedelta(days=21),
    )

    # The mini-tender's placement: the person moved in a week after the award.
    tendered = db.session.scalars(
        select(Placement).where(
            Placement.tender_id.is_not(None), Placement.state == PlacementState.awarded
        )
    ).first()
    if tendered is not None:
        started = tendered.planned_start_on
        if started <= today:
            with clock.frozen(_at(started, 16)):
                placements.confirm_start(
                    tendered, started_on=started, by=_owner(tendered.care_home)
                )
    return 2
