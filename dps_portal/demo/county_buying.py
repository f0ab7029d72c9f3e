"""The county's buying at bench scale (issue 9): two years of mini-tenders with their
invitations, invited homes, questions and sealed bids, the placements they and direct awards
made, direct awards with their stored listings and offers, and the vacancies homes keep.

Built by `County.build` after the contract gate's rows (it needs the admitted homes), with
the county's own helpers: explicit ids, COPY through the models' tables, one random seed.
Only the lists and counts are filled at scale; the bench's detail pages read the demo's own
tenders and awards, which carry their evaluations and documents."""

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from dps_portal.awards.models import (
    ChoiceReason,
    DirectAward,
    DirectAwardListing,
    DirectAwardOffer,
    DirectAwardState,
    Justification,
    OfferState,
)
from dps_portal.extensions import db
from dps_portal.placements.models import (
    EndReason,
    Placement,
    PlacementCost,
    PlacementRoute,
    PlacementState,
)
from dps_portal.providers.models import ProviderOrganisation
from dps_portal.tenders.models import (
    Bid,
    BidState,
    BidVersion,
    DeclineReason,
    Funding,
    Tender,
    TenderInvitation,
    TenderInvitedHome,
    TenderQuestion,
    TenderState,
)
from dps_portal.vacancies.models import Vacancy

QUESTIONS = [
    ("How will you meet the person's needs from the first week?", 40, 500),
    ("How will you keep the person and others safe?", 35, 400),
    ("How will the person keep in touch with family and community?", 25, 300),
]
NEEDS = (
    "Needs support with personal care, medication and community access; settles best with "
    "a consistent staff team and a quiet room."
)
OPEN_TENDERS = 10  # the newest tenders, still open for bids
IN_EVALUATION = (TenderState.opened, TenderState.evaluating, TenderState.moderated)
OPEN_AWARDS = 5  # the newest direct awards, an offer still waiting


def make_buying(county) -> None:
    Buying(county).build()


class Buying:
    def __init__(self, county) -> None:
        self.county = county
        self.random = county.random
        self.ids = county.ids
        self.now = county.now
        self.today = county.today
        self.homes = {home["id"]: home for rows in county.homes.values() for home in rows}
        self.district_names = {d.id: d.name for d in county.districts}
        # Every admitted (provider, category) with its admitted homes.
        self.admitted_by_category: dict[int, list[tuple[int, list[int]]]] = {}
        for provider_id, admissions in county.admitted.items():
            for category_id, (_, _, home_ids) in admissions.items():
                self.admitted_by_category.setdefault(category_id, []).append(
                    (provider_id, home_ids)
                )
        self.provider_names = dict(
            db.session.execute(
                select(ProviderOrganisation.id, ProviderOrganisation.legal_name)
            ).all()
        )
        self.placement_rows: list[dict] = []

    def build(self) -> None:
        self.make_tenders()
        self.make_direct_awards()
        self.make_placements()
        self.make_vacancies()

    # Mini-tenders.

    def make_tenders(self) -> None:
        county = self.county
        count = county.scaled("tenders")
        categories = [c for c in county.categories if self.admitted_by_category.get(c.id)]
        tenders, questions, invitations, invited, bids, versions = [], [], [], [], [], []
        for n in range(count):
            newest_first = count - 1 - n
            category = self.random.choice(categories)
            tender_id = self.ids.take(Tender)
            reference = f"MT-{tender_id:05d}"
            if newest_first < OPEN_TENDERS:
                published = self.now - timedelta(days=self.random.randrange(1, 6))
                closes = self.now + timedelta(days=self.random.randrange(1, 10), hours=2)
                state = TenderState.published
            else:
                age = 14 + (newest_first - OPEN_TENDERS) * 700 // max(1, count - OPEN_TENDERS)
                published = self.now - timedelta(days=age, hours=self.random.randrange(8))
                closes = published + timedelta(days=7)
                if newest_first < OPEN_TENDERS + len(IN_EVALUATION):
                    state = IN_EVALUATION[newest_first - OPEN_TENDERS]
                else:
                    state = county.pick(
                        [
                            (TenderState.awarded, 75),
                            (TenderState.unsuccessful, 10),
                            (TenderState.cancelled, 15),
                        ]
                    )
            officer = self.random.choice(county.officers)
            cancelled = published + timedelta(days=2) if state is TenderState.cancelled else None
            is_closed = closes <= self.now and state is not TenderState.cancelled
            tenders.append(
                {
                    "id": tender_id,
                    "reference": reference,
                    "state": state,
                    "person_reference": f"P-{tender_id:06d}",
                    "age": self.random.randrange(19, 65),
                    "category_id": category.id,
                    "setting_id": self.random.choice(county.settings).id,
                    "needs_summary": NEEDS,
                    "required_start_on": (closes + timedelta(days=21)).date(),
                    "funding": county.pick(
                        [(Funding.council, 70), (Funding.joint_nhs, 20), (Funding.s117, 10)]
                    ),
                    "closes_at": closes,
                    "clarifications_close_at": closes - timedelta(days=2),
                    "created_by_id": officer,
                    "published_at": published,
                    "published_by_id": officer,
                    "eligibility_on": published.date(),
                    "opened_at": closes + timedelta(hours=1) if is_closed else None,
                    "opened_by_id": officer if is_closed else None,
                    "evaluation_started_at": closes + timedelta(days=1)
                    if state in (TenderState.evaluating, TenderState.moderated, TenderState.awarded)
                    else None,
                    "moderated_at": closes + timedelta(days=5)
                    if state in (TenderState.moderated, TenderState.awarded)
                    else None,
                    "awarded_at": closes + timedelta(days=12)
                    if state is TenderState.awarded
                    else None,
                    "ended_at": closes + timedelta(days=6)
                    if state is TenderState.unsuccessful
                    else None,
                    "end_reason": "No compliant bid met the quality threshold."
                    if state is TenderState.unsuccessful
                    else "",
                    "cancelled_at": cancelled,
                    "cancelled_by_id": officer if cancelled else None,
                    "cancel_reason": "The person's needs changed." if cancelled else "",
                    "created_at": published - timedelta(hours=3),
                    "updated_at": cancelled or published,
                }
            )
            question_ids = []
            for position, (text, weight, limit) in enumerate(QUESTIONS, start=1):
                question_ids.append(self.ids.take(TenderQuestion))
                questions.append(
                    {
                        "id": question_ids[-1],
                        "tender_id": tender_id,
                        "position": position,
                        "text": text,
                        "weight": weight,
                        "word_limit": limit,
                    }
                )
            bidders = []
            for provider_id, home_ids in self.admitted_by_category[category.id]:
                invitation_id = self.ids.take(TenderInvitation)
                declined = self.random.random() < 0.1
                invitations.append(
                    {
                        "id": invitation_id,
                        "tender_id": tender_id,
                        "provider_id": provider_id,
                        "invited_at": published,
                        "viewed_at": published + timedelta(hours=5)
                        if self.random.random() < 0.6
                        else None,
                        "declined_at": published + timedelta(days=1) if declined else None,
                        "decline_reason": self.random.choice(list(DeclineReason))
                        if declined
                        else None,
                        "declined_by_id": county.provider_user[provider_id] if declined else None,
                    }
                )
                for home_id in home_ids:
                    home = self.homes[home_id]
                    invited.append(
                        {
                            "id": self.ids.take(TenderInvitedHome),
                            "invitation_id": invitation_id,
                            "tender_id": tender_id,
                            "care_home_id": home_id,
                            "home_name": home["name"],
                            "cqc_location_id": home["cqc_location_id"],
                            "district_name": self.district_names.get(home["district_id"], ""),
                            "is_eligible": True,
                            "warnings": [],
                        }
                    )
                if not declined:
                    bidders.append((provider_id, invitation_id, home_ids[0]))
            if state is TenderState.cancelled:
                continue
            offers = []
            for provider_id, invitation_id, home_id in self.random.sample(
                bidders, min(len(bidders), self.random.randrange(3, 9))
            ):
                bid_id = self.ids.take(Bid)
                bid_reference = f"{reference}-B{invitation_id}"
                submitted = min(
                    published + timedelta(days=self.random.randrange(1, 6)),
                    self.now - timedelta(minutes=5),
                )
                core = Decimal(self.random.randrange(1_100, 2_600))
                hours = Decimal(self.random.choice([0, 0, 5, 10]))
                rate = Decimal("22.50") if hours else Decimal(0)
                extra = hours * rate
                receipt = f"{bid_reference}-V1"
                content = f"{receipt}\n{home_id}\n{core + extra}\n"
                bids.append(
                    {
                        "id": bid_id,
                        "tender_id": tender_id,
                        "invitation_id": invitation_id,
                        "provider_id": provider_id,
                        "reference": bid_reference,
                        "state": BidState.submitted,
                        "created_at": submitted,
                        "updated_at": submitted,
                    }
                )
                version_id = self.ids.take(BidVersion)
                versions.append(
                    {
                        "id": version_id,
                        "bid_id": bid_id,
                        "number": 1,
                        "receipt_reference": receipt,
                        "care_home_id": home_id,
                        "weekly_core_fee": core,
                        "extra_hours_per_week": hours,
                        "extra_hourly_rate": rate,
                        "extra_cost": extra,
                        "total_weekly_cost": core + extra,
                        "available_from": (closes + timedelta(days=14)).date(),
                        "answers": [
                            {"question_id": q, "position": p, "answer": "As set out."}
                            for p, q in enumerate(question_ids, start=1)
                        ],
                        "declaration": "I confirm this bid is accurate.",
                        "submitted_at": submitted,
                        "submitted_by_id": county.provider_user[provider_id],
                        "canonical_content": content,
                        "content_sha256": hashlib.sha256(content.encode()).hexdigest(),
                    }
                )
                offers.append((core + extra, version_id, provider_id, home_id, core, hours, rate))
            if state is TenderState.awarded and offers:
                cost, version_id, provider_id, home_id, core, hours, rate = min(offers)
                tender = tenders[-1]
                self._placement(
                    route=PlacementRoute.mini_tender,
                    tender_id=tender_id,
                    bid_version_id=version_id,
                    person_reference=tender["person_reference"],
                    category_id=category.id,
                    setting_id=tender["setting_id"],
                    care_home_id=home_id,
                    provider_id=provider_id,
                    funding=tender["funding"],
                    weekly_core_fee=core,
                    extra_hours_per_week=hours,
                    extra_hourly_rate=rate,
                    weekly_cost=cost,
                    start_on=tender["required_start_on"],
                    end_on=None,
                    awarded_at=tender["awarded_at"],
                    by=officer,
                )
        for model, rows in (
            (Tender, tenders),
            (TenderQuestion, questions),
            (TenderInvitation, invitations),
            (TenderInvitedHome, invited),
            (Bid, bids),
            (BidVersion, versions),
        ):
            county.insert(model, rows)

    # Direct awards.

    def make_direct_awards(self) -> None:
        county = self.county
        count = county.scaled("direct_awards")
        year_counts = self._reference_counts(DirectAward, "DA")
        awards, listings, offers = [], [], []
        categories = [c for c in county.categories if self.admitted_by_category.get(c.id)]
        for n in range(count):
            newest_first = count - 1 - n
            category = self.random.choice(categories)
            justification = county.pick(
                [
                    (Justification.emergency, 50),
                    (Justification.respite, 35),
                    (Justification.person_choice, 15),
                ]
            )
            if newest_first < OPEN_AWARDS:
                searched = self.now - timedelta(hours=self.random.randrange(1, 3))
                state = DirectAwardState.open
            else:
                age = 3 + (newest_first - OPEN_AWARDS) * 720 // max(1, count - OPEN_AWARDS)
                searched = self.now - timedelta(days=age, hours=self.random.randrange(8))
                state = county.pick([(DirectAwardState.placed, 88), (DirectAwardState.closed, 12)])
            start = (searched + timedelta(days=1)).date()
            end = (
                start + timedelta(days=self.random.randrange(7, 29))
                if justification is Justification.respite
                else None
            )
            award_id = self.ids.take(DirectAward)
            officer = self.random.choice(county.officers)
            placed = searched + timedelta(hours=3) if state is DirectAwardState.placed else None
            closed = searched + timedelta(days=1) if state is DirectAwardState.closed else None
            funding = county.pick([(Funding.council, 75), (Funding.joint_nhs, 25)])
            awards.append(
                {
                    "id": award_id,
                    "reference": self._reference("DA", searched, year_counts),
                    "state": state,
                    "justification": justification,
                    "person_reference": f"P-D{award_id:06d}",
                    "needs_summary": NEEDS,
                    "category_id": category.id,
                    "setting_id": self.random.choice(county.settings).id,
                    "start_on": start,
                    "end_on": end,
                    "funding": funding,
                    "searched_at": searched,
                    "created_by_id": officer,
                    "placed_at": placed,
                    "closed_at": closed,
                    "close_reason": "The person went home instead." if closed else "",
                    "created_at": searched,
                    "updated_at": placed or closed or searched,
                }
            )
            listed = self.random.sample(
                self.admitted_by_category[category.id],
                min(5, len(self.admitted_by_category[category.id])),
            )
            rows = []
            for position, (provider_id, home_ids) in enumerate(listed, start=1):
                home = self.homes[home_ids[0]]
                rows.append(
                    {
                        "id": self.ids.take(DirectAwardListing),
                        "direct_award_id": award_id,
                        "position": position,
                        "care_home_id": home["id"],
                        "provider_id": provider_id,
                        "home_name": home["name"],
                        "provider_name": self.provider_names.get(provider_id, ""),
                        "district_name": self.district_names.get(home["district_id"], ""),
                        "weekly_rate": Decimal(self.random.randrange(900, 2_400)),
                        "beds_free": self.random.randrange(1, 4),
                        "is_cheapest": False,
                    }
                )
            min(rows, key=lambda row: row["weekly_rate"])["is_cheapest"] = True
            listings.extend(rows)
            first = rows[0]
            window = timedelta(hours=4) if justification is Justification.emergency else None
            window = window or timedelta(days=2)
            offer = {
                "id": self.ids.take(DirectAwardOffer),
                "direct_award_id": award_id,
                "listing_id": first["id"],
                "provider_id": first["provider_id"],
                "choice_reason": self.random.choice(
                    [c for c in ChoiceReason if c is not ChoiceReason.other]
                ),
                "weekly_rate": first["weekly_rate"],
                "offered_at": searched + timedelta(minutes=20),
                "offered_by_id": officer,
                "respond_by": searched + timedelta(minutes=20) + window,
                "answered_at": None,
                "answered_by_id": None,
                "decline_reason": "",
            }
            if state is DirectAwardState.open:
                offer["respond_by"] = self.now + window
                offers.append({**offer, "state": OfferState.offered})
                continue
            if state is DirectAwardState.closed:
                offers.append(
                    {
                        **offer,
                        "state": OfferState.declined,
                        "answered_at": offer["offered_at"] + timedelta(hours=1),
                        "answered_by_id": county.provider_user[first["provider_id"]],
                        "decline_reason": "No bed suitable for these needs.",
                    }
                )
                continue
            offers.append(
                {
                    **offer,
                    "state": OfferState.accepted,
                    "answered_at": offer["offered_at"] + timedelta(hours=1),
                    "answered_by_id": county.provider_user[first["provider_id"]],
                }
            )
            self._placement(
                route=PlacementRoute.direct_award,
                direct_award_id=award_id,
                person_reference=awards[-1]["person_reference"],
                category_id=category.id,
                setting_id=awards[-1]["setting_id"],
                care_home_id=first["care_home_id"],
                provider_id=first["provider_id"],
                funding=funding,
                weekly_core_fee=first["weekly_rate"],
                weekly_cost=first["weekly_rate"],
                start_on=start,
                end_on=end,
                awarded_at=placed,
                by=officer,
            )
        county.insert(DirectAward, awards)
        county.insert(DirectAwardListing, listings)
        county.insert(DirectAwardOffer, offers)

    # Placements, by either route.

    def _placement(self, *, start_on: date, end_on, awarded_at: datetime, by: int, **columns):
        row = {
            "id": self.ids.take(Placement),
            "planned_start_on": start_on,
            "planned_end_on": end_on,
            "awarded_at": awarded_at,
            "awarded_by_id": by,
            "created_at": awarded_at,
            "updated_at": awarded_at,
            "extra_hours_per_week": Decimal(0),
            "extra_hourly_rate": Decimal(0),
            "tender_id": None,
            "direct_award_id": None,
            "bid_version_id": None,
            **columns,
        }
        if start_on > self.today - timedelta(days=3):
            row["state"] = PlacementState.awarded
        else:
            row["started_on"] = start_on
            row["start_confirmed_at"] = datetime.combine(start_on, datetime.min.time()).replace(
                tzinfo=awarded_at.tzinfo
            ) + timedelta(hours=15)
            row["start_confirmed_by_id"] = self.county.provider_user[row["provider_id"]]
            ended_on = end_on if end_on is not None and end_on < self.today else None
            if ended_on is None and self.random.random() < 0.25:
                ended_on = self.county.day_between(start_on + timedelta(days=30), self.today)
                if ended_on >= self.today:
                    ended_on = None
            if ended_on is not None:
                row["state"] = PlacementState.ended
                row["ended_on"] = ended_on
                row["ended_at"] = row["start_confirmed_at"] + (ended_on - start_on)
                row["end_reason"] = (
                    EndReason.respite_ended
                    if end_on is not None
                    else self.random.choice(
                        [
                            r
                            for r in EndReason
                            if r not in (EndReason.other, EndReason.respite_ended)
                        ]
                    )
                )
            else:
                row["state"] = PlacementState.active
                # Reviewed yearly: some due soon, a few overdue.
                row["next_review_on"] = self.today + timedelta(days=self.random.randrange(-20, 340))
        self.placement_rows.append(row)

    def make_placements(self) -> None:
        rows = sorted(self.placement_rows, key=lambda row: (row["awarded_at"], row["id"]))
        year_counts = self._reference_counts(Placement, "PL")
        costs = []
        for row in rows:
            row["reference"] = self._reference("PL", row["awarded_at"], year_counts)
            costs.append(
                {
                    "id": self.ids.take(PlacementCost),
                    "placement_id": row["id"],
                    "effective_from": row["planned_start_on"],
                    "weekly_cost": row["weekly_cost"],
                    "reason": "As awarded",
                    "created_at": row["awarded_at"],
                    "created_by_id": row["awarded_by_id"],
                }
            )
        # Every row with the same keys, for COPY.
        keys = set().union(*(row.keys() for row in rows)) if rows else set()
        self.county.insert(Placement, [{key: row.get(key) for key in keys} for row in rows])
        self.county.insert(PlacementCost, costs)

    # Vacancies.

    def make_vacancies(self) -> None:
        county = self.county
        pairs = [
            (home_id, category_id, provider_id)
            for category_id, admitted in self.admitted_by_category.items()
            for provider_id, home_ids in admitted
            for home_id in home_ids
        ]
        rows = []
        for home_id, category_id, provider_id in self.random.sample(
            pairs, min(len(pairs), county.scaled("vacancies"))
        ):
            confirmed = self.now - timedelta(
                days=county.pick([(0, 30), (2, 30), (5, 20), (12, 15), (40, 5)]),
                hours=self.random.randrange(12),
            )
            rows.append(
                {
                    "id": self.ids.take(Vacancy),
                    "care_home_id": home_id,
                    "category_id": category_id,
                    "setting_id": self.homes[home_id]["setting_id"],
                    "beds_free": county.pick([(0, 30), (1, 45), (2, 20), (3, 5)]),
                    "available_from": self.today + timedelta(days=self.random.randrange(0, 15)),
                    "note": "",
                    "confirmed_at": confirmed,
                    "confirmed_by_id": county.provider_user[provider_id],
                    "updated_at": confirmed,
                }
            )
        county.insert(Vacancy, rows)

    # References: the year's next number, after what the demo holds.

    def _reference_counts(self, model, prefix: str) -> dict[int, int]:
        counts = {}
        for year in range(self.today.year - 3, self.today.year + 1):
            counts[year] = db.session.scalar(
                select(func.count(model.id)).where(model.reference.like(f"{prefix}-{year}-%"))
            )
        return counts

    def _reference(self, prefix: str, at: datetime, counts: dict[int, int]) -> str:
        year = at.year
        counts[year] = counts.get(year, 0) + 1
        return f"{prefix}-{year}-{counts[year]:04d}"
