"""The contract gate: whether a home may receive placements in a category, and every reason
why not. Invitations, direct-award searches, dashboards and reports ask this module and
nothing else (domain.md section 4)."""

import enum
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select

from dps_portal.contracts.models import Suspension, TermsAcceptance, TermsVersion
from dps_portal.core import clock
from dps_portal.core.clock import format_date
from dps_portal.declarations.queries import overdue_declaration
from dps_portal.extensions import db
from dps_portal.framework.models import Category
from dps_portal.onboarding.admissions import admitted_homes, is_admitted
from dps_portal.onboarding.models import Admission
from dps_portal.providers.models import CareHome, CqcRating, EvidenceItem, ProviderOrganisation
from dps_portal.quality.models import Visit, VisitOutcome, VisitState, VisitType


class Barrier(enum.Enum):
    """Each thing that can keep a home from placements, in the order people read them."""

    not_admitted = "not admitted"
    no_initial_visit = "no satisfactory initial visit"
    terms_not_accepted = "terms not accepted"
    provider_suspended = "provider suspended"
    home_suspended = "home suspended"
    evidence_expired = "evidence expired"
    cqc_not_registered = "CQC registration not active"
    cqc_inadequate = "CQC rating Inadequate"
    declaration_overdue = "self-declaration overdue"


@dataclass(frozen=True)
class Reason:
    barrier: Barrier
    text: str


@dataclass(frozen=True)
class Eligibility:
    home: CareHome
    category: Category
    reasons: list[Reason] = field(default_factory=list)
    # Not barriers yet, but soon ("Accept terms and conditions v3 by 1 March 2027").
    warnings: list[str] = field(default_factory=list)

    @property
    def is_eligible(self) -> bool:
        return not self.reasons

    @property
    def barriers(self) -> set[Barrier]:
        return {reason.barrier for reason in self.reasons}


# Visits whose satisfactory outcome opens the gate: the initial visit, or the follow-up
# of an initial visit that was unsatisfactory.
GATE_VISIT_TYPES = (VisitType.initial, VisitType.follow_up)


def eligibility(home: CareHome, category: Category, today: date | None = None) -> Eligibility:
    """Whether `home` may receive placements in `category` on `today`, and why not."""
    today = today or clock.today_uk()
    provider = home.provider
    reasons: list[Reason] = []
    warnings: list[str] = []
    if not is_admitted(home, category):
        reasons.append(Reason(Barrier.not_admitted, _not_admitted_text(provider, category)))
    if not has_passed_initial_visit(home):
        reasons.append(
            Reason(Barrier.no_initial_visit, "No satisfactory initial quality-monitoring visit")
        )
    terms_reason, terms_warning = terms_standing(provider, category.framework_id, today)
    if terms_reason:
        reasons.append(terms_reason)
    if terms_warning:
        warnings.append(terms_warning)
    for suspension in suspensions_in_force(provider, today):
        if suspension.care_home_id is None:
            text = f"Provider suspended: {suspension.reason}"
            reasons.append(Reason(Barrier.provider_suspended, _until(text, suspension)))
        elif suspension.care_home_id == home.id:
            text = f"Suspended: {suspension.reason}"
            reasons.append(Reason(Barrier.home_suspended, _until(text, suspension)))
    for item in current_evidence(provider, home):
        if item.is_expired(today):
            text = f"{item.label} expired {format_date(item.expires_on)}"
            reasons.append(Reason(Barrier.evidence_expired, text))
        elif item.is_expiring(today):
            warnings.append(f"{item.label} expires {format_date(item.expires_on)}")
    if not home.is_cqc_registered:
        reasons.append(Reason(Barrier.cqc_not_registered, "CQC registration is not active"))
    if home.cqc_rating is CqcRating.inadequate and home.cqc_review_cleared_at is None:
        text = "CQC rating Inadequate"
        if home.cqc_review_required_since is not None:
            text += ": waiting for a contracts officer's review"
        reasons.append(Reason(Barrier.cqc_inadequate, text))
    declaration = overdue_declaration(provider, today)
    if declaration is not None:
        text = f"Renewed self-declaration overdue since {format_date(declaration.due_on)}"
        reasons.append(Reason(Barrier.declaration_overdue, text))
    return Eligibility(home=home, category=category, reasons=reasons, warnings=warnings)


def home_eligibility(home: CareHome, today: date | None = None) -> list[Eligibility]:
    """The home's eligibility in each category of the framework its provider applied to."""
    today = today or clock.today_uk()
    return [eligibility(home, category, today) for category in _categories_for(home)]


def eligible_homes(category: Category, today: date | None = None) -> list[CareHome]:
    """Every home that may receive placements in `category` today."""
    today = today or clock.today_uk()
    return [
        home for home in admitted_homes(category) if eligibility(home, category, today).is_eligible
    ]


def has_passed_initial_visit(home: CareHome) -> bool:
    return (
        db.session.scalar(
            select(Visit.id)
            .where(
                Visit.care_home_id == home.id,
                Visit.visit_type.in_(GATE_VISIT_TYPES),
                Visit.state == VisitState.finalised,
                Visit.outcome.in_(
                    [VisitOutcome.satisfactory, VisitOutcome.satisfactory_with_actions]
                ),
            )
            .limit(1)
        )
        is not None
    )


def current_terms(framework_id: int, today: date) -> TermsVersion | None:
    """The newest version already in effect."""
    return db.session.scalars(
        select(TermsVersion)
        .where(TermsVersion.framework_id == framework_id, TermsVersion.is_in_effect(today))
        .order_by(TermsVersion.version.desc())
    ).first()


def accepted_versions(provider: ProviderOrganisation, framework_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(TermsVersion.version)
            .join(TermsAcceptance, TermsAcceptance.terms_version_id == TermsVersion.id)
            .where(
                TermsAcceptance.provider_id == provider.id,
                TermsVersion.framework_id == framework_id,
            )
        )
    )


def suspensions_in_force(provider: ProviderOrganisation, today: date) -> list[Suspension]:
    """The provider's suspensions in force today, its own and its homes'."""
    return list(
        db.session.scalars(
            select(Suspension)
            .where(Suspension.provider_id == provider.id, Suspension.is_in_force(today))
            .order_by(Suspension.started_at, Suspension.id)
        )
    )


def current_evidence(provider: ProviderOrganisation, home: CareHome) -> list[EvidenceItem]:
    """The provider's dated evidence that counts for `home`: its own and the organisation's,
    not replaced by a newer item."""
    return list(
        db.session.scalars(
            select(EvidenceItem)
            .where(
                EvidenceItem.provider_id == provider.id,
                EvidenceItem.is_current,
                or_(EvidenceItem.care_home_id.is_(None), EvidenceItem.care_home_id == home.id),
            )
            .order_by(EvidenceItem.expires_on, EvidenceItem.id)
        )
    )


def _not_admitted_text(provider: ProviderOrganisation, category: Category) -> str:
    admitted = db.session.scalar(
        select(Admission.id).where(
            Admission.provider_id == provider.id, Admission.category_id == category.id
        )
    )
    if admitted is None:
        return f"Provider not admitted to {category.name}"
    return f"Home not put forward for {category.name}"


def terms_standing(
    provider: ProviderOrganisation, framework_id: int, today: date
) -> tuple[Reason | None, str | None]:
    """A provider must have accepted the current version; one that accepted an earlier
    version keeps going until the current version's accept-by date."""
    terms = current_terms(framework_id, today)
    if terms is None:
        text = "The council has not published its terms and conditions yet"
        return Reason(Barrier.terms_not_accepted, text), None
    accepted = accepted_versions(provider, framework_id)
    if terms.version in accepted:
        return None, None
    text = f"Terms and conditions v{terms.version} not accepted"
    if accepted and not terms.is_accept_by_passed(today):
        return None, f"{text}: accept them by {format_date(terms.accept_by)}"
    if accepted:
        text += f" (they had to be accepted by {format_date(terms.accept_by)})"
    return Reason(Barrier.terms_not_accepted, text), None


def _until(text: str, suspension: Suspension) -> str:
    if suspension.ends_on is None:
        return text
    return f"{text} (until {format_date(suspension.ends_on)})"


def _categories_for(home: CareHome) -> list[Category]:
    """The categories the home's provider is admitted to, else every category it could be."""
    from dps_portal.framework.models import current_framework

    admitted = list(
        db.session.scalars(
            select(Category)
            .join(Admission, Admission.category_id == Category.id)
            .where(Admission.provider_id == home.provider_id)
            .order_by(Category.position)
        )
    )
    if admitted:
        return admitted
    framework = current_framework()
    return list(framework.categories) if framework else []
