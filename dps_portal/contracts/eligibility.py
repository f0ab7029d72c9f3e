"""The contract gate: whether a home may receive placements in a category, and every reason
why not. Invitations, direct-award searches, dashboards and reports ask this module and
nothing else (domain.md section 4).

The rule is stated once, in SQL (`barrier_conditions`: when each barrier holds for a row of
a care home and a category), so that pages count and filter a whole county in the database.
It is asked of a set at once (`eligibility_of`: a whole category, a provider's homes, a page
of a list) in a fixed number of queries, whatever the number of homes: it reads which
barriers hold from those conditions and words each one; the one-home `eligibility` is a call
of it."""

import enum
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    exists,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from dps_portal.contracts.models import Suspension, TermsAcceptance, TermsVersion
from dps_portal.core import clock
from dps_portal.core.clock import format_date
from dps_portal.core.models import UtcDateTime
from dps_portal.declarations.models import DeclarationRequest
from dps_portal.extensions import db
from dps_portal.framework.models import Category, current_framework
from dps_portal.onboarding.admissions import admitted_home_ids, admitted_pairs
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

    @property
    def label(self) -> str:
        """As a heading or list shows it: "No satisfactory initial visit"."""
        return self.value[:1].upper() + self.value[1:]


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
PASSING_OUTCOMES = (VisitOutcome.satisfactory, VisitOutcome.satisfactory_with_actions)


def passed_gate_visit_home_ids() -> Select:
    """SELECT the ids of the homes with a satisfactory initial (or follow-up) visit: the
    one SQL form of that rule, for the gate and for any list that filters on it."""
    return select(Visit.care_home_id).where(
        Visit.visit_type.in_(GATE_VISIT_TYPES),
        Visit.state == VisitState.finalised,
        Visit.outcome.in_(PASSING_OUTCOMES),
    )


# The rule, in SQL: the one statement of when each barrier holds.


def barrier_conditions(today: date) -> dict[Barrier, ColumnElement[bool]]:
    """Each barrier as an SQL condition on a row of CareHome and Category (a query that
    selects from both), in the order people read them: true when it keeps that home from
    placements in that category on `today`, and never NULL. `eligibility_of` reads these for
    its set and words each barrier that holds; lists count and filter with them as they are."""
    return dict(_barrier_conditions(today))


@functools.lru_cache(maxsize=8)
def _barrier_conditions(today: date) -> dict[Barrier, ColumnElement[bool]]:
    # Built once a day: SQL constructs do not change, and building these costs a page. Each
    # asks whether the row's ids are IN the set that holds the barrier back, which PostgreSQL
    # reads once and hashes, for one home as for a county. (Written as correlated EXISTS, the
    # planner costs them per row, and a county's count crosses its JIT threshold: half a
    # second compiling, every time.)
    pairs = admitted_pairs().subquery()
    in_force = Suspension.is_in_force(today)
    expired = and_(EvidenceItem.is_current, EvidenceItem.is_expired(today))
    return {
        Barrier.not_admitted: tuple_(CareHome.id, Category.id).not_in(
            select(pairs.c.care_home_id, pairs.c.category_id)
        ),
        Barrier.no_initial_visit: CareHome.id.not_in(passed_gate_visit_home_ids()),
        Barrier.terms_not_accepted: terms_not_accepted(
            CareHome.provider_id, Category.framework_id, today
        ),
        Barrier.provider_suspended: CareHome.provider_id.in_(
            select(Suspension.provider_id).where(Suspension.care_home_id.is_(None), in_force)
        ),
        Barrier.home_suspended: tuple_(CareHome.provider_id, CareHome.id).in_(
            select(Suspension.provider_id, Suspension.care_home_id).where(
                Suspension.care_home_id.is_not(None), in_force
            )
        ),
        # The provider's own evidence, or the home's.
        Barrier.evidence_expired: or_(
            CareHome.provider_id.in_(
                select(EvidenceItem.provider_id).where(EvidenceItem.care_home_id.is_(None), expired)
            ),
            tuple_(CareHome.provider_id, CareHome.id).in_(
                select(EvidenceItem.provider_id, EvidenceItem.care_home_id).where(
                    EvidenceItem.care_home_id.is_not(None), expired
                )
            ),
        ),
        Barrier.cqc_not_registered: CareHome.is_cqc_registered.is_(False),
        # Until an officer's review clears it.
        Barrier.cqc_inadequate: and_(
            CareHome.cqc_rating.is_not(None),
            CareHome.cqc_rating == CqcRating.inadequate,
            CareHome.cqc_review_cleared_at.is_(None),
        ),
        Barrier.declaration_overdue: CareHome.provider_id.in_(
            select(DeclarationRequest.provider_id).where(DeclarationRequest.is_overdue(today))
        ),
    }


def is_eligible_condition(today: date) -> ColumnElement[bool]:
    """SQL for a row of CareHome and Category: no barrier holds."""
    return ~or_(*barrier_conditions(today).values())


def terms_not_accepted(provider_id, framework_id, today: date) -> ColumnElement[bool]:
    """SQL for the terms barrier of a provider in a framework (columns or values): the
    framework has no terms in effect, or the provider has not accepted the current version
    and either never accepted one or the current version's accept-by date has passed (an
    earlier acceptance keeps a provider going until then)."""
    current = _current_terms_subquery(today)
    accepted = select(TermsAcceptance.provider_id, TermsVersion.framework_id).join(
        TermsVersion, TermsAcceptance.terms_version_id == TermsVersion.id
    )
    accepted_current = accepted.join(current, current.c.id == TermsVersion.id)
    accept_by_passed = select(TermsVersion.framework_id).where(
        TermsVersion.id.in_(select(current.c.id)), TermsVersion.is_accept_by_passed(today)
    )
    provider_framework = tuple_(provider_id, framework_id)
    return or_(
        framework_id.not_in(select(current.c.framework_id)),
        and_(
            provider_framework.not_in(accepted_current),
            or_(provider_framework.not_in(accepted), framework_id.in_(accept_by_passed)),
        ),
    )


@functools.lru_cache(maxsize=8)
def _current_terms_subquery(today: date):
    """Each framework's current terms (id, framework_id): its newest version in effect."""
    newer = aliased(TermsVersion)
    return (
        select(TermsVersion.id, TermsVersion.framework_id)
        .where(
            TermsVersion.is_in_effect(today),
            ~exists().where(
                newer.framework_id == TermsVersion.framework_id,
                newer.version > TermsVersion.version,
                newer.is_in_effect(today),
            ),
        )
        .subquery("current_terms")
    )


def _barriers_of(
    home_ids: set[int], category_ids: set[int], today: date
) -> dict[tuple[int, int], set[Barrier]]:
    """{(home id, category id): the barriers that hold}, for every home and category given,
    in one query."""
    conditions = barrier_conditions(today)
    rows = db.session.execute(
        _barriers_statement(today),
        {"home_ids": sorted(home_ids), "category_ids": sorted(category_ids)},
    )
    return {
        (home_id, category_id): {
            barrier for barrier, holds in zip(conditions, flags, strict=True) if holds
        }
        for home_id, category_id, *flags in rows
    }


@functools.lru_cache(maxsize=8)
def _barriers_statement(today: date) -> Select:
    """_barriers_of's statement, built once a day with its sets as parameters: SQLAlchemy
    keeps a statement's cache key with it, and walking this one costs about a millisecond.
    "Not admitted" is read from a join to the admitted pairs of the homes asked (a home is
    admitted to a category at most once), the same rule as its condition: PostgreSQL would
    otherwise hash every admitted pair of the county to answer a page."""
    home_ids = bindparam("home_ids", expanding=True)
    conditions = barrier_conditions(today)
    pairs = admitted_pairs().where(CareHome.id.in_(home_ids)).subquery()
    conditions[Barrier.not_admitted] = pairs.c.care_home_id.is_(None)
    return (
        select(CareHome.id, Category.id, *conditions.values())
        .select_from(CareHome)
        .join(Category, true())
        .outerjoin(
            pairs,
            and_(pairs.c.care_home_id == CareHome.id, pairs.c.category_id == Category.id),
        )
        .where(
            CareHome.id.in_(home_ids),
            Category.id.in_(bindparam("category_ids", expanding=True)),
        )
    )


# Asking the rule.


def eligibility(home: CareHome, category: Category, today: date | None = None) -> Eligibility:
    """Whether `home` may receive placements in `category` on `today`, and why not."""
    return eligibility_of([(home, category)], today)[0]


def eligibility_of(
    pairs: Iterable[tuple[CareHome, Category]], today: date | None = None
) -> list[Eligibility]:
    """The rule for each (home, category), in the order given, in a fixed number of
    queries: which barriers hold (barrier_conditions), and the facts that word them, are
    read together for every home and provider in the set."""
    today = today or clock.today_uk()
    pairs = list(pairs)
    if not pairs:
        return []
    facts = _Facts.read(pairs, today)
    return [facts.eligibility(home, category, today) for home, category in pairs]


def home_eligibility(home: CareHome, today: date | None = None) -> list[Eligibility]:
    """The home's eligibility in each category of the framework its provider applied to."""
    return homes_eligibility([home], today)[home.id]


def homes_eligibility(
    homes: Sequence[CareHome], today: date | None = None
) -> dict[int, list[Eligibility]]:
    """Each home's eligibility in each category its provider is admitted to (else in every
    category of the current framework): for a provider's homes or a page of a list."""
    categories = _categories_for_providers({home.provider_id for home in homes})
    answers = eligibility_of(
        [(home, category) for home in homes for category in categories[home.provider_id]], today
    )
    by_home: dict[int, list[Eligibility]] = {home.id: [] for home in homes}
    for answer in answers:
        by_home[answer.home.id].append(answer)
    return by_home


def eligible_homes(category: Category, today: date | None = None) -> list[CareHome]:
    """Every home that may receive placements in `category` today, asked of the whole
    category at once."""
    homes = db.session.scalars(
        select(CareHome)
        .where(CareHome.id.in_(admitted_home_ids(category.id)))
        .order_by(CareHome.name, CareHome.id)
    ).all()
    answers = eligibility_of([(home, category) for home in homes], today)
    return [answer.home for answer in answers if answer.is_eligible]


def has_passed_initial_visit(home: CareHome) -> bool:
    return (
        db.session.scalar(
            passed_gate_visit_home_ids().where(Visit.care_home_id == home.id).limit(1)
        )
        is not None
    )


# Terms and conditions, which the terms pages also read.


def current_terms(framework_id: int, today: date) -> TermsVersion | None:
    """The newest version already in effect."""
    return _current_terms({framework_id}, today).get(framework_id)


def accepted_versions(provider: ProviderOrganisation, framework_id: int) -> set[int]:
    return _accepted_versions({provider.id}, {framework_id}).get((provider.id, framework_id), set())


def terms_standing(
    provider: ProviderOrganisation, framework_id: int, today: date
) -> tuple[Reason | None, str | None]:
    """A provider must have accepted the current version; one that accepted an earlier
    version keeps going until the current version's accept-by date (terms_not_accepted)."""
    is_barrier = db.session.scalar(
        select(terms_not_accepted(literal(provider.id), literal(framework_id), today))
    )
    return _terms_standing(
        current_terms(framework_id, today),
        accepted_versions(provider, framework_id),
        is_barrier=bool(is_barrier),
    )


def _terms_standing(
    terms: TermsVersion | None, accepted: set[int], *, is_barrier: bool
) -> tuple[Reason | None, str | None]:
    """The words for the terms: the reason when the barrier holds, else the warning while
    an earlier acceptance still counts."""
    if is_barrier and terms is None:
        text = "The council has not published its terms and conditions yet"
        return Reason(Barrier.terms_not_accepted, text), None
    if terms is None or terms.version in accepted:
        return None, None
    text = f"Terms and conditions v{terms.version} not accepted"
    if not is_barrier:
        return None, f"{text}: accept them by {format_date(terms.accept_by)}"
    if accepted:
        text += f" (they had to be accepted by {format_date(terms.accept_by)})"
    return Reason(Barrier.terms_not_accepted, text), None


# The facts of a set of homes, read in a fixed number of queries.


@dataclass
class _Facts:
    """Which barriers hold for each home and category of a set, and what words them: read as
    columns, not rows (a county's page asks for hundreds of pairs), and worded once per
    provider, home or terms standing however many categories ask."""

    barriers: dict[tuple[int, int], set[Barrier]]
    provider_admitted: set[tuple[int, int]]
    terms: dict[int, TermsVersion]
    accepted: dict[tuple[int, int], set[int]]
    # Per provider, in the order read: (home id or None for the whole provider, barrier, the
    # reason), and the warnings of evidence expiring soon as (home id or None, words).
    held: dict[int, list[tuple[int | None, Barrier, Reason]]]
    expiring: dict[int, list[tuple[int | None, str]]]
    overdue_declarations: dict[int, Reason]
    _terms_words: dict = field(default_factory=dict)

    @classmethod
    def read(cls, pairs: list[tuple[CareHome, Category]], today: date) -> "_Facts":
        home_ids = {home.id for home, _ in pairs}
        provider_ids = {home.provider_id for home, _ in pairs}
        framework_ids = {category.framework_id for _, category in pairs}
        provider_admitted: set[tuple[int, int]] = set()
        held: dict[int, list] = defaultdict(list)
        expiring: dict[int, list] = defaultdict(list)
        overdue: dict[int, Reason] = {}
        rows = db.session.execute(
            _provider_facts_statement(today), {"provider_ids": sorted(provider_ids)}
        )
        for kind, provider_id, home_id, words, on, *_order in rows:
            if kind == _ADMITTED:
                provider_admitted.add((provider_id, home_id))
            elif kind == _SUSPENDED:
                if home_id is None:
                    barrier, text = Barrier.provider_suspended, f"Provider suspended: {words}"
                else:
                    barrier, text = Barrier.home_suspended, f"Suspended: {words}"
                if on is not None:
                    text = f"{text} (until {format_date(on)})"
                held[provider_id].append((home_id, barrier, Reason(barrier, text)))
            elif kind == _EVIDENCE and on < today:
                barrier, text = Barrier.evidence_expired, f"{words} expired {format_date(on)}"
                held[provider_id].append((home_id, barrier, Reason(barrier, text)))
            elif kind == _EVIDENCE:
                expiring[provider_id].append((home_id, f"{words} expires {format_date(on)}"))
            elif provider_id not in overdue:  # the oldest overdue declaration
                text = f"Renewed self-declaration overdue since {format_date(on)}"
                overdue[provider_id] = Reason(Barrier.declaration_overdue, text)
        return cls(
            barriers=_barriers_of(home_ids, {category.id for _, category in pairs}, today),
            provider_admitted=provider_admitted,
            terms=_current_terms(framework_ids, today),
            accepted=_accepted_versions(provider_ids, framework_ids),
            held=held,
            expiring=expiring,
            overdue_declarations=overdue,
        )

    def eligibility(self, home: CareHome, category: Category, today: date) -> Eligibility:
        """The barriers that hold for the pair, each in words, and the warnings."""
        home_id, provider_id = home.id, home.provider_id
        barriers = self.barriers[(home_id, category.id)]
        reasons: list[Reason] = []
        warnings: list[str] = []
        if Barrier.not_admitted in barriers:
            reasons.append(Reason(Barrier.not_admitted, self._not_admitted_text(home, category)))
        if Barrier.no_initial_visit in barriers:
            reasons.append(_NO_INITIAL_VISIT)
        terms_reason, terms_warning = self._terms_standing(
            provider_id, category.framework_id, Barrier.terms_not_accepted in barriers
        )
        if terms_reason:
            reasons.append(terms_reason)
        if terms_warning:
            warnings.append(terms_warning)
        if barriers:
            reasons += [
                reason
                for for_home, barrier, reason in self.held.get(provider_id, ())
                if barrier in barriers and (for_home is None or for_home == home_id)
            ]
        warnings += [
            text
            for for_home, text in self.expiring.get(provider_id, ())
            if for_home is None or for_home == home_id
        ]
        if not barriers:
            return Eligibility(home=home, category=category, reasons=reasons, warnings=warnings)
        if Barrier.cqc_not_registered in barriers:
            reasons.append(_CQC_NOT_REGISTERED)
        if Barrier.cqc_inadequate in barriers:
            reasons.append(
                _CQC_INADEQUATE_REVIEWING
                if home.cqc_review_required_since is not None
                else _CQC_INADEQUATE
            )
        declaration = self.overdue_declarations.get(provider_id)
        if declaration is not None and Barrier.declaration_overdue in barriers:
            reasons.append(declaration)
        # The answer is the rule's: a barrier that holds is a reason, in words or not.
        worded = {reason.barrier for reason in reasons}
        if not barriers <= worded:
            reasons += [
                Reason(barrier, barrier.label)
                for barrier in Barrier
                if barrier in barriers and barrier not in worded
            ]
        return Eligibility(home=home, category=category, reasons=reasons, warnings=warnings)

    def _terms_standing(
        self, provider_id: int, framework_id: int, is_barrier: bool
    ) -> tuple[Reason | None, str | None]:
        """_terms_standing, worded once per provider, framework and answer."""
        key = (provider_id, framework_id, is_barrier)
        words = self._terms_words.get(key)
        if words is None:
            words = self._terms_words[key] = _terms_standing(
                self.terms.get(framework_id),
                self.accepted.get((provider_id, framework_id), set()),
                is_barrier=is_barrier,
            )
        return words

    def _not_admitted_text(self, home: CareHome, category: Category) -> str:
        if (home.provider_id, category.id) not in self.provider_admitted:
            return f"Provider not admitted to {category.name}"
        return f"Home not put forward for {category.name}"


# What _Facts reads of each provider, one statement for all: its admissions (category id in
# the home column), suspensions in force (the reason and end date), evidence expired or
# expiring (the label and expiry date: the rest words nothing) and overdue declarations (the
# due date), each kind in the order its words are read.
_ADMITTED, _SUSPENDED, _EVIDENCE, _DECLARATION = 1, 2, 3, 4


@functools.lru_cache(maxsize=8)
def _provider_facts_statement(today: date):
    def kind(number: int):
        return literal_column(str(number), Integer).label("kind")

    providers = bindparam("provider_ids", expanding=True)
    no_date, no_time = cast(null(), Date), cast(null(), UtcDateTime)
    no_text = cast(null(), Text)
    return union_all(
        select(
            kind(_SUSPENDED),
            Suspension.provider_id.label("provider_id"),
            Suspension.care_home_id.label("home_id"),
            type_coerce(Suspension.reason, Text).label("words"),
            Suspension.ends_on.label("on"),
            Suspension.started_at.label("started_at"),
            no_date.label("sort_on"),
            Suspension.id.label("id"),
        ).where(Suspension.provider_id.in_(providers), Suspension.is_in_force(today)),
        select(
            kind(_ADMITTED),
            Admission.provider_id,
            Admission.category_id,
            no_text,
            no_date,
            no_time,
            no_date,
            Admission.id,
        ).where(Admission.provider_id.in_(providers)),
        select(
            kind(_EVIDENCE),
            EvidenceItem.provider_id,
            EvidenceItem.care_home_id,
            EvidenceItem.label,
            EvidenceItem.expires_on,
            no_time,
            EvidenceItem.expires_on,
            EvidenceItem.id,
        ).where(
            EvidenceItem.provider_id.in_(providers),
            EvidenceItem.is_current,
            EvidenceItem.is_due_for_renewal(today),
        ),
        select(
            kind(_DECLARATION),
            DeclarationRequest.provider_id,
            cast(null(), Integer),
            no_text,
            DeclarationRequest.due_on,
            no_time,
            DeclarationRequest.due_on,
            DeclarationRequest.id,
        ).where(
            DeclarationRequest.provider_id.in_(providers), DeclarationRequest.is_overdue(today)
        ),
    ).order_by(literal_column("started_at"), literal_column("sort_on"), literal_column("id"))


# The words that depend on nothing but the barrier (a Reason is immutable: shared).
_NO_INITIAL_VISIT = Reason(
    Barrier.no_initial_visit, "No satisfactory initial quality-monitoring visit"
)
_CQC_NOT_REGISTERED = Reason(Barrier.cqc_not_registered, "CQC registration is not active")
_CQC_INADEQUATE = Reason(Barrier.cqc_inadequate, "CQC rating Inadequate")
_CQC_INADEQUATE_REVIEWING = Reason(
    Barrier.cqc_inadequate, "CQC rating Inadequate: waiting for a contracts officer's review"
)


def _current_terms(framework_ids: set[int], today: date) -> dict[int, TermsVersion]:
    """Each framework's newest version already in effect."""
    versions = db.session.scalars(
        _current_terms_statement(today), {"framework_ids": sorted(framework_ids)}
    ).all()
    return {terms.framework_id: terms for terms in versions}


@functools.lru_cache(maxsize=8)
def _current_terms_statement(today: date) -> Select:
    """Built once a day, its frameworks a parameter (its cache key is kept with it)."""
    current = _current_terms_subquery(today)
    return select(TermsVersion).where(
        TermsVersion.id.in_(select(current.c.id)),
        TermsVersion.framework_id.in_(bindparam("framework_ids", expanding=True)),
    )


def _accepted_versions(
    provider_ids: set[int], framework_ids: set[int]
) -> dict[tuple[int, int], set[int]]:
    rows = db.session.execute(
        select(TermsAcceptance.provider_id, TermsVersion.framework_id, TermsVersion.version)
        .join(TermsVersion, TermsAcceptance.terms_version_id == TermsVersion.id)
        .where(
            TermsAcceptance.provider_id.in_(provider_ids),
            TermsVersion.framework_id.in_(framework_ids),
        )
    ).all()
    accepted: dict[tuple[int, int], set[int]] = defaultdict(set)
    for provider_id, framework_id, version in rows:
        accepted[(provider_id, framework_id)].add(version)
    return accepted


def _categories_for_providers(provider_ids: set[int]) -> dict[int, list[Category]]:
    """The categories each provider is admitted to, else every category of the current
    framework (it could be admitted to any of them)."""
    rows = db.session.execute(
        select(Admission.provider_id, Category)
        .join(Category, Admission.category_id == Category.id)
        .where(Admission.provider_id.in_(provider_ids))
        .order_by(Category.position, Category.id)
    ).all()
    admitted: dict[int, list[Category]] = defaultdict(list)
    for provider_id, category in rows:
        admitted[provider_id].append(category)
    if len(admitted) < len(provider_ids):
        framework = current_framework()
        every = list(framework.categories) if framework else []
        for provider_id in provider_ids - set(admitted):
            admitted[provider_id] = every
    return admitted
