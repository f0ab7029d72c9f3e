"""Mini-tenders for tests: a market of eligible homes, a draft or published tender, and bids
through the operations (so every rule and audit event is the real one)."""

from datetime import datetime, timedelta
from decimal import Decimal

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.tenders import operations
from dps_portal.tenders.models import Funding, Tender, TenderInvitation
from tests.contracts.factories import category, make_eligible_home
from tests.factories import make_user
from tests.onboarding.factories import ready_framework


def make_tender(
    code: str = "MH",
    *,
    officer=None,
    closes_at: datetime | None = None,
    clarifications_close_at: datetime | None = None,
    max_weekly_price: Decimal | None = None,
    person_reference: str = "MH-2026-014",
) -> Tender:
    """A draft tender for the category, with its template questions; `closes_at` set when given."""
    framework = ready_framework()
    officer = officer or make_user(Role.contracts_officer)
    tender = operations.draft_tender(
        category=category(code),
        setting=framework.settings[0],
        districts=[framework.districts[0]],
        by=officer,
        person_reference=person_reference,
        age=34,
        needs_summary="Support with daily living and medication; settled routine.",
        risks="Absconding when anxious.",
        one_to_one_hours=Decimal("10"),
        two_to_one_hours=Decimal("0"),
        required_start_on=clock.today_uk() + timedelta(days=14),
        funding=Funding.council,
        preferences="Near family in Chesterfield.",
    )
    if closes_at is not None or max_weekly_price is not None:
        closes_at = closes_at or tender.closes_at
        operations.change_criteria(
            tender,
            price_weight=tender.price_weight,
            quality_threshold=tender.quality_threshold,
            max_weekly_price=max_weekly_price,
            closes_at=closes_at,
            clarifications_close_at=clarifications_close_at
            or min(tender.clarifications_close_at, closes_at),
            questions=[(q.text, q.guidance, q.weight, q.word_limit) for q in tender.questions],
            by=officer,
        )
    db.session.flush()
    return tender


def make_published_tender(code: str = "MH", *, officer=None, **options) -> Tender:
    officer = officer or make_user(Role.contracts_officer)
    tender = make_tender(code, officer=officer, **options)
    operations.publish_tender(tender, by=officer)
    db.session.flush()
    return tender


def invitation_of(tender: Tender, provider) -> TenderInvitation:
    return db.session.scalars(
        db.select(TenderInvitation).where(
            TenderInvitation.tender_id == tender.id, TenderInvitation.provider_id == provider.id
        )
    ).one()


def bid_values(tender: Tender, home, **overrides) -> dict:
    """The keyword arguments of operations.submit_bid for a good bid offering `home`."""
    values = {
        "care_home_id": home.id,
        "weekly_core_fee": Decimal("1850.00"),
        "extra_hours_per_week": Decimal("10"),
        "extra_hourly_rate": Decimal("21.50"),
        "available_from": clock.today_uk() + timedelta(days=7),
        "answers": {q.id: f"Our answer to question {q.position}." for q in tender.questions},
        "declaration": "I declare.",
    }
    values.update(overrides)
    return values


def bid_form(tender: Tender, home, **overrides) -> dict:
    """What a provider's browser posts for a good bid offering `home`."""
    start = overrides.pop("available_from", clock.today_uk() + timedelta(days=7))
    data = {
        "care_home": str(home.id),
        "weekly_core_fee": "1,850.00",
        "extra_hours_per_week": "10",
        "extra_hourly_rate": "21.50",
        "available_from": [str(start.day), str(start.month), str(start.year)],
        "declaration": "y",
    }
    for question in tender.questions:
        data[f"answer_{question.id}"] = f"Our answer to question {question.position}."
    data.update(overrides)
    return data


class Market:
    """Eligible providers (each with a user and an eligible home in MH), for a tender."""

    def __init__(self, providers: int = 2, code: str = "MH"):
        self.homes = [make_eligible_home(code) for _ in range(providers)]
        self.users = [
            make_user(Role.provider, provider=home.provider, full_name=f"Bidder {number}")
            for number, home in enumerate(self.homes, start=1)
        ]


class County:
    """A county's market built quickly at any size: providers with users, each with homes
    admitted to MH (most eligible, some with no initial visit) and a home not admitted."""

    def __init__(self):
        from tests.contracts.factories import publish_terms

        self.framework = ready_framework()
        self.officer = make_user(Role.contracts_officer, password=None)
        self.monitor = make_user(Role.quality_monitor, password=None)
        self.terms = publish_terms(self.framework)
        self.category = category("MH")
        self.ids = (self.officer.id, self.monitor.id, self.terms.id, self.category.id)
        self.count = 0

    def grow(self, providers: int) -> None:
        from dps_portal.accounts.models import User
        from dps_portal.contracts.models import TermsVersion
        from dps_portal.framework.models import Category
        from dps_portal.onboarding.models import (
            Admission,
            AdmittedHome,
            Application,
            ApplicationState,
        )
        from dps_portal.onboarding.question_sets import current_question_set
        from tests.contracts.factories import accept_terms, make_visit
        from tests.factories import make_home, make_provider

        # Read afresh: a query-count test may have emptied the session since.
        self.framework = ready_framework()
        officer_id, monitor_id, terms_id, category_id = self.ids
        self.officer = db.session.get(User, officer_id)
        self.monitor = db.session.get(User, monitor_id)
        self.terms = db.session.get(TermsVersion, terms_id)
        self.category = db.session.get(Category, category_id)
        question_set = current_question_set(self.framework)
        for _ in range(providers):
            number = self.count = self.count + 1
            provider = make_provider(legal_name=f"County {number:04d} Ltd")
            user = make_user(Role.provider, provider=provider, password=None)
            accept_terms(provider, self.terms, by=user)
            application = Application(
                reference=f"COUNTY-{number}",
                provider_id=provider.id,
                framework_id=self.framework.id,
                question_set_id=question_set.id,
                state=ApplicationState.decided,
                submitted_at=clock.now(),
                decided_at=clock.now(),
            )
            db.session.add(application)
            db.session.flush()
            admission = Admission(
                provider_id=provider.id,
                category_id=self.category.id,
                application_id=application.id,
                admitted_by_id=self.officer.id,
            )
            db.session.add(admission)
            district = self.framework.districts[number % len(self.framework.districts)]
            for index in range(3):
                home = make_home(
                    provider, name=f"County {number:04d} home {index}", district=district
                )
                db.session.add(AdmittedHome(admission=admission, care_home_id=home.id))
                if index < 2:  # the third home waits for its initial visit
                    make_visit(home, monitor=self.monitor)
            make_home(provider, name=f"County {number:04d} not admitted", district=district)
        db.session.flush()


def sign_in_again(client, user) -> None:
    """Sign in afresh, after the test moved the clock past the idle timeout."""
    from tests.conftest import sign_in

    with client.session_transaction() as session:
        session.clear()
    sign_in(client, user)


def access_matrix_values(provider_user, officer) -> dict:
    """For tests/test_access_matrix.py: a tender published to the provider user's
    organisation, with a bid, so that its routes go through. The organisation there is not
    eligible (its evidence has expired), so its invitation and bid are written as rows."""
    from dps_portal.tenders.models import Bid, BidState, BidVersion, TenderInvitation

    make_eligible_home("MH")
    tender = make_published_tender("MH", officer=officer)
    home = provider_user.provider.homes[0]
    invitation = TenderInvitation(tender_id=tender.id, provider_id=provider_user.provider_id)
    bid = Bid(
        tender_id=tender.id,
        invitation=invitation,
        provider_id=provider_user.provider_id,
        reference=f"{tender.reference}-BX",
        state=BidState.submitted,
    )
    content = '{"bid":"access"}'
    version = BidVersion(
        bid=bid,
        number=1,
        receipt_reference=f"{tender.reference}-BX-V1",
        care_home_id=home.id,
        weekly_core_fee=Decimal("1000.00"),
        extra_cost=Decimal("0.00"),
        total_weekly_cost=Decimal("1000.00"),
        available_from=clock.today_uk(),
        answers=[],
        declaration="I declare.",
        submitted_at=clock.now(),
        submitted_by_id=provider_user.id,
        canonical_content=content,
        content_sha256=operations.sha256_of(content),
    )
    db.session.add_all([invitation, bid, version])
    db.session.flush()
    return {"tender_id": tender.id, "version_id": version.id}
