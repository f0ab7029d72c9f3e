"""A provider ready to sign: complete organisation, an admitted home with agreed rates, and
its authorised signatory."""

from datetime import date
from decimal import Decimal

from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.rates.models import RateCardEntry
from tests.contracts.factories import admit_home, category
from tests.onboarding.factories import ready_framework
from tests.providers.factories import (
    make_complete_home,
    make_complete_provider,
    make_provider_user,
)


def make_signing_provider(**fields):
    """(provider, home, signatory): admitted to MH and LDA with one home and its rates."""
    framework = ready_framework()
    provider = make_complete_provider(**fields)
    home = make_complete_home(provider, framework, name="Rosewood House")
    admit_home(home, "MH", "LDA")
    for code, rate in (("MH", "1250.00"), ("LDA", "1375.50")):
        db.session.add(
            RateCardEntry(
                care_home_id=home.id,
                category_id=category(code).id,
                setting_id=home.setting_id,
                weekly_rate=Decimal(rate),
                effective_from=date(2025, 4, 1),
            )
        )
    db.session.flush()
    signatory = make_provider_user(provider, full_name="Sam Signer")
    return provider, home, signatory


def officer():
    from tests.factories import make_user

    return make_user(Role.contracts_officer)
