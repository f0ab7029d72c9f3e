"""What the officers' review pages, the decision notice and the reminder job read."""

import enum
import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from dps_portal.core import clock
from dps_portal.core.workingdays import add_working_days
from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db
from dps_portal.framework.models import Category, Framework
from dps_portal.onboarding import rules
from dps_portal.onboarding.answers import answers_of_sections
from dps_portal.onboarding.checks import exclusion_flags, inadequate_homes
from dps_portal.onboarding.models import (
    Admission,
    Answer,
    Application,
    ApplicationCategory,
    ApplicationHome,
    ApplicationState,
    CategoryDecision,
    ClarificationRequest,
    SectionReview,
)
from dps_portal.onboarding.queries import (
    SectionSummary,
    answer_html,
    organisation_summary,
    section_summaries,
)
from dps_portal.onboarding.question_sets import definition_of
from dps_portal.onboarding.questions import Question
from dps_portal.providers.models import CareHome, ProviderOrganisation

# The parts of an application that are not question-set sections but can be reopened.
CATEGORIES_PART = "categories"
RATES_PART = "rates"
ORGANISATION_PART = "organisation"


# The decision clock.

RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green"}
RAG_TAG_CLASSES = {
    "red": "govuk-tag--red",
    "amber": "govuk-tag--orange",
    "green": "govuk-tag--green",
}


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass(frozen=True)
class DecisionClock:
    """When an application arrived and when its decision is due, as of `today`."""

    received_on: date
    due_on: date
    extended_due_on: date | None
    extension_reason: str | None
    decision_due_on: date
    days_left: int

    @property
    def rag(self) -> str:
        return rules.rag_status(self.days_left)

    @property
    def rag_label(self) -> str:
        return RAG_LABELS[self.rag]

    @property
    def rag_tag_class(self) -> str:
        return RAG_TAG_CLASSES[self.rag]

    @property
    def days_left_text(self) -> str:
        """'8 working days left', 'Due today', 'Overdue by 2 working days'."""
        if self.days_left < 0:
            return f"Overdue by {plural(-self.days_left, 'working day')}"
        if self.days_left == 0:
            return "Due today"
        return f"{plural(self.days_left, 'working day')} left"

    @property
    def summary(self) -> str:
        """'Received 3 March 2026. Decision due by 17 March 2026: 8 working days left'."""
        left = self.days_left_text
        return (
            f"Received {clock.format_date(self.received_on)}. Decision due by "
            f"{clock.format_date(self.decision_due_on)}: {left[0].lower()}{left[1:]}"
        )


def decision_clock(application: Application, today: date) -> DecisionClock | None:
    """The clock of a submitted application; None for one never submitted."""
    if application.received_on is None or application.due_on is None:
        return None
    return DecisionClock(
        received_on=application.received_on,
        due_on=application.due_on,
        extended_due_on=application.extended_due_on,
        extension_reason=application.extension_reason,
        decision_due_on=application.decision_due_on,
        days_left=rules.working_days_left(application, today),
    )


# The queue.

QUEUE_VIEWS = {
    "awaiting": "Awaiting decision",
    "overdue": "Overdue",
    "due_soon": "Due within 2 working days",
    "due_later": "Due later",
    "answered": "Clarification answered",
    "decided": "Decided",
    "withdrawn": "Withdrawn",
    "all": "All applications",
}


def due_soon_before(today: date) -> date:
    """Decisions due before this date and not before today are due soon (within
    rules.DUE_SOON_WORKING_DAYS working days: rules.is_due_soon, without the overdue)."""
    return add_working_days(today, rules.DUE_SOON_WORKING_DAYS + 1)


def answered_since_review():
    """SQL: the provider answered a clarification after the application's latest section
    review (or none was reviewed), so it is back with the officers."""
    # The applications with such an answer, found once (from the few answered
    # clarifications) rather than looked for once an application.
    last_review = (
        select(func.max(SectionReview.reviewed_at))
        .where(SectionReview.application_id == ClarificationRequest.application_id)
        .correlate(ClarificationRequest)
        .scalar_subquery()
    )
    answered = select(ClarificationRequest.application_id).where(
        ClarificationRequest.responded_at.is_not(None),
        (last_review.is_(None)) | (ClarificationRequest.responded_at > last_review),
    )
    return (Application.state == ApplicationState.submitted) & Application.id.in_(answered)


@dataclass(frozen=True)
class QueueRow:
    """An application as the queue shows it (only the columns it shows are loaded), with
    its decision clock and its categories' (code, name)."""

    application: Application
    clock: DecisionClock | None
    categories: list[tuple[str, str]]


def queue_filter(view: str, today: date):
    """SQL for an application in one view of the queue (the officers' home page counts the
    same views)."""
    if view == "awaiting":
        return Application.is_awaiting_decision
    if view == "overdue":
        return Application.is_awaiting_decision & (Application.decision_due_on < today)
    if view == "due_soon":
        return Application.is_awaiting_decision & Application.decision_due_on.between(
            today, due_soon_before(today) - timedelta(days=1)
        )
    if view == "due_later":
        return Application.is_awaiting_decision & (
            Application.decision_due_on >= due_soon_before(today)
        )
    if view == "answered":
        return answered_since_review()
    if view == "decided":
        return Application.state == ApplicationState.decided
    if view == "withdrawn":
        # Withdrawn drafts never reached the council.
        return (Application.state == ApplicationState.withdrawn) & Application.received_on.is_not(
            None
        )
    return (Application.state != ApplicationState.draft) & Application.received_on.is_not(None)


def queue(view: str, today: date, total: int, per_page: int = 50) -> tuple[Any, list[QueueRow]]:
    """One page (`?page=`) of one view of the queue, and its rows. Awaiting decision: the
    soonest due first. `total` is the view's count from `queue_counts`."""
    page = db.paginate(_queue_of(view, today), per_page=per_page, error_out=False, count=False)
    page.total = total
    categories = _categories_of([application.id for application in page.items])
    return page, [
        QueueRow(application, decision_clock(application, today), categories[application.id])
        for application in page.items
    ]


@functools.lru_cache(maxsize=32)
def _queue_of(view: str, today: date) -> Select:
    """SELECT one view of the queue in its order, the columns the queue shows only (a
    template reading more fails in the tests). Built once a day: SQL constructs do not
    change, and building them costs as much as running them."""
    query = (
        select(Application)
        .where(queue_filter(view, today))
        .options(
            load_only(
                Application.reference,
                Application.provider_id,
                Application.state,
                Application.received_on,
                Application.due_on,
                Application.extended_due_on,
                Application.extension_reason,
                Application.decided_at,
                raiseload=True,
            ),
            joinedload(Application.provider, innerjoin=True).load_only(
                ProviderOrganisation.legal_name, ProviderOrganisation.trading_name, raiseload=True
            ),
        )
    )
    if view == "decided":
        return query.order_by(Application.decided_at.desc(), Application.id.desc())
    if view == "withdrawn":
        return query.order_by(Application.withdrawn_at.desc(), Application.id.desc())
    if view == "all":
        return query.order_by(Application.received_on.desc(), Application.id.desc())
    return query.order_by(Application.decision_due_on, Application.received_on, Application.id)


def _categories_of(application_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """{application id: [(code, name) of each category applied for]}, in the order chosen
    (Application.categories): one statement of plain rows for a page of applications."""
    categories: dict[int, list[tuple[str, str]]] = {id_: [] for id_ in application_ids}
    if not application_ids:
        return categories
    rows = db.session.execute(
        select(ApplicationCategory.application_id, Category.code, Category.name)
        .join(Category, Category.id == ApplicationCategory.category_id)
        .where(ApplicationCategory.application_id.in_(application_ids))
        .order_by(ApplicationCategory.id)
    )
    for application_id, code, name in rows:
        categories[application_id].append((code, name))
    return categories


def queue_counts(today: date | None = None) -> dict[str, int]:
    """{view: applications in it} for every view of the queue, in one aggregate query."""
    row = db.session.execute(_queue_counts_of(today or clock.today_uk())).one()
    return {view: int(count) for view, count in row._mapping.items()}


@functools.lru_cache(maxsize=8)
def _queue_counts_of(today: date) -> Select:
    """Built once a day, as _queue_of."""
    return select(
        *(
            func.coalesce(func.sum(case((queue_filter(view, today), 1), else_=0)), 0).label(view)
            for view in QUEUE_VIEWS
        )
    ).select_from(Application)


def awaiting_decision() -> list[Application]:
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.is_awaiting_decision)
            .order_by(Application.decision_due_on, Application.id)
        )
    )


# One application.


@dataclass(frozen=True)
class ReviewFlags:
    mandatory_exclusion: bool
    discretionary_exclusion: bool
    self_cleaning_recorded: bool
    inadequate_homes: list[CareHome]

    @property
    def blocks_admission(self) -> bool:
        """A mandatory exclusion ground without self-cleaning evidence blocks every admission."""
        return self.mandatory_exclusion and not self.self_cleaning_recorded

    @property
    def any(self) -> bool:
        return (
            self.mandatory_exclusion or self.discretionary_exclusion or bool(self.inadequate_homes)
        )


def review_flags(application: Application) -> ReviewFlags:
    flags = exclusion_flags(application)
    return ReviewFlags(
        mandatory_exclusion=flags["mandatory"],
        discretionary_exclusion=flags["discretionary"],
        self_cleaning_recorded=bool(application.self_cleaning_note),
        inadequate_homes=inadequate_homes(application),
    )


def admissible_homes(
    application: Application, application_category: ApplicationCategory
) -> list[ApplicationHome]:
    """The homes put forward for a category that can be admitted: not rated Inadequate."""
    refused = {home.id for home in inadequate_homes(application)}
    return [home for home in application_category.homes if home.care_home_id not in refused]


@dataclass(frozen=True)
class PreviousAnswer:
    """An answer as it was before a clarification, shaped as answer_html reads an Answer."""

    value: Any
    document_id: int | None
    document: StoredDocument | None


@dataclass(frozen=True)
class ReviewRow:
    label: str
    html: Markup
    changed: bool = False
    previous_html: Markup | None = None


@dataclass(frozen=True)
class ReviewPart:
    """A section answered for one scope: the organisation, one home or one category."""

    title: str
    rows: list[ReviewRow]

    @property
    def changed_count(self) -> int:
        return sum(1 for row in self.rows if row.changed)


@dataclass(frozen=True)
class ReviewSection:
    key: str
    title: str
    parts: list[ReviewPart]
    review: SectionReview | None
    reopened: bool
    outcome: "SectionOutcome"

    @property
    def changed_count(self) -> int:
        return sum(part.changed_count for part in self.parts)


@dataclass(frozen=True)
class ApplicationReview:
    organisation: SectionSummary
    sections: list[ReviewSection]
    clarification: ClarificationRequest | None


# Where the review stands: a decision to admit rests on every section's review.


class ReviewStatus(enum.Enum):
    passed = "Passed"
    failed = "Failed"
    unreviewed = "Not reviewed"


REVIEW_STATUS_TAG_CLASSES = {
    ReviewStatus.passed: "govuk-tag--green",
    ReviewStatus.failed: "govuk-tag--red",
    ReviewStatus.unreviewed: "govuk-tag--grey",
}


@dataclass(frozen=True)
class SectionOutcome:
    """One section's review as the decision reads it. A review made before the provider
    answered a clarification that reopened the section (or while one is still open) no
    longer counts: the answers it looked at may have changed."""

    key: str
    title: str
    review: SectionReview | None
    reopened_since_review: ClarificationRequest | None = None

    @property
    def status(self) -> ReviewStatus:
        if self.review is None or self.reopened_since_review is not None:
            return ReviewStatus.unreviewed
        return ReviewStatus.passed if self.review.is_passed else ReviewStatus.failed

    @property
    def tag_class(self) -> str:
        return REVIEW_STATUS_TAG_CLASSES[self.status]

    @property
    def is_passed(self) -> bool:
        return self.status is ReviewStatus.passed

    @property
    def is_failed(self) -> bool:
        return self.status is ReviewStatus.failed

    @property
    def is_unreviewed(self) -> bool:
        return self.status is ReviewStatus.unreviewed

    @property
    def note(self) -> str:
        """Why a review on record does not count, in words; empty when it counts."""
        clarification = self.reopened_since_review
        if self.review is None or clarification is None:
            return ""
        if clarification.responded_at is None:
            return "Reopened for clarification: the provider may still change its answers"
        return (
            "The provider answered a clarification about this section on "
            f"{clock.format_datetime(clarification.responded_at)}, after the review"
        )


@dataclass(frozen=True)
class ReviewState:
    sections: list[SectionOutcome]

    @property
    def unreviewed(self) -> list[SectionOutcome]:
        return [section for section in self.sections if section.is_unreviewed]

    @property
    def failed(self) -> list[SectionOutcome]:
        return [section for section in self.sections if section.is_failed]

    @property
    def is_complete(self) -> bool:
        """Every section has a review that still counts."""
        return not self.unreviewed


def titles(sections: list[SectionOutcome]) -> str:
    """'Insurance, Workforce and Modern slavery'."""
    names = [section.title for section in sections]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _reopened_since(
    review: SectionReview | None, clarifications: list[ClarificationRequest]
) -> ClarificationRequest | None:
    """The last clarification that reopened the reviewed section and was answered after the
    review (or is not answered yet)."""
    if review is None:
        return None
    later = [
        clarification
        for clarification in clarifications
        if review.section_key in (clarification.section_keys or ())
        and (clarification.responded_at is None or review.reviewed_at < clarification.responded_at)
    ]
    return later[-1] if later else None


def review_state(application: Application) -> ReviewState:
    """Each section of the application's question set with its review's outcome (one review
    per section covers every home and category it was answered for)."""
    definition = definition_of(application.question_set)
    reviews = {
        review.section_key: review
        for review in db.session.scalars(
            select(SectionReview)
            .where(SectionReview.application_id == application.id)
            .options(joinedload(SectionReview.reviewed_by))
        )
    }
    clarifications = list(application.clarifications)
    return ReviewState(
        [
            SectionOutcome(
                key=section.key,
                title=section.title,
                review=reviews.get(section.key),
                reopened_since_review=_reopened_since(reviews.get(section.key), clarifications),
            )
            for section in definition.sections
        ]
    )


def decided_by_words(application: Application) -> str:
    """'Application DPS-2026-0001 was already decided by Ann Officer on 3 March 2026 at
    10:05am (GMT)': what the second of two officers deciding at once reads."""
    names = sorted(
        {chosen.decided_by.full_name for chosen in application.categories if chosen.decided_by}
    )
    by = f" by {' and '.join(names)}" if names else ""
    when = f" on {clock.format_datetime(application.decided_at)}" if application.decided_at else ""
    return f"Application {application.reference} was already decided{by}{when}."


def latest_clarification(application: Application) -> ClarificationRequest | None:
    return application.clarifications[-1] if application.clarifications else None


def changes_since(clarification: ClarificationRequest | None, application: Application) -> dict:
    """ "section/scope/question" -> the answer as it was, for each answer of the reopened
    sections that changed after the clarification was asked for."""
    if clarification is None or clarification.answers_before is None:
        return {}
    before: dict = clarification.answers_before
    now = answers_of_sections(application, clarification.section_keys or ())
    return {
        key: before.get(key)
        for key in before.keys() | now.keys()
        if before.get(key) != now.get(key)
    }


def _previous_documents(changes: dict) -> dict[int, StoredDocument]:
    """The uploads the changed answers had before, in one statement."""
    ids = {record.get("document_id") for record in changes.values() if record} - {None}
    if not ids:
        return {}
    documents = db.session.scalars(select(StoredDocument).where(StoredDocument.id.in_(ids)))
    return {document.id: document for document in documents}


def _previous_html(
    question: Question, record: dict | None, documents: dict[int, StoredDocument]
) -> Markup:
    if record is None:
        return answer_html(question, None)
    document_id = record.get("document_id")
    previous = PreviousAnswer(
        value=record.get("value"),
        document_id=document_id,
        document=documents.get(document_id) if document_id else None,
    )
    return answer_html(question, previous)


def _review_loads() -> tuple:
    """What the review pages read of an application: its provider, question set,
    categories, homes (each with its district and setting) and answers (each with its
    upload)."""
    home = selectinload(Application.categories).selectinload(ApplicationCategory.homes)
    return (
        joinedload(Application.provider, innerjoin=True),
        joinedload(Application.question_set, innerjoin=True),
        selectinload(Application.categories).joinedload(
            ApplicationCategory.category, innerjoin=True
        ),
        home.joinedload(ApplicationHome.care_home, innerjoin=True).options(
            joinedload(CareHome.district), joinedload(CareHome.setting)
        ),
        selectinload(Application.answers).joinedload(Answer.document),
    )


def application_for_review(application_id: int) -> Application | None:
    """The application with what the review pages read of it, in four statements, instead
    of one a home or an upload as the pages read them."""
    return db.session.scalars(_for_review(), {"application_id": application_id}).first()


@functools.lru_cache(maxsize=1)
def _for_review() -> Select:
    """Built once, as _queue_of: its loading options cost a sixth of a review page."""
    return (
        select(Application)
        .where(Application.id == bindparam("application_id"))
        .options(*_review_loads())
    )


def admitted_category_names(provider_id: int) -> list[str]:
    """The names of the categories the provider is admitted to (onboarding.admissions),
    in the order it was admitted: names only, in one statement."""
    return list(
        db.session.scalars(
            select(Category.name)
            .join(Admission, Admission.category_id == Category.id)
            .where(Admission.provider_id == provider_id)
            .order_by(Admission.id)
        )
    )


def application_review(
    application: Application, answers_of: Collection[str] | None = None
) -> ApplicationReview:
    """The application as the officer reviews it: each section with its answers for each
    scope, what changed since the last clarification, and the officer's review of it.
    `answers_of`: the sections whose answers the page shows (every section when None); the
    others have no parts, but their changed_count still counts (only sections reopened by
    the clarification have changes, so only theirs are read for it)."""
    definition = definition_of(application.question_set)
    clarification = latest_clarification(application)
    changes = changes_since(clarification, application)
    documents = _previous_documents(changes)
    outcomes = {outcome.key: outcome for outcome in review_state(application).sections}
    reopened = set(clarification.section_keys or ()) if clarification else set()
    if answers_of is not None:
        answers_of = {*answers_of, *(key.split("/", 1)[0] for key in changes)}
    parts: dict[str, list[ReviewPart]] = {}
    for summary in section_summaries(application, answers_of):
        section = definition.section(summary.key)
        rows = []
        for row in summary.rows:
            key = f"{summary.key}/{summary.scope}/{row.question_key}"
            if row.question_key and key in changes:
                question = section.question(row.question_key)
                previous = _previous_html(question, changes[key], documents)
                rows.append(ReviewRow(row.label, row.html, True, previous))
            else:
                rows.append(ReviewRow(row.label, row.html))
        parts.setdefault(summary.key, []).append(ReviewPart(summary.title, rows))
    sections = [
        ReviewSection(
            key=section.key,
            title=section.title,
            parts=parts.get(section.key, []),
            review=outcomes[section.key].review,
            reopened=section.key in reopened,
            outcome=outcomes[section.key],
        )
        for section in definition.sections
    ]
    return ApplicationReview(organisation_summary(application), sections, clarification)


def exclusion_sections(application: Application) -> list[ReviewSection]:
    """The sections holding the exclusion-ground declarations, with their answers."""
    definition = definition_of(application.question_set)
    keys = {
        section.key
        for section in definition.sections
        if any(question.exclusion for question in section.questions)
    }
    return [section for section in application_review(application).sections if section.key in keys]


def reopenable_parts(application: Application) -> list[tuple[str, str]]:
    """(key, title) of each part a clarification can reopen, in the application's order."""
    definition = definition_of(application.question_set)
    return [
        (CATEGORIES_PART, "Categories and homes"),
        *((section.key, section.title) for section in definition.sections),
        (RATES_PART, "Proposed weekly rates"),
    ]


@dataclass(frozen=True)
class HomeRow:
    """A home put forward, with the categories and proposed rates it is put forward at."""

    home: CareHome
    rates: list[tuple[str, Any]]
    is_inadequate: bool


def homes_put_forward(application: Application) -> list[HomeRow]:
    refused = {home.id for home in inadequate_homes(application)}
    rows: dict[int, HomeRow] = {}
    for chosen in application.categories:
        for entry in chosen.homes:
            row = rows.setdefault(
                entry.care_home_id,
                HomeRow(entry.care_home, [], entry.care_home_id in refused),
            )
            row.rates.append((chosen.category.name, entry.proposed_weekly_rate))
    return sorted(rows.values(), key=lambda row: (row.home.name, row.home.id))


# The decision notice.


@dataclass(frozen=True)
class NoticeHome:
    name: str
    cqc_location_id: str
    setting: str
    weekly_rate: Any


@dataclass(frozen=True)
class NoticeCategory:
    code: str
    name: str
    decision: CategoryDecision
    reasons: str
    homes: list[NoticeHome]
    homes_not_admitted: list[NoticeHome]

    @property
    def is_admitted(self) -> bool:
        return self.decision is CategoryDecision.admitted


@dataclass(frozen=True)
class DecisionNotice:
    application: Application
    provider: ProviderOrganisation
    framework: Framework
    decided_at: datetime
    categories: list[NoticeCategory]
    # Admitted over failed sections: their titles and the officer's reason.
    failed_sections: list[str]
    override_reason: str

    @property
    def any_admitted(self) -> bool:
        return any(category.is_admitted for category in self.categories)

    @property
    def any_rejected(self) -> bool:
        return any(not category.is_admitted for category in self.categories)


def _notice_home(entry: ApplicationHome) -> NoticeHome:
    home = entry.care_home
    return NoticeHome(
        name=home.name,
        cqc_location_id=home.cqc_location_id,
        setting=home.setting.name if home.setting else "",
        weekly_rate=entry.proposed_weekly_rate,
    )


def decision_notice(application: Application) -> DecisionNotice:
    """What the notice says: each category's decision, its homes and the reasons, and why
    the council admitted over a failed section if it did."""
    categories = []
    for chosen in application.categories:
        admitted = (
            admissible_homes(application, chosen)
            if chosen.decision is CategoryDecision.admitted
            else []
        )
        admitted_ids = {entry.care_home_id for entry in admitted}
        categories.append(
            NoticeCategory(
                code=chosen.category.code,
                name=chosen.category.name,
                decision=chosen.decision,
                reasons=chosen.reasons,
                homes=[_notice_home(entry) for entry in admitted],
                homes_not_admitted=[
                    _notice_home(entry)
                    for entry in chosen.homes
                    if entry.care_home_id not in admitted_ids
                ],
            )
        )
    override_reason = application.override_reason or ""
    return DecisionNotice(
        application=application,
        provider=application.provider,
        framework=application.framework,
        decided_at=application.decided_at or clock.now(),
        categories=categories,
        failed_sections=(
            [section.title for section in review_state(application).failed]
            if override_reason
            else []
        ),
        override_reason=override_reason,
    )
