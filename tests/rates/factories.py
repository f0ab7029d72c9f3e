"""Rate cards and uplifts for tests: entries written directly (as admission makes them),
placements with their first cost, and a planned uplift."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from dps_portal.core import clock
from dps_portal.extensions import db
from dps_portal.placements.models import Placement, PlacementCost, PlacementRoute, PlacementState
from dps_portal.rates.models import RateCardEntry, Uplift, UpliftState
from tests.contracts.factories import admit_home, category
from tests.factories import make_home
from tests.onboarding.factories import ready_framework

_numbers = itertools.count(1)


def setting(code: str = "residential"):
    return next(s for s in ready_framework().settings if s.code == code)


def add_rate(
    home,
    rate: str | Decimal,
    *,
    code: str = "MH",
    setting_code: str = "residential",
    effective_from: date = date(2026, 4, 1),
    source: str = "admission",
) -> RateCardEntry:
    entry = RateCardEntry(
        care_home_id=home.id,
        category_id=category(code).id,
        setting_id=setting(setting_code).id,
        weekly_rate=Decimal(rate),
        effective_from=effective_from,
        reason="Agreed at admission: APP-TEST",
        source=source,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def rated_home(rate: str = "1234.57", *, code: str = "MH", provider=None, **fields):
    """A home admitted to the category with a residential rate from 1 April 2026."""
    home = admit_home(make_home(provider, setting_id=setting().id, **fields), code)
    add_rate(home, rate, code=code)
    return home


def add_placement(
    home,
    cost: str | Decimal,
    *,
    code: str = "MH",
    state: PlacementState = PlacementState.active,
    since: date = date(2026, 6, 1),
    tender=None,
) -> Placement:
    """A placement of `home` (its tender `tender`, made when None) with one cost from `since`."""
    if tender is None:
        from tests.tenders.factories import make_tender

        tender = make_tender(code)
    number = next(_numbers)
    placement = Placement(
        reference=f"PL-2026-R{number:04d}",
        route=PlacementRoute.mini_tender,
        state=state,
        person_reference=f"RATES-{number}",
        category_id=category(code).id,
        setting_id=setting().id,
        care_home_id=home.id,
        provider_id=home.provider_id,
        tender_id=tender.id,
        weekly_core_fee=Decimal(cost),
        weekly_cost=Decimal(cost),
        planned_start_on=since,
        started_on=since if state in (PlacementState.active, PlacementState.ended) else None,
        ended_on=since + timedelta(days=30) if state is PlacementState.ended else None,
        end_reason=None,
        awarded_at=clock.now(),
    )
    if state is PlacementState.ended:
        from dps_portal.placements.models import EndReason

        placement.end_reason = EndReason.other
    db.session.add(placement)
    db.session.flush()
    db.session.add(
        PlacementCost(
            placement_id=placement.id,
            effective_from=since,
            weekly_cost=Decimal(cost),
            reason="Awarded",
        )
    )
    db.session.flush()
    return placement


def planned_uplift(
    officer, percent: str = "3.5", *, code: str = "MH", effective_on: date = date(2027, 4, 1)
) -> Uplift:
    uplift = Uplift(
        category_id=category(code).id,
        percent=Decimal(percent),
        effective_on=effective_on,
        state=UpliftState.planned,
        created_by_id=officer.id,
    )
    db.session.add(uplift)
    db.session.flush()
    return uplift


def access_matrix_values(officer) -> dict:
    """A planned uplift far ahead (so an officer may cancel it) for the access matrix."""
    return {"uplift_id": planned_uplift(officer, effective_on=date(2099, 4, 1)).id}
