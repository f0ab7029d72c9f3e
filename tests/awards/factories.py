"""Direct-award rows for the access matrix and the form fuzzing: an award whose stored list
holds a home of the provider user, with an offer to it waiting for an answer. The rows are
written directly: the matrix's world need not make the home eligible today."""

from datetime import timedelta
from decimal import Decimal

from dps_portal.awards import operations
from dps_portal.awards.models import (
    ChoiceReason,
    DirectAward,
    DirectAwardListing,
    DirectAwardState,
    Justification,
)
from dps_portal.core import clock
from dps_portal.extensions import db
from dps_portal.tenders.models import Funding
from tests.awards.helpers import add_vacancy, setting
from tests.contracts.factories import category
from tests.factories import make_home


def access_matrix_values(provider_user, officer) -> dict:
    offer = offer_waiting(provider_user, officer)
    return {"award_id": offer.direct_award_id, "listing_id": offer.listing_id, "offer_id": offer.id}


def offer_waiting(
    provider_user, officer, *, home_name="Direct Award Home", reference="DA-TEST-0001"
):
    """An offer to a new home of the provider user's organisation, waiting for its answer."""
    home = make_home(provider_user.provider, name=home_name)
    vacancy = add_vacancy(home, 3, available_from=clock.today_uk())
    award = DirectAward(
        reference=reference,
        state=DirectAwardState.open,
        justification=Justification.emergency,
        person_reference="AM-0001",
        category_id=category("MH").id,
        setting_id=setting().id,
        start_on=clock.today_uk() + timedelta(days=1),
        funding=Funding.council,
        created_by_id=officer.id,
    )
    award.listings = [
        DirectAwardListing(
            position=1,
            care_home_id=home.id,
            provider_id=home.provider_id,
            vacancy_id=vacancy.id,
            home_name=home.name,
            provider_name=home.provider.legal_name,
            weekly_rate=Decimal("1000.00"),
            beds_free=3,
            is_cheapest=True,
        )
    ]
    db.session.add(award)
    db.session.flush()
    return operations.make_offer(
        award, award.listings[0], reason=ChoiceReason.lowest_rate, by=officer
    )
