"""The demo data. Idempotent: each record is found by its natural key before it is made."""

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.accounts.passwords import hash_password
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.demo.applications import seed_applications
from dps_portal.demo.awards import seed_direct_awards, seed_past_placement
from dps_portal.demo.quality import seed_quality
from dps_portal.demo.tenders import seed_tenders
from dps_portal.demo.vacancies import seed_vacancies
from dps_portal.extensions import db
from dps_portal.framework.models import CareSetting, Category, District, Framework
from dps_portal.onboarding.question_sets import current_question_set, publish_question_set
from dps_portal.onboarding.questions import load_default_definition
from dps_portal.providers.models import CareHome, CqcRating, ProviderOrganisation

DATA = Path(__file__).resolve().parent
DEMO_PASSWORD = "care-demo-password"

FRAMEWORK = {
    "reference": "DCC-DPS-SRNC-2024",
    "name": "Specialist Residential and Nursing Care for Working-Age Adults DPS",
    "buyer_name": "Derbyshire County Council",
    "buyer_address": "County Hall, Smedley Street, Matlock, DE4 3AG",
    "contracts_team_name": "Care Contracts Team",
    "contact_email": "contracts@council.example",
    # A number from Ofcom's range for drama: it reaches nobody.
    "contact_phone": "01632 960 123",
    "council_signatory_name": "Rachel Price",
    "council_signatory_role": "Assistant Director of Commissioning",
    "legal_basis": (
        "A Dynamic Purchasing System under regulation 34 of the Public Contracts Regulations "
        "2015, run under the Light Touch Regime for social and other specific services "
        "(regulations 74 to 76)."
    ),
    "starts_on": date(2024, 4, 1),
    "ends_on": date(2030, 3, 31),
}

CATEGORIES = [
    (
        "MH",
        "Mental Health",
        "Mental health awareness; the Mental Health Act, Mental Capacity Act and Deprivation of "
        "Liberty Safeguards; section 117 aftercare.",
    ),
    (
        "LDA",
        "Learning Disabilities, Autism Spectrum Condition, Physical Disabilities, "
        "Sensory Impairment",
        "The Oliver McGowan training on learning disability and autism; positive behaviour "
        "support; communication.",
    ),
    (
        "ENH",
        "Enhanced: people with unpredictable levels of behaviour that challenges services",
        "Positive behaviour support at practitioner level; certified restrictive-practice and "
        "physical-intervention training; trauma-informed care.",
    ),
]

DISTRICTS = [
    "Amber Valley",
    "Bolsover",
    "Chesterfield",
    "Derbyshire Dales",
    "Erewash",
    "High Peak",
    "North East Derbyshire",
    "South Derbyshire",
    "Out of county",
]

# Which district each sample home's town is in.
TOWN_DISTRICTS = {
    "Chesterfield": "Chesterfield",
    "Belper": "Amber Valley",
    "Buxton": "High Peak",
    "Ashbourne": "Derbyshire Dales",
    "Ilkeston": "Erewash",
    "Clay Cross": "North East Derbyshire",
    "Flagg": "Derbyshire Dales",
    "Glossop": "High Peak",
    "Bolsover": "Bolsover",
    "Swadlincote": "South Derbyshire",
    "Hope": "High Peak",
}

SETTINGS = [("residential", "Residential (personal care)"), ("nursing", "Nursing")]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    full_name: str
    role: Role
    home_heading: str
    provider_legal_name: str | None = None
    password: str = DEMO_PASSWORD


DEMO_LOGINS = [
    DemoLogin("admin@council.example", "Sam Patel", Role.administrator, "Administration"),
    DemoLogin("officer@council.example", "Jo Whitfield", Role.contracts_officer, "Contracts"),
    DemoLogin("officer2@council.example", "Priya Shah", Role.contracts_officer, "Contracts"),
    DemoLogin(
        "monitor@council.example", "Chris Morgan", Role.quality_monitor, "Quality monitoring"
    ),
    DemoLogin(
        "helen@peakland.example",
        "Helen Carter",
        Role.provider,
        "Peakland Care Ltd",
        "Peakland Care Ltd",
    ),
    DemoLogin(
        "amara@juniper.example",
        "Amara Osei",
        Role.provider,
        "Juniper Care Homes Ltd",
        "Juniper Care Homes Ltd",
    ),
    DemoLogin(
        "tom@highmoor.example",
        "Tom Ashworth",
        Role.provider,
        "Highmoor Specialist Services Ltd",
        "Highmoor Specialist Services Ltd",
    ),
    DemoLogin(
        "grace@trentside.example",
        "Grace Obi",
        Role.provider,
        "Trentside Community Care CIC",
        "Trentside Community Care CIC",
    ),
    DemoLogin(
        "ravi@moorland.example",
        "Ravi Kumar",
        Role.provider,
        "Moorland Behaviour Support Ltd",
        "Moorland Behaviour Support Ltd",
    ),
    DemoLogin(
        "dan@larchwood.example",
        "Daniel Reid",
        Role.provider,
        "Larchwood Healthcare Ltd",
        "Larchwood Healthcare Ltd",
    ),
]

DEMO_PROVIDERS = {login.provider_legal_name for login in DEMO_LOGINS if login.provider_legal_name}

# Registered beds are not in the CQC directory; the demo gives each home a plausible number.
DEMO_BEDS = [6, 12, 8, 20, 5, 10]


class _Counter:
    def __init__(self) -> None:
        self.created = 0

    def add(self, row) -> None:
        db.session.add(row)
        self.created += 1


def _first(model, **keys):
    return db.session.scalars(select(model).filter_by(**keys)).first()


def _seed_framework(counter: _Counter) -> Framework:
    framework = _first(Framework, reference=FRAMEWORK["reference"])
    if framework is None:
        framework = Framework(**FRAMEWORK, is_open_for_applications=True)
        counter.add(framework)
        db.session.flush()
        record_event(
            AuditAction.framework_seeded,
            subject=framework,
            after={"reference": framework.reference, "name": framework.name},
        )
    for position, (code, name, training) in enumerate(CATEGORIES):
        if _first(Category, framework_id=framework.id, code=code) is None:
            counter.add(
                Category(
                    framework_id=framework.id,
                    code=code,
                    name=name,
                    specialist_training=training,
                    position=position,
                )
            )
    for position, name in enumerate(DISTRICTS):
        if _first(District, framework_id=framework.id, name=name) is None:
            counter.add(
                District(
                    framework_id=framework.id,
                    name=name,
                    position=position,
                    is_out_of_county=name == "Out of county",
                )
            )
    for position, (code, name) in enumerate(SETTINGS):
        if _first(CareSetting, framework_id=framework.id, code=code) is None:
            counter.add(
                CareSetting(framework_id=framework.id, code=code, name=name, position=position)
            )
    db.session.flush()
    return framework


def _read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CQC file, whose header may stand below a banner line and a blank one."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        lines = handle.read().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(("Name,", "Location ID,")))
    return list(csv.DictReader(lines[start:]))


def _day_month_year(text: str) -> date:
    day, month, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def _overall_ratings() -> dict[str, tuple[CqcRating, date | None]]:
    ratings = {}
    for row in _read_csv(DATA / "cqc-ratings-sample.csv"):
        if row["Domain"] == "Overall" and row["Service / Population Group"] == "Overall":
            label = row["Latest Rating"].strip()
            rating = next(
                (r for r in CqcRating if r.value.lower() == label.lower()), CqcRating.not_rated
            )
            published = row["Publication Date"].strip()
            ratings[row["Location ID"]] = (
                rating,
                _day_month_year(published) if published else None,
            )
    return ratings


def _split_address(address: str) -> tuple[str, str]:
    """'12 Ashgate Road, Chesterfield' as its street and its town."""
    street, _, town = address.rpartition(",")
    return street.strip(), town.strip()


def _seed_providers(framework: Framework, counter: _Counter) -> None:
    districts = {d.name: d for d in framework.districts}
    settings = {s.code: s for s in framework.settings}
    ratings = _overall_ratings()
    beds = iter(DEMO_BEDS * 4)
    for row in _read_csv(DATA / "cqc-directory-sample.csv"):
        legal_name = row["Provider name"]
        if legal_name not in DEMO_PROVIDERS:
            continue
        provider = _first(ProviderOrganisation, legal_name=legal_name)
        if provider is None:
            street, town = _split_address(row["Address"])
            provider = ProviderOrganisation(
                legal_name=legal_name,
                cqc_provider_id=row["CQC Provider ID (for office use only)"],
                address_line_1=street,
                town=town,
                postcode=row["Postcode"],
                phone=row["Phone number"],
            )
            counter.add(provider)
            db.session.flush()
        location_id = row["CQC Location ID (for office use only)"]
        if _first(CareHome, cqc_location_id=location_id) is not None:
            next(beds)
            continue
        street, town = _split_address(row["Address"])
        rating, rated_on = ratings.get(location_id, (None, None))
        counter.add(
            CareHome(
                provider_id=provider.id,
                cqc_location_id=location_id,
                name=row["Name"],
                address_line_1=street,
                town=town,
                postcode=row["Postcode"],
                district_id=districts[TOWN_DISTRICTS.get(town, "Out of county")].id,
                setting_id=settings[
                    "nursing" if "with nursing" in row["Service types"] else "residential"
                ].id,
                registered_beds=next(beds),
                cqc_rating=rating,
                cqc_rating_on=rated_on,
            )
        )
    db.session.flush()


def _seed_users(counter: _Counter) -> None:
    password_hash = None
    for login in DEMO_LOGINS:
        if _first(User, email=login.email) is not None:
            continue
        password_hash = password_hash or hash_password(login.password)
        provider = (
            _first(ProviderOrganisation, legal_name=login.provider_legal_name)
            if login.provider_legal_name
            else None
        )
        counter.add(
            User(
                email=login.email,
                full_name=login.full_name,
                role=login.role,
                provider_id=provider.id if provider else None,
                password_hash=password_hash,
                is_active=True,
                can_manage_organisation=login.role is Role.provider,
                email_confirmed_at=clock.now(),
            )
        )
    db.session.flush()


def _seed_question_set(framework: Framework, counter: _Counter) -> None:
    if current_question_set(framework) is None:
        definition = load_default_definition()
        publish_question_set(framework, definition, title=definition["title"])
        counter.created += 1


def seed_demo() -> int:
    """Add whatever of the demo data is missing; return how many records were added."""
    counter = _Counter()
    framework = _seed_framework(counter)
    _seed_question_set(framework, counter)
    _seed_providers(framework, counter)
    _seed_users(counter)
    providers = {
        provider.legal_name: provider
        for provider in db.session.scalars(select(ProviderOrganisation))
    }
    counter.created += seed_applications(framework, providers)
    counter.created += seed_quality(framework, providers)
    counter.created += seed_tenders(framework, providers)
    counter.created += seed_past_placement()
    counter.created += seed_vacancies()
    counter.created += seed_direct_awards()
    return counter.created
