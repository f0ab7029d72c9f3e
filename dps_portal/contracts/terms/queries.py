"""Read models of the terms and conditions: versions with who has accepted them, a
provider's standing, and what its Provider Agreement says."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from dps_portal.contracts.eligibility import accepted_versions, current_terms, terms_standing
from dps_portal.contracts.models import TermsAcceptance, TermsVersion
from dps_portal.extensions import db
from dps_portal.framework.models import Category, Framework, current_framework
from dps_portal.onboarding.models import Admission
from dps_portal.providers.models import ProviderOrganisation
from dps_portal.rates.models import RateCardEntry


def versions(framework: Framework) -> list[TermsVersion]:
    """Every published version, newest first."""
    return list(
        db.session.scalars(
            select(TermsVersion)
            .where(TermsVersion.framework_id == framework.id)
            .order_by(TermsVersion.version.desc())
        )
    )


def newest_version(framework_id: int) -> TermsVersion | None:
    """The newest published version, in effect or not yet."""
    return db.session.scalars(
        select(TermsVersion)
        .where(TermsVersion.framework_id == framework_id)
        .order_by(TermsVersion.version.desc())
    ).first()


def next_version_number(framework: Framework) -> int:
    latest = db.session.scalar(
        select(func.max(TermsVersion.version)).where(TermsVersion.framework_id == framework.id)
    )
    return (latest or 0) + 1


def upcoming_terms(framework_id: int, today: date) -> TermsVersion | None:
    """The newest version published to take effect after today, if any."""
    return db.session.scalars(
        select(TermsVersion)
        .where(TermsVersion.framework_id == framework_id, ~TermsVersion.is_in_effect(today))
        .order_by(TermsVersion.version.desc())
    ).first()


def admitted_providers(framework_id: int) -> list[ProviderOrganisation]:
    """The providers admitted to any category of the framework: the ones the terms bind."""
    admitted = (
        select(Admission.provider_id)
        .join(Category, Category.id == Admission.category_id)
        .where(Category.framework_id == framework_id)
    )
    return list(
        db.session.scalars(
            select(ProviderOrganisation)
            .where(ProviderOrganisation.id.in_(admitted))
            .order_by(ProviderOrganisation.legal_name, ProviderOrganisation.id)
        )
    )


def acceptances_of_version(terms: TermsVersion) -> dict[int, TermsAcceptance]:
    """The version's acceptances by provider id."""
    return {
        acceptance.provider_id: acceptance
        for acceptance in db.session.scalars(
            select(TermsAcceptance).where(TermsAcceptance.terms_version_id == terms.id)
        )
    }


@dataclass(frozen=True)
class VersionRow:
    terms: TermsVersion
    accepted: list[tuple[ProviderOrganisation, TermsAcceptance]]
    not_accepted: list[ProviderOrganisation]


def version_row(terms: TermsVersion, providers: list[ProviderOrganisation]) -> VersionRow:
    acceptances = acceptances_of_version(terms)
    return VersionRow(
        terms=terms,
        accepted=[(p, acceptances[p.id]) for p in providers if p.id in acceptances],
        not_accepted=[p for p in providers if p.id not in acceptances],
    )


def version_rows(framework: Framework) -> list[VersionRow]:
    """Each version with the admitted providers that have accepted it and those that have not."""
    providers = admitted_providers(framework.id)
    return [version_row(terms, providers) for terms in versions(framework)]


def acceptance_of(provider: ProviderOrganisation, terms: TermsVersion) -> TermsAcceptance | None:
    return db.session.scalars(
        select(TermsAcceptance).where(
            TermsAcceptance.provider_id == provider.id,
            TermsAcceptance.terms_version_id == terms.id,
        )
    ).first()


def acceptances_of_provider(provider: ProviderOrganisation) -> list[TermsAcceptance]:
    """The provider's acceptances, newest first."""
    return list(
        db.session.scalars(
            select(TermsAcceptance)
            .join(TermsVersion, TermsVersion.id == TermsAcceptance.terms_version_id)
            .where(TermsAcceptance.provider_id == provider.id)
            .order_by(TermsVersion.version.desc())
        )
    )


@dataclass(frozen=True)
class ProviderTerms:
    """Where a provider stands with the terms: what is current, what is coming, and whether
    the contract gate lets it through (asked of the gate, not worked out again here)."""

    current: TermsVersion | None
    current_acceptance: TermsAcceptance | None
    upcoming: TermsVersion | None
    upcoming_acceptance: TermsAcceptance | None
    # The gate's reason when the terms keep the provider from placements.
    barrier: str | None
    # The gate's warning while an earlier acceptance still counts ("accept them by ...").
    grace_warning: str | None
    acceptances: list[TermsAcceptance] = field(default_factory=list)

    @property
    def needs_acceptance(self) -> bool:
        return self.current is not None and self.current_acceptance is None


def provider_terms(
    provider: ProviderOrganisation, framework: Framework, today: date
) -> ProviderTerms:
    current = current_terms(framework.id, today)
    upcoming = upcoming_terms(framework.id, today)
    reason, warning = terms_standing(provider, framework.id, today)
    return ProviderTerms(
        current=current,
        current_acceptance=acceptance_of(provider, current) if current else None,
        upcoming=upcoming,
        upcoming_acceptance=acceptance_of(provider, upcoming) if upcoming else None,
        barrier=reason.text if reason and current is not None else None,
        grace_warning=warning,
        acceptances=acceptances_of_provider(provider),
    )


def has_accepted_current(provider: ProviderOrganisation, framework: Framework, today: date) -> bool:
    current = current_terms(framework.id, today)
    return current is None or current.version in accepted_versions(provider, framework.id)


# The Provider Agreement.


@dataclass(frozen=True)
class AgreementRate:
    setting: str
    weekly_rate: Decimal
    effective_from: date


@dataclass(frozen=True)
class AgreementHome:
    name: str
    cqc_location_id: str
    address: str
    rates: list[AgreementRate]


@dataclass(frozen=True)
class AgreementCategory:
    name: str
    homes: list[AgreementHome]


@dataclass(frozen=True)
class ProviderAgreement:
    provider: ProviderOrganisation
    framework: Framework
    terms: TermsVersion
    acceptance: TermsAcceptance
    accepted_at: datetime
    categories: list[AgreementCategory]


def _rates_in_force(care_home_id: int, category_id: int, on: date) -> list[AgreementRate]:
    """Per setting, the newest rate card entry in force on the day."""
    newest: dict[int, RateCardEntry] = {}
    for entry in db.session.scalars(
        select(RateCardEntry)
        .where(
            RateCardEntry.care_home_id == care_home_id,
            RateCardEntry.category_id == category_id,
            RateCardEntry.effective_from <= on,
        )
        .order_by(RateCardEntry.effective_from, RateCardEntry.id)
    ):
        newest[entry.setting_id] = entry
    return [
        AgreementRate(
            setting=entry.setting.name,
            weekly_rate=entry.weekly_rate,
            effective_from=entry.effective_from,
        )
        for entry in sorted(newest.values(), key=lambda entry: entry.setting.position)
    ]


def agreement(acceptance: TermsAcceptance, on: date) -> ProviderAgreement:
    """What the Provider Agreement says: the organisation, its admitted categories with the
    homes put forward for each and their rates on the day, the terms and the signature."""
    terms = acceptance.terms_version
    admissions = db.session.scalars(
        select(Admission)
        .join(Category, Category.id == Admission.category_id)
        .where(
            Admission.provider_id == acceptance.provider_id,
            Category.framework_id == terms.framework_id,
        )
        .order_by(Category.position)
    )
    categories = []
    for admission in admissions:
        homes = sorted(
            (admitted.care_home for admitted in admission.homes),
            key=lambda home: (home.name, home.id),
        )
        categories.append(
            AgreementCategory(
                name=admission.category.name,
                homes=[
                    AgreementHome(
                        name=home.name,
                        cqc_location_id=home.cqc_location_id,
                        address=", ".join(home.address_lines),
                        rates=_rates_in_force(home.id, admission.category_id, on),
                    )
                    for home in homes
                ],
            )
        )
    return ProviderAgreement(
        provider=acceptance.provider,
        framework=db.session.get(Framework, terms.framework_id),
        terms=terms,
        acceptance=acceptance,
        accepted_at=acceptance.accepted_at,
        categories=categories,
    )


def terms_to_accept(provider: ProviderOrganisation, today: date) -> ProviderTerms | None:
    """For the provider's dashboard: its standing when it is admitted and has not accepted
    the current terms; otherwise None."""
    framework = current_framework()
    if framework is None:
        return None
    is_admitted = db.session.scalar(
        select(Admission.id)
        .join(Category, Category.id == Admission.category_id)
        .where(Admission.provider_id == provider.id, Category.framework_id == framework.id)
        .limit(1)
    )
    if is_admitted is None:
        return None
    standing = provider_terms(provider, framework, today)
    return standing if standing.needs_acceptance else None
