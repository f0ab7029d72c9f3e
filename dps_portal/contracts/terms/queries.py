"""Read models of the terms and conditions: versions with who has accepted them, a
provider's standing, and what its Provider Agreement says."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import contains_eager

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


def _admitted_provider_ids(framework_id: int) -> Select:
    """SELECT the ids of the providers admitted to any category of the framework."""
    return (
        select(Admission.provider_id)
        .join(Category, Category.id == Admission.category_id)
        .where(Category.framework_id == framework_id)
    )


def admitted_providers_query(framework_id: int) -> Select:
    """The providers admitted to any category of the framework, by name: the ones the terms
    bind."""
    return (
        select(ProviderOrganisation)
        .where(ProviderOrganisation.id.in_(_admitted_provider_ids(framework_id)))
        .order_by(ProviderOrganisation.legal_name, ProviderOrganisation.id)
    )


def admitted_providers(framework_id: int) -> list[ProviderOrganisation]:
    return list(db.session.scalars(admitted_providers_query(framework_id)))


PAGE_SIZE = 50
# The officers' list names this many of each version's providers that have not accepted it.
NOT_ACCEPTED_NAMED = 10


@dataclass(frozen=True)
class VersionRow:
    terms: TermsVersion
    accepted: int
    admitted: int
    # The first NOT_ACCEPTED_NAMED by name, of `not_accepted_count`.
    not_accepted: list[ProviderOrganisation]

    @property
    def not_accepted_count(self) -> int:
        return self.admitted - self.accepted


def version_rows(framework: Framework) -> list[VersionRow]:
    """Each version with how many admitted providers have accepted it, and the first few of
    those that have not: aggregates and one windowed query, whatever the number of
    providers or versions."""
    admitted = _admitted_provider_ids(framework.id)
    # Every version with its two counts, in one statement.
    accepted_count = (
        select(func.count(TermsAcceptance.id))
        .where(
            TermsAcceptance.terms_version_id == TermsVersion.id,
            TermsAcceptance.provider_id.in_(admitted),
        )
        .scalar_subquery()
    )
    admitted_count = (
        select(func.count(ProviderOrganisation.id))
        .where(ProviderOrganisation.id.in_(admitted))
        .scalar_subquery()
    )
    counted = db.session.execute(
        select(TermsVersion, accepted_count, admitted_count)
        .where(TermsVersion.framework_id == framework.id)
        .order_by(TermsVersion.version.desc())
    ).all()
    accepted_here = (
        select(TermsAcceptance.id)
        .where(
            TermsAcceptance.terms_version_id == TermsVersion.id,
            TermsAcceptance.provider_id == ProviderOrganisation.id,
        )
        .exists()
    )
    ranked = (
        select(
            TermsVersion.id.label("terms_version_id"),
            ProviderOrganisation.id.label("provider_id"),
            func.row_number()
            .over(
                partition_by=TermsVersion.id,
                order_by=(ProviderOrganisation.legal_name, ProviderOrganisation.id),
            )
            .label("position"),
        )
        .select_from(TermsVersion)
        .join(ProviderOrganisation, true())
        .where(
            TermsVersion.framework_id == framework.id,
            ProviderOrganisation.id.in_(admitted),
            ~accepted_here,
        )
        .subquery()
    )
    not_accepted: dict[int, list[ProviderOrganisation]] = {}
    for terms_version_id, provider in db.session.execute(
        select(ranked.c.terms_version_id, ProviderOrganisation)
        .join(ProviderOrganisation, ProviderOrganisation.id == ranked.c.provider_id)
        .where(ranked.c.position <= NOT_ACCEPTED_NAMED)
        .order_by(ranked.c.terms_version_id, ranked.c.position)
    ):
        not_accepted.setdefault(terms_version_id, []).append(provider)
    return [
        VersionRow(
            terms=terms,
            accepted=accepted,
            admitted=admitted,
            not_accepted=not_accepted.get(terms.id, []),
        )
        for terms, accepted, admitted in counted
    ]


def acceptances_of_version(terms: TermsVersion) -> Select:
    """The version's acceptances by admitted providers, by provider name, providers loaded."""
    return (
        select(TermsAcceptance)
        .join(ProviderOrganisation, ProviderOrganisation.id == TermsAcceptance.provider_id)
        .options(contains_eager(TermsAcceptance.provider))
        .where(
            TermsAcceptance.terms_version_id == terms.id,
            TermsAcceptance.provider_id.in_(_admitted_provider_ids(terms.framework_id)),
        )
        .order_by(ProviderOrganisation.legal_name, ProviderOrganisation.id)
    )


def not_accepted_version(terms: TermsVersion) -> Select:
    """The admitted providers that have not accepted the version, by name."""
    accepted = select(TermsAcceptance.provider_id).where(
        TermsAcceptance.terms_version_id == terms.id
    )
    return admitted_providers_query(terms.framework_id).where(
        ProviderOrganisation.id.not_in(accepted)
    )


def providers_that_accepted_any(framework_id: int) -> set[int]:
    """The ids of the providers that have accepted some version of the framework's terms:
    those a version's accept-by date binds (accept_by_for)."""
    return set(
        db.session.scalars(
            select(TermsAcceptance.provider_id)
            .join(TermsVersion, TermsVersion.id == TermsAcceptance.terms_version_id)
            .where(TermsVersion.framework_id == framework_id)
            .distinct()
        )
    )


def acceptance_of(provider: ProviderOrganisation, terms: TermsVersion) -> TermsAcceptance | None:
    return db.session.scalars(
        select(TermsAcceptance).where(
            TermsAcceptance.provider_id == provider.id,
            TermsAcceptance.terms_version_id == terms.id,
        )
    ).first()


def acceptances_of_provider(provider: ProviderOrganisation) -> list[TermsAcceptance]:
    """The provider's acceptances, newest first, with their versions."""
    return list(
        db.session.scalars(
            select(TermsAcceptance)
            .join(TermsVersion, TermsVersion.id == TermsAcceptance.terms_version_id)
            .options(contains_eager(TermsAcceptance.terms_version))
            .where(TermsAcceptance.provider_id == provider.id)
            .order_by(TermsVersion.version.desc())
        )
    )


def accept_by_for(terms: TermsVersion, accepted: set[int]) -> date | None:
    """The date by which a provider that has accepted the versions `accepted` must accept
    `terms`, or None when no date applies. A version's accept-by date is the end of the
    grace an earlier acceptance gives (the contract gate's rule, `terms_not_accepted`): a
    provider that has accepted no version has no date, its homes simply wait for its
    acceptance, and one that has accepted `terms` has nothing left to do."""
    if terms.version in accepted or not accepted:
        return None
    return terms.accept_by


def suggested_signatory_role(provider: ProviderOrganisation, user) -> tuple[str, str]:
    """The role to fill in for `user` signing for `provider`, and a hint saying where it
    came from when that may not be the user's own: the role the user gave when they last
    signed for the organisation, else the authorised signatory's role in the organisation's
    details."""
    previous = db.session.scalar(
        select(TermsAcceptance.signatory_role)
        .where(
            TermsAcceptance.provider_id == provider.id,
            TermsAcceptance.accepted_by_id == user.id,
            TermsAcceptance.signatory_role != "",
        )
        .order_by(TermsAcceptance.accepted_at.desc(), TermsAcceptance.id.desc())
        .limit(1)
    )
    if previous:
        return previous, ""
    role = (provider.signatory_role or "").strip()
    if not role or _is_named_signatory(provider, user):
        return role, ""
    named = (provider.signatory_name or "").strip() or "someone else"
    return role, (
        f"Filled in from your organisation’s details, which name {named} ({role}) as its "
        "authorised signatory. Change it if your role is different."
    )


def _is_named_signatory(provider: ProviderOrganisation, user) -> bool:
    def same(a: str | None, b: str | None) -> bool:
        return bool(a and b) and " ".join(a.split()).lower() == " ".join(b.split()).lower()

    return same(provider.signatory_email, user.email) or same(
        provider.signatory_name, user.full_name
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
    # By when the provider must accept each version, where a date applies (accept_by_for).
    current_accept_by: date | None = None
    upcoming_accept_by: date | None = None

    @property
    def needs_acceptance(self) -> bool:
        return self.current is not None and self.current_acceptance is None


def provider_terms(
    provider: ProviderOrganisation, framework: Framework, today: date
) -> ProviderTerms:
    current = current_terms(framework.id, today)
    upcoming = upcoming_terms(framework.id, today)
    reason, warning = terms_standing(provider, framework.id, today)
    acceptances = acceptances_of_provider(provider)
    accepted = {
        acceptance.terms_version.version
        for acceptance in acceptances
        if acceptance.terms_version.framework_id == framework.id
    }
    # The acceptances of the current and upcoming versions are among those just read.
    by_version = {acceptance.terms_version_id: acceptance for acceptance in acceptances}
    return ProviderTerms(
        current=current,
        current_acceptance=by_version.get(current.id) if current else None,
        upcoming=upcoming,
        upcoming_acceptance=by_version.get(upcoming.id) if upcoming else None,
        barrier=reason.text if reason and current is not None else None,
        grace_warning=warning,
        acceptances=acceptances,
        current_accept_by=accept_by_for(current, accepted) if current else None,
        upcoming_accept_by=accept_by_for(upcoming, accepted) if upcoming else None,
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
