"""Placements for tests: one made by a real award (PDFs and all), or rows written directly
when a test only needs many of them (the register, query counts, the job)."""

import itertools
from datetime import timedelta
from decimal import Decimal

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.placements.models import (
    EndReason,
    Placement,
    PlacementCost,
    PlacementRoute,
    PlacementState,
)
from dps_portal.tenders.award import operations
from dps_portal.tenders.models import Funding

_numbers = itertools.count(1)


def awarded_placement(moderated):
    """Recommend (within the threshold) and confirm the moderated tender's award."""
    award = operations.recommend_award(moderated.tender, note="Best", by=moderated.officer)
    return operations.confirm_award(award, by=moderated.officer)


def add_placements(tender, home, count: int, **values) -> list[Placement]:
    """`count` placements of `home` written directly (for lists and query counts). `values`
    override the columns (state, started_on, next_review_on, route, direct_award_id...);
    an active or ended one gets a start a month ago unless given."""
    placements = []
    for _ in range(count):
        number = next(_numbers)
        columns = {
            "reference": f"PL-1999-{number:05d}",
            "route": PlacementRoute.mini_tender,
            "state": PlacementState.awarded,
            "person_reference": f"REF-{number}",
            "category_id": tender.category_id,
            "setting_id": tender.setting_id,
            "care_home_id": home.id,
            "provider_id": home.provider_id,
            "tender_id": tender.id,
            "weekly_core_fee": Decimal("800.00"),
            "weekly_cost": Decimal("800.00"),
            "planned_start_on": clock.today_uk(),
            "awarded_at": clock.now(),
            **values,
        }
        if columns["state"] in (PlacementState.active, PlacementState.ended):
            columns.setdefault("started_on", clock.today_uk() - timedelta(days=30))
            if "planned_start_on" not in values:
                columns["planned_start_on"] = columns["started_on"]
        placement = Placement(**columns)
        db.session.add(placement)
        db.session.flush()
        db.session.add(
            PlacementCost(
                placement_id=placement.id,
                effective_from=placement.planned_start_on,
                weekly_cost=placement.weekly_cost,
            )
        )
        placements.append(placement)
    db.session.flush()
    return placements


def make_direct_award(tender, officer):
    """A placed direct award's row (the register only needs it to exist)."""
    from dps_portal.awards.models import DirectAward, DirectAwardState, Justification

    number = next(_numbers)
    award = DirectAward(
        reference=f"DA-1999-{number:05d}",
        state=DirectAwardState.placed,
        justification=Justification.emergency,
        person_reference=f"DA-REF-{number}",
        category_id=tender.category_id,
        setting_id=tender.setting_id,
        start_on=clock.today_uk(),
        funding=Funding.council,
        created_by_id=officer.id,
        placed_at=clock.now(),
    )
    db.session.add(award)
    db.session.flush()
    return award


class Register:
    """A small register: two providers (one home in Chesterfield, one out of county), an
    officer, a monitor, each provider's user, and placements of both routes in every state."""

    def __init__(self):
        from tests.factories import make_home, make_user
        from tests.tenders.factories import make_tender

        self.officer = make_user(Role.contracts_officer, full_name="Olive Officer")
        self.monitor = make_user(Role.quality_monitor)
        self.admin = make_user(Role.administrator)
        self.tender = make_tender("MH", officer=self.officer)
        framework = self.tender.category.framework
        districts = {district.name: district for district in framework.districts}
        self.local = make_home(name="Ashgate House", district_id=districts["Chesterfield"].id)
        self.away = make_home(name="Border View", district_id=districts["Out of county"].id)
        self.local_user = make_user(Role.provider, provider=self.local.provider)
        self.away_user = make_user(Role.provider, provider=self.away.provider)
        today = clock.today_uk()
        self.awarded = add_placements(self.tender, self.local, 1)[0]
        self.active = add_placements(
            self.tender,
            self.local,
            1,
            state=PlacementState.active,
            started_on=today - timedelta(days=40),
            next_review_on=today + timedelta(days=2),
            funding=Funding.council,
        )[0]
        self.direct = add_placements(
            self.tender,
            self.away,
            1,
            route=PlacementRoute.direct_award,
            tender_id=None,
            direct_award_id=make_direct_award(self.tender, self.officer).id,
            state=PlacementState.active,
            started_on=today - timedelta(days=400),
            next_review_on=today + timedelta(days=200),
        )[0]
        self.ended = add_placements(
            self.tender,
            self.away,
            1,
            state=PlacementState.ended,
            started_on=today - timedelta(days=90),
            ended_on=today - timedelta(days=5),
            ended_at=clock.now(),
            end_reason=EndReason.hospital,
        )[0]
        db.session.commit()

    @property
    def all(self):
        return [self.awarded, self.active, self.direct, self.ended]
