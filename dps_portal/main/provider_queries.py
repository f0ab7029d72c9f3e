"""The provider's and the quality monitor's home pages as work queues: what needs each of them
today, counted in the database in a fixed number of statements however many homes, most
urgent first. Each line leads to a list that shows exactly its rows: the lists filter with
the same conditions these counts use."""

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import NamedTuple

from flask import url_for
from sqlalchemy import ColumnElement, Select, bindparam, distinct, func, select

from dps_portal.accounts.models import User
from dps_portal.awards.models import DirectAwardOffer
from dps_portal.awards.queries import is_waiting_at
from dps_portal.contracts.eligibility import (
    Barrier,
    Eligibility,
    accepted_versions,
    current_terms,
    eligibility_of,
)
from dps_portal.core import clock
from dps_portal.core.clock import format_date, format_datetime
from dps_portal.extensions import db
from dps_portal.framework.models import Category, Framework
from dps_portal.onboarding.models import (
    Admission,
    Application,
    ApplicationCategory,
    CategoryDecision,
)
from dps_portal.onboarding.models import ApplicationState as State
from dps_portal.placements.models import Placement, PlacementState
from dps_portal.providers.models import CareHome, EvidenceItem, ProviderOrganisation
from dps_portal.quality import queries as visit_queries
from dps_portal.quality import rules as visit_rules
from dps_portal.quality.actions.queries import is_to_answer, of_finalised_visit
from dps_portal.quality.models import (
    ActionState,
    QualityReturn,
    ReturnState,
    Visit,
    VisitAction,
)
from dps_portal.quality.naming import planned_for
from dps_portal.quality.returns.queries import own_filter_condition as return_filter
from dps_portal.tenders.models import Tender, TenderInvitation
from dps_portal.tenders.queries import has_bid_in, is_unanswered
from dps_portal.vacancies.models import Vacancy
from dps_portal.vacancies.rules import fresh_since

# How many of the newest applications the page names.
APPLICATIONS_SHOWN = 5
# How many homes the page names with their reasons (those kept from placements first); the
# provider's homes list gives every home's answer.
HOMES_SHOWN = 20


# A work line's status: its words, its tag's colour, and how urgent it is (lower first).
STATUSES = {
    "overdue": ("Overdue", "govuk-tag--red", 0),
    "blocking": ("Stops placements", "govuk-tag--red", 0),
    "to_do": ("To do", "govuk-tag--blue", 1),
    "coming": ("Coming up", "govuk-tag--light-blue", 2),
    "information": ("For information", "govuk-tag--grey", 3),
}


@dataclass(frozen=True)
class WorkLine:
    """One line of a work queue: what waits and how many (the link to the list of exactly
    those), a sentence with the nearest date, and how urgent it is."""

    key: str
    label: str
    href: str
    count: int | None = None
    hint: str = ""
    # When it is due (a date is read as the start of its UK day); None: no date.
    due: date | datetime | None = None
    status: str = "to_do"

    @property
    def status_text(self) -> str:
        """Its words, never broken across lines (a tag beside a long hint would wrap)."""
        return STATUSES[self.status][0].replace(" ", "\u00a0")

    @property
    def status_classes(self) -> str:
        return STATUSES[self.status][1]

    @property
    def order(self) -> tuple:
        """The most urgent status first, then the soonest due, then the lines without a date."""
        rank = STATUSES[self.status][2]
        if self.due is None:
            return (rank, 1, datetime.max.replace(tzinfo=UTC))
        moment = (
            clock.ensure_utc(self.due)
            if isinstance(self.due, datetime)
            else clock.start_of_uk_day(self.due)
        )
        return (rank, 0, moment)


def most_urgent_first(lines: Sequence[WorkLine]) -> list[WorkLine]:
    return sorted(lines, key=lambda line: line.order)


# The provider's counts: one aggregate statement.


class NextVisit(NamedTuple):
    """The next announced visit, as the work line words it (naming.planned_for reads it):
    read with the counts."""

    planned_on: date
    planned_time: time | None
    home_name: str


@dataclass(frozen=True)
class ProviderCounts:
    offers: int = 0
    offers_first_ends_at: datetime | None = None
    invitations: int = 0
    invitations_first_closes_at: datetime | None = None
    bids_in: int = 0
    placements_to_start: int = 0
    placements_first_start_on: date | None = None
    actions: int = 0
    actions_overdue: int = 0
    actions_first_due_on: date | None = None
    visits_announced: int = 0
    # The next of them (planned_for reads these), with its home's name.
    next_visit_on: date | None = None
    next_visit_time: time | None = None
    next_visit_home: str | None = None
    returns_overdue: int = 0
    returns_first_overdue_on: date | None = None
    returns_to_send: int = 0
    returns_first_due_on: date | None = None
    evidence_expired: int = 0
    evidence_first_expired_on: date | None = None
    evidence_expiring: int = 0
    evidence_first_expiring_on: date | None = None
    stale_vacancy_homes: int = 0
    applications: int = 0
    applications_sent: int = 0

    @property
    def next_visit(self) -> NextVisit | None:
        if self.next_visit_on is None:
            return None
        return NextVisit(self.next_visit_on, self.next_visit_time, self.next_visit_home)


def _scalar(query: Select):
    return query.scalar_subquery()


def _count_and_first(model, column, *where) -> tuple:
    """(how many rows, the least `column`) of `model` where `where` holds, as subqueries."""
    return (
        _scalar(select(func.count(model.id)).where(*where)),
        _scalar(select(func.min(column)).where(*where)),
    )


def provider_counts(provider_id: int, now: datetime, today: date) -> ProviderCounts:
    """Every count the provider's work queue shows, in one statement of subqueries."""
    row = db.session.execute(
        _provider_counts_statement(today),
        {"provider_id": provider_id, "now": now, "stale_before": fresh_since(now)},
    ).one()
    return ProviderCounts(*row)


@functools.lru_cache(maxsize=4)
def _provider_counts_statement(today: date) -> Select:
    """The statement of `provider_counts`, built once a day (building it and working out its
    cache key cost more than running it): the provider, `now` and `stale_before` (vacancies
    confirmed before it are stale) are parameters; the rest follows from `today`."""
    provider_id, now = bindparam("provider_id"), bindparam("now")
    own_offer = (DirectAwardOffer.provider_id == provider_id, is_waiting_at(now))
    invitation = (
        select(func.count(TenderInvitation.id))
        .join(Tender, Tender.id == TenderInvitation.tender_id)
        .where(TenderInvitation.provider_id == provider_id, Tender.is_open_at(now))
    )
    unanswered = invitation.where(is_unanswered())
    first_close = (
        select(func.min(Tender.closes_at))
        .join(TenderInvitation, TenderInvitation.tender_id == Tender.id)
        .where(TenderInvitation.provider_id == provider_id, Tender.is_open_at(now), is_unanswered())
    )
    placement = (Placement.provider_id == provider_id, Placement.state == PlacementState.awarded)
    action = (VisitAction.provider_id == provider_id, is_to_answer())
    action_query = select(func.count(VisitAction.id)).join(VisitAction.visit)
    own_return = QualityReturn.provider_id == provider_id
    evidence = (EvidenceItem.provider_id == provider_id, EvidenceItem.is_current)
    stale = (
        select(func.count(distinct(Vacancy.care_home_id)))
        .join(CareHome, CareHome.id == Vacancy.care_home_id)
        .where(
            CareHome.provider_id == provider_id, ~Vacancy.is_fresh_since(bindparam("stale_before"))
        )
    )
    application = Application.provider_id == provider_id
    return select(
        *_count_and_first(DirectAwardOffer, DirectAwardOffer.respond_by, *own_offer),
        _scalar(unanswered),
        _scalar(first_close),
        _scalar(invitation.where(has_bid_in())),
        *_count_and_first(Placement, Placement.planned_start_on, *placement),
        _scalar(action_query.where(*action)),
        _scalar(action_query.where(*action, VisitAction.due_on < today)),
        _scalar(select(func.min(VisitAction.due_on)).join(VisitAction.visit).where(*action)),
        _scalar(select(func.count(Visit.id)).where(*_announced(provider_id))),
        *(
            _scalar(
                select(column)
                .select_from(Visit)
                .join(CareHome, CareHome.id == Visit.care_home_id)
                .where(*_announced(provider_id))
                .order_by(Visit.planned_on, Visit.planned_time, Visit.id)
                .limit(1)
            )
            for column in (Visit.planned_on, Visit.planned_time, CareHome.name)
        ),
        *_count_and_first(
            QualityReturn, QualityReturn.due_on, own_return, return_filter("overdue", today)
        ),
        *_count_and_first(
            QualityReturn, QualityReturn.due_on, own_return, return_filter("to_send", today)
        ),
        *_count_and_first(
            EvidenceItem, EvidenceItem.expires_on, *evidence, EvidenceItem.is_expired(today)
        ),
        *_count_and_first(
            EvidenceItem, EvidenceItem.expires_on, *evidence, EvidenceItem.is_expiring(today)
        ),
        _scalar(stale),
        _scalar(select(func.count(Application.id)).where(application)),
        _scalar(
            select(func.count(Application.id)).where(
                application, Application.submitted_at.is_not(None)
            )
        ),
    )


# What the counts do not say: the rows the page names.


@dataclass(frozen=True)
class ChosenCategory:
    """A category an application asked for, and the council's decision on it."""

    name: str
    decision: CategoryDecision

    @property
    def is_rejected(self) -> bool:
        return self.decision is CategoryDecision.rejected


@dataclass(frozen=True)
class RecentApplication:
    """An application as the home page shows it: its own columns and its categories'
    decisions, read as plain rows (ORM objects with their categories cost three times as
    much to build)."""

    id: int
    reference: str
    state: State
    submitted_at: datetime | None
    decision_due_on: date | None
    extended_due_on: date | None
    decided_at: datetime | None
    withdrawn_at: datetime | None
    categories: list[ChosenCategory] = field(default_factory=list)


def recent_applications(
    provider_id: int, limit: int = APPLICATIONS_SHOWN
) -> list[RecentApplication]:
    """The provider's newest applications with their categories' decisions, in one
    statement."""
    rows = db.session.execute(
        _recent_applications_statement(), {"provider_id": provider_id, "limit": limit}
    )
    applications: dict[int, RecentApplication] = {}
    for *columns, category_name, decision in rows:
        application = applications.get(columns[0])
        if application is None:
            application = applications[columns[0]] = RecentApplication(*columns)
        if category_name is not None:
            application.categories.append(ChosenCategory(category_name, decision))
    return list(applications.values())


@functools.cache
def _recent_applications_statement() -> Select:
    """Built once (its provider and limit are parameters)."""
    newest = (
        select(Application.id, Application.created_at)
        .where(Application.provider_id == bindparam("provider_id"))
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(bindparam("limit"))
        .subquery("newest")
    )
    return (
        select(
            Application.id,
            Application.reference,
            Application.state,
            Application.submitted_at,
            Application.decision_due_on,
            Application.extended_due_on,
            Application.decided_at,
            Application.withdrawn_at,
            Category.name,
            ApplicationCategory.decision,
        )
        .join(newest, newest.c.id == Application.id)
        .outerjoin(ApplicationCategory, ApplicationCategory.application_id == Application.id)
        .outerjoin(Category, Category.id == ApplicationCategory.category_id)
        .order_by(newest.c.created_at.desc(), newest.c.id.desc(), ApplicationCategory.id)
    )


def _announced(provider_id: int) -> tuple:
    """The provider's visits still to be made that it may see: announced ones (an unannounced
    visit is seen once finalised), as its list of planned visits shows them."""
    return (Visit.provider_id == provider_id, Visit.is_open, Visit.is_visible_to_provider)


def admitted_categories(provider_id: int) -> list[Category]:
    return list(db.session.scalars(_admitted_categories_statement(), {"provider_id": provider_id}))


@functools.cache
def _admitted_categories_statement() -> Select:
    """Built once (its provider is a parameter)."""
    return (
        select(Category)
        .join(Admission, Admission.category_id == Category.id)
        .where(Admission.provider_id == bindparam("provider_id"))
        .order_by(Category.position, Category.id)
    )


@dataclass(frozen=True)
class HomeStanding:
    """A home's answer from the contract gate in each category its provider is admitted to
    (what follows from the answers is worked out once: the page asks it three times)."""

    home: CareHome
    answers: list[Eligibility] = field(default_factory=list)

    @functools.cached_property
    def put_forward(self) -> list[Eligibility]:
        """The categories the home was put forward for (and admitted in)."""
        return [answer for answer, is_put_forward in self.rows if is_put_forward]

    @functools.cached_property
    def rows(self) -> list[tuple[Eligibility, bool]]:
        """Each category's answer, and whether the home was put forward for it."""
        return [(answer, Barrier.not_admitted not in answer.barriers) for answer in self.answers]

    @functools.cached_property
    def warnings(self) -> list[str]:
        """What will soon stop placements, once each (an insurance expiry holds for every
        category)."""
        return list(
            dict.fromkeys(warning for answer in self.answers for warning in answer.warnings)
        )

    @functools.cached_property
    def is_blocked(self) -> bool:
        """Admitted somewhere, and kept from placements in at least one of those categories."""
        return any(not answer.is_eligible for answer in self.put_forward)


def homes_standing(
    homes: Sequence[CareHome], categories: Sequence[Category], today: date
) -> list[HomeStanding]:
    """Each home's eligibility in each of the categories, asked of the rule once for the set
    (a fixed number of statements whatever the number of homes); homes kept from placements
    first, then by name."""
    answers = eligibility_of([(home, category) for home in homes for category in categories], today)
    by_home: dict[int, list[Eligibility]] = {home.id: [] for home in homes}
    for answer in answers:
        by_home[answer.home.id].append(answer)
    standing = [HomeStanding(home, by_home[home.id]) for home in homes]
    return sorted(standing, key=lambda item: (not item.is_blocked, item.home.name, item.home.id))


@dataclass(frozen=True)
class TermsDue:
    version: int
    accept_by: date
    # The gate's words when the terms keep the homes from placements; empty while an
    # earlier acceptance still counts.
    barrier: str = ""


def terms_due(
    provider: ProviderOrganisation,
    framework: Framework | None,
    standing: Sequence[HomeStanding],
    today: date,
) -> TermsDue | None:
    """The current terms when the provider (admitted) has not accepted them; whether they bar
    its homes is the contract gate's answer, already read for its homes."""
    if framework is None or not standing:
        return None
    terms = current_terms(framework.id, today)
    if terms is None or terms.version in accepted_versions(provider, framework.id):
        return None
    reasons = [
        reason.text
        for item in standing
        for answer in item.answers
        for reason in answer.reasons
        if reason.barrier is Barrier.terms_not_accepted
    ]
    return TermsDue(terms.version, terms.accept_by, reasons[0] if reasons else "")


# The provider's queue.


def _on(value: date | datetime) -> str:
    """'on 3 March 2026', or 'on 3 March 2026 at 2:05pm (GMT)' for an instant."""
    return f"on {format_datetime(value) if isinstance(value, datetime) else format_date(value)}"


def provider_work(
    counts: ProviderCounts,
    *,
    applications: Sequence[RecentApplication],
    standing: Sequence[HomeStanding],
    terms: TermsDue | None,
) -> list[WorkLine]:
    """The provider's work, most urgent first: each line with its count, nearest date and
    the list that shows exactly its rows."""
    lines: list[WorkLine] = []
    if counts.offers:
        lines.append(
            WorkLine(
                "offers",
                "Placement offers waiting for your answer",
                url_for("awards.list_offers", show="waiting"),
                counts.offers,
                f"Answer the first by {format_datetime(counts.offers_first_ends_at)}: after "
                "that the council offers the placement to another home.",
                counts.offers_first_ends_at,
            )
        )
    if terms is not None:
        if terms.barrier:
            hint = f"{terms.barrier}: your homes cannot receive placements until you accept them."
        else:
            hint = f"Accept them by {format_date(terms.accept_by)} to keep receiving placements."
        lines.append(
            WorkLine(
                "terms",
                f"Read and accept terms and conditions v{terms.version}",
                url_for("terms.show_terms"),
                hint=hint,
                due=terms.accept_by,
                status="blocking" if terms.barrier else "to_do",
            )
        )
    for application in applications:
        href = url_for("onboarding.show_application", application_id=application.id)
        if application.state is State.clarification_requested:
            lines.append(
                WorkLine(
                    "clarification",
                    f"Answer the council's question about application {application.reference}",
                    href,
                    hint=f"The council will decide {_on(application.decision_due_on)}."
                    if application.decision_due_on
                    else "",
                    due=application.decision_due_on,
                )
            )
        elif application.state is State.draft:
            lines.append(
                WorkLine(
                    "draft",
                    f"Continue your draft application {application.reference}",
                    href,
                    hint="The council has not received it yet: check your answers and send it.",
                )
            )
        elif application.state is State.submitted:
            lines.append(
                WorkLine(
                    "decision",
                    f"Application {application.reference} is waiting for the council's decision",
                    href,
                    hint=f"The council will decide by {format_date(application.decision_due_on)}.",
                    due=application.decision_due_on,
                    status="coming",
                )
            )
    newest = applications[0] if applications else None
    if newest is not None and newest.state is State.decided:
        rejected = [chosen.name for chosen in newest.categories if chosen.is_rejected]
        if rejected:
            lines.append(
                WorkLine(
                    "rejected",
                    f"Application {newest.reference} was not admitted for {' and '.join(rejected)}",
                    url_for("onboarding.show_application", application_id=newest.id),
                    hint="Read the council's reasons. You can apply again at any time.",
                    status="information",
                )
            )
    if counts.actions:
        overdue = f" {counts.actions_overdue} overdue." if counts.actions_overdue else ""
        lines.append(
            WorkLine(
                "actions",
                "Quality actions to answer",
                url_for("actions.list_visits", show="to_answer"),
                counts.actions,
                f"The first is due {_on(counts.actions_first_due_on)}.{overdue}",
                counts.actions_first_due_on,
                "overdue" if counts.actions_overdue else "to_do",
            )
        )
    if counts.returns_overdue:
        lines.append(
            WorkLine(
                "returns-overdue",
                "Quality returns overdue",
                url_for("returns.list_returns", show="overdue"),
                counts.returns_overdue,
                f"The first was due {_on(counts.returns_first_overdue_on)}.",
                counts.returns_first_overdue_on,
                "overdue",
            )
        )
    if counts.returns_to_send:
        lines.append(
            WorkLine(
                "returns",
                "Quality returns to send",
                url_for("returns.list_returns", show="to_send"),
                counts.returns_to_send,
                f"The first is due {_on(counts.returns_first_due_on)}.",
                counts.returns_first_due_on,
            )
        )
    to_renew = counts.evidence_expired + counts.evidence_expiring
    if to_renew:
        hints = []
        if counts.evidence_expired:
            hints.append(
                f"{counts.evidence_expired} expired, the first "
                f"{_on(counts.evidence_first_expired_on)}: your homes cannot receive "
                "placements until you renew it."
            )
        if counts.evidence_expiring:
            hints.append(
                f"{counts.evidence_expiring} expiring, the first "
                f"{_on(counts.evidence_first_expiring_on)}."
            )
        lines.append(
            WorkLine(
                "evidence",
                "Insurance and other evidence to renew",
                url_for("evidence.list_evidence", show="renew"),
                to_renew,
                " ".join(hints),
                counts.evidence_first_expired_on or counts.evidence_first_expiring_on,
                "overdue" if counts.evidence_expired else "to_do",
            )
        )
    if counts.invitations:
        lines.append(
            WorkLine(
                "invitations",
                "Open invitations to answer",
                url_for("tenders.list_opportunities", show="to_answer"),
                counts.invitations,
                f"The first closes {_on(counts.invitations_first_closes_at)}. Bid or decline.",
                counts.invitations_first_closes_at,
            )
        )
    if counts.placements_to_start:
        lines.append(
            WorkLine(
                "placements",
                "Placements awarded to you waiting for you to confirm the start",
                url_for("placements.list_placements", show="to_start"),
                counts.placements_to_start,
                f"The first is planned to start {_on(counts.placements_first_start_on)}.",
                counts.placements_first_start_on,
            )
        )
    if counts.visits_announced:
        first = counts.next_visit
        lines.append(
            WorkLine(
                "visits",
                "Quality visits announced",
                url_for("actions.list_visits") + "#planned-visits",
                counts.visits_announced,
                f"The next is to {first.home_name} on {planned_for(first)}." if first else "",
                first.planned_on if first else None,
                "coming",
            )
        )
    if counts.stale_vacancy_homes:
        lines.append(
            WorkLine(
                "vacancies",
                "Homes with vacancies to confirm",
                "#own-vacancies",
                counts.stale_vacancy_homes,
                "Vacancies not confirmed for a week are not offered for direct awards.",
            )
        )
    blocked = sum(1 for item in standing if item.is_blocked)
    if blocked:
        lines.append(
            WorkLine(
                "homes",
                "Care homes that cannot receive placements",
                "#eligibility",
                blocked,
                "In at least one category they are admitted to. See the reasons below.",
                status="blocking",
            )
        )
    if counts.bids_in:
        lines.append(
            WorkLine(
                "bids",
                "Bids in for open tenders",
                url_for("tenders.list_opportunities", show="bid_in"),
                counts.bids_in,
                "You can change or withdraw a bid until the deadline.",
                status="information",
            )
        )
    return most_urgent_first(lines)


# The quality monitor's queue.


@dataclass(frozen=True)
class MonitorCounts:
    overdue: int = 0
    initial_needed: int = 0
    due_soon: int = 0
    this_week: int = 0
    drafts: int = 0
    actions_waiting: int = 0
    returns_waiting: int = 0


def monitor_counts(user: User, today: date) -> MonitorCounts:
    """The due list's counts by status (one statement), and the monitor's own open visits,
    the actions waiting for verification and the returns waiting for review (one more)."""
    due = visit_queries.due_counts(today)
    this_week, drafts, actions, returns = db.session.execute(
        _monitor_counts_statement(today), {"monitor_id": user.id}
    ).one()
    return MonitorCounts(
        overdue=due[visit_queries.OVERDUE],
        initial_needed=due[visit_queries.INITIAL_NEEDED],
        due_soon=due[visit_queries.DUE_SOON],
        this_week=this_week,
        drafts=drafts,
        actions_waiting=actions,
        returns_waiting=returns,
    )


@functools.lru_cache(maxsize=4)
def _monitor_counts_statement(today: date) -> Select:
    """The monitor's own open visits, the actions waiting for verification and the returns
    waiting for review, built once a day (the monitor is a parameter, `monitor_id`)."""
    monitor = _Monitor(bindparam("monitor_id"))

    def own(show: str) -> ColumnElement:
        return _scalar(
            select(func.count(Visit.id)).where(
                visit_queries.own_open_visit_condition(show, monitor, today)
            )
        )

    return select(
        own("this_week"),
        own("drafts"),
        # count(*): read from the state indexes alone, as the lists' counts are.
        _scalar(
            select(func.count()).where(
                VisitAction.state == ActionState.awaiting_verification, of_finalised_visit()
            )
        ),
        _scalar(select(func.count()).where(QualityReturn.state == ReturnState.submitted)),
    )


@dataclass(frozen=True)
class _Monitor:
    """Stands for the monitor in `own_open_visit_condition`, which reads only its id."""

    id: ColumnElement


def monitor_work(counts: MonitorCounts) -> list[WorkLine]:
    """The monitor's work, most urgent first; a line only where something waits."""
    due_list = "quality.list_visits_due"
    candidates = [
        WorkLine(
            "overdue",
            "Homes overdue for a quality visit",
            url_for(due_list, show="overdue"),
            counts.overdue,
            "Their next visit is past its due date.",
            status="overdue",
        ),
        WorkLine(
            "initial",
            "Homes waiting for an initial visit",
            url_for(due_list, show="initial"),
            counts.initial_needed,
            "Admitted homes cannot receive placements until an initial visit is satisfactory.",
            status="blocking",
        ),
        WorkLine(
            "actions",
            "Actions waiting for verification",
            url_for("actions.list_actions", state="awaiting_verification"),
            counts.actions_waiting,
            "Providers have answered these actions: close each one or send it back.",
        ),
        WorkLine(
            "returns",
            "Quality returns waiting for review",
            url_for("returns.review_returns", show="waiting"),
            counts.returns_waiting,
            "Providers have sent these quarterly returns.",
        ),
        WorkLine(
            "due-soon",
            f"Homes due a visit in the next {visit_rules.DUE_SOON_DAYS} days",
            url_for(due_list, show="due_soon"),
            counts.due_soon,
            "Schedule the visits that are not scheduled yet.",
        ),
        WorkLine(
            "drafts",
            "Your visits being recorded",
            url_for("quality.list_visits", show="drafts"),
            counts.drafts,
            "Finish recording and finalise each visit.",
        ),
        WorkLine(
            "this-week",
            "Your visits this week",
            url_for("quality.list_visits", show="this_week"),
            counts.this_week,
            "Visits planned from Monday to Sunday this week.",
            status="coming",
        ),
    ]
    return [line for line in candidates if line.count]


# The provider's page, read in a fixed number of statements.


@dataclass(frozen=True)
class ProviderHome:
    counts: ProviderCounts
    applications: list[RecentApplication]
    standing: list[HomeStanding]
    work: list[WorkLine]
    # The warnings every home has (the provider's own insurance, the terms): said once.
    shared_warnings: list[str] = field(default_factory=list)

    @property
    def to_look_at(self) -> list[HomeStanding]:
        """The homes kept from placements, then those with a warning of their own: the page
        names these (the first HOMES_SHOWN), not every home."""
        return [
            item
            for item in self.standing
            if item.is_blocked
            or any(warning not in self.shared_warnings for warning in item.warnings)
        ]


def shared_warnings(standing: Sequence[HomeStanding]) -> list[str]:
    """The warnings that hold for every home, in the first home's order."""
    if not standing:
        return []
    common = set(standing[0].warnings).intersection(*(item.warnings for item in standing[1:]))
    return [warning for warning in standing[0].warnings if warning in common]


def provider_home(
    provider: ProviderOrganisation,
    homes: Sequence[CareHome],
    framework: Framework | None,
    now: datetime,
    today: date,
) -> ProviderHome:
    """Everything the provider's home page shows but its homes, vacancies and checklist."""
    counts = provider_counts(provider.id, now, today)
    applications = recent_applications(provider.id) if counts.applications else []
    categories = admitted_categories(provider.id)
    standing = homes_standing(homes, categories, today) if categories and homes else []
    work = provider_work(
        counts,
        applications=applications,
        standing=standing,
        terms=terms_due(provider, framework, standing, today),
    )
    return ProviderHome(counts, applications, standing, work, shared_warnings(standing))
