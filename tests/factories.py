"""Factory functions for tests: each makes one valid object, with any field overridden."""

import itertools
from datetime import date

from dps_portal.accounts.models import User
from dps_portal.accounts.passwords import hash_password
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.framework.models import CareSetting, Category, District, Framework
from dps_portal.providers.models import CareHome, ProviderOrganisation

_numbers = itertools.count(1)
DEFAULT_PASSWORD = "correct horse battery staple"


def make_framework(**fields) -> Framework:
    framework = Framework(
        name=fields.pop("name", "Specialist residential and nursing care DPS"),
        reference=fields.pop("reference", f"DPS-{next(_numbers)}"),
        buyer_name=fields.pop("buyer_name", "Testshire County Council"),
        legal_basis=fields.pop("legal_basis", "Public Contracts Regulations 2015, regulation 34"),
        starts_on=fields.pop("starts_on", date(2024, 4, 1)),
        ends_on=fields.pop("ends_on", date(2030, 3, 31)),
        **fields,
    )
    db.session.add(framework)
    for position, (code, name) in enumerate(
        [("MH", "Mental Health"), ("LDA", "Learning Disabilities"), ("ENH", "Enhanced")]
    ):
        db.session.add(Category(framework=framework, code=code, name=name, position=position))
    for position, name in enumerate(["Chesterfield", "Erewash", "Out of county"]):
        db.session.add(
            District(
                framework=framework,
                name=name,
                position=position,
                is_out_of_county=name == "Out of county",
            )
        )
    for position, (code, name) in enumerate(
        [("residential", "Residential"), ("nursing", "Nursing")]
    ):
        db.session.add(CareSetting(framework=framework, code=code, name=name, position=position))
    db.session.flush()
    return framework


def make_provider(**fields) -> ProviderOrganisation:
    number = next(_numbers)
    provider = ProviderOrganisation(
        legal_name=fields.pop("legal_name", f"Provider {number} Ltd"),
        **fields,
    )
    db.session.add(provider)
    db.session.flush()
    return provider


def make_home(provider: ProviderOrganisation | None = None, **fields) -> CareHome:
    number = next(_numbers)
    home = CareHome(
        provider=provider or make_provider(),
        cqc_location_id=fields.pop("cqc_location_id", f"1-{900000000 + number}"),
        name=fields.pop("name", f"Home {number}"),
        registered_beds=fields.pop("registered_beds", 10),
        **fields,
    )
    db.session.add(home)
    db.session.flush()
    return home


def make_user(role: Role = Role.contracts_officer, **fields) -> User:
    number = next(_numbers)
    if role is Role.provider and "provider" not in fields:
        fields["provider"] = make_provider()
    password = fields.pop("password", DEFAULT_PASSWORD)
    user = User(
        email=fields.pop("email", f"user{number}@example.org"),
        full_name=fields.pop("full_name", f"User {number}"),
        role=role,
        password_hash=hash_password(password) if password else None,
        is_active=fields.pop("is_active", True),
        email_confirmed_at=fields.pop("email_confirmed_at", clock.now()),
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user
