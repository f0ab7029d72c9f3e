"""Read models for the tender pages. A bid's content (prices, answers) is read only through
`sealed_versions`, which enforces the seal for every caller; officers' pages before the
deadline read counts (`response_counts`), never bids."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import contains_eager, joinedload, load_only, selectinload

from dps_portal.contracts.eligibility import Eligibility, eligibility_of
from dps_portal.core import clock
from dps_portal.core.pagination import RowsPagination, counted_page
from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db
from dps_portal.framework.models import CareSetting, Category, District, current_framework
from dps_portal.onboarding.admissions import admitted_home_ids
from dps_portal.providers.models import CareHome
from dps_portal.tenders.models import (
    PUBLISHED_STATES,
    Bid,
    BidAttachment,
    BidState,
    BidVersion,
    ClarificationState,
    Tender,
    TenderAttachment,
    TenderClarification,
    TenderInvitation,
    TenderState,
)

PER_PAGE = 50


# The framework's lists the request form offers.


def categories() -> list[Category]:
    framework = current_framework()
    return list(framework.categories) if framework else []


def settings() -> list[CareSetting]:
    framework = current_framework()
    return list(framework.settings) if framework else []


def districts() -> list[District]:
    framework = current_framework()
    return list(framework.districts) if framework else []


# Officers' pages.

OFFICER_FILTERS = {
    "draft": "Drafts",
    "open": "Open",
    "closed": "Closed, waiting to be opened",
    "evaluating": "Being evaluated",
    "moderated": "Moderated, to award",
    "approval": "Award waiting for approval",
    "standstill": "In standstill",
    "later": "Opened, evaluated or awarded",
    "ended": "Cancelled or ended without award",
}

# The filters that are states (the officers' home page counts the same states).
OFFICER_STATE_FILTERS = {
    "evaluating": (TenderState.opened, TenderState.evaluating),
    "moderated": (TenderState.moderated,),
    "approval": (TenderState.recommended,),
    "standstill": (TenderState.standstill,),
}


def officer_tenders(page: int, show: str | None = None):
    """Every tender, newest first, a page at a time, filtered by where it is now."""
    now = clock.now()
    # Only the columns the list shows.
    query = select(Tender).options(
        load_only(
            Tender.reference,
            Tender.person_reference,
            Tender.state,
            Tender.closes_at,
            raiseload=True,
        ),
        joinedload(Tender.category).load_only(Category.name, raiseload=True),
        joinedload(Tender.setting).load_only(CareSetting.name, raiseload=True),
    )
    if show == "draft":
        query = query.where(Tender.state == TenderState.draft)
    elif show == "open":
        query = query.where(Tender.is_open_at(now))
    elif show == "closed":
        query = query.where(Tender.is_closed_at(now))
    elif show in OFFICER_STATE_FILTERS:
        query = query.where(Tender.state.in_(OFFICER_STATE_FILTERS[show]))
    elif show == "later":
        query = query.where(
            Tender.state.in_(
                [
                    TenderState.opened,
                    TenderState.evaluating,
                    TenderState.moderated,
                    TenderState.recommended,
                    TenderState.standstill,
                    TenderState.awarded,
                ]
            )
        )
    elif show == "ended":
        query = query.where(Tender.state.in_([TenderState.cancelled, TenderState.unsuccessful]))
    query = query.order_by(Tender.created_at.desc(), Tender.id.desc())
    return counted_page(query, db.session, page, PER_PAGE)


@dataclass(frozen=True)
class ResponseCounts:
    """What officers may know of a tender's responses before its deadline: counts only."""

    invited: int = 0
    viewed: int = 0
    declined: int = 0
    submitted: int = 0


def response_counts(tender_ids: Iterable[int]) -> dict[int, ResponseCounts]:
    """{tender id: counts} for a page of tenders, in one statement: the invitations' counts
    and the submitted bids' count, each grouped by tender, one after the other."""
    tender_ids = list(tender_ids)
    if not tender_ids:
        return {}
    none = literal(0)
    invitations = (
        select(
            TenderInvitation.tender_id,
            func.count(),
            func.count(TenderInvitation.viewed_at),
            func.count(TenderInvitation.declined_at),
            none,
        )
        .where(TenderInvitation.tender_id.in_(tender_ids))
        .group_by(TenderInvitation.tender_id)
    )
    submitted = (
        select(Bid.tender_id, none, none, none, func.count())
        .where(Bid.tender_id.in_(tender_ids), Bid.state == BidState.submitted)
        .group_by(Bid.tender_id)
    )
    counts = dict.fromkeys(tender_ids, (0, 0, 0, 0))
    for tender_id, *row in db.session.execute(union_all(invitations, submitted)):
        counts[tender_id] = tuple(map(sum, zip(counts[tender_id], row, strict=True)))
    return {tender_id: ResponseCounts(*row) for tender_id, row in counts.items()}


def clarifications(tender: Tender) -> list[TenderClarification]:
    """Every question on the tender (officers' view), oldest first."""
    return list(
        db.session.scalars(
            select(TenderClarification)
            .where(TenderClarification.tender_id == tender.id)
            .order_by(TenderClarification.asked_at, TenderClarification.id)
        )
    )


def invited_providers_page(tender: Tender, page: int) -> tuple[RowsPagination, ResponseCounts]:
    """The invitees and the homes they were invited for, a page at a time, with the
    tender's response counts: the page, its total and the counts in one statement (windows
    over every invitation before the LIMIT, and the submitted bids counted once), then the
    page's homes."""
    submitted = (
        select(func.count())
        .select_from(Bid)
        .where(Bid.tender_id == tender.id, Bid.state == BidState.submitted)
        .scalar_subquery()
    )
    query = (
        select(
            TenderInvitation,
            func.count().over(),
            func.count(TenderInvitation.viewed_at).over(),
            func.count(TenderInvitation.declined_at).over(),
            submitted,
        )
        .join(TenderInvitation.provider)
        .where(TenderInvitation.tender_id == tender.id)
        .options(contains_eager(TenderInvitation.provider), selectinload(TenderInvitation.homes))
        .order_by(TenderInvitation.provider_id)
    )
    result = RowsPagination(
        select=query, session=db.session, page=page, per_page=PER_PAGE, error_out=False, count=False
    )
    if result.items:
        counts = ResponseCounts(*result.items[0][1:])
    else:  # past the last page, or none invited: counted on their own
        counts = response_counts([tender.id])[tender.id]
    result.total = counts.invited
    result.items = [row[0] for row in result.items]
    return result, counts


# Providers' pages.

PROVIDER_FILTERS = {
    "to_answer": "Open, to answer",
    "bid_in": "Open, bid submitted",
    "open": "Open",
    "closing_soon": "Closing soon",
    "closed": "Closed",
    "awarded": "Awarded",
}


def has_bid_in():
    """SQL for a TenderInvitation answered by a submitted bid (not withdrawn)."""
    return (
        select(Bid.id)
        .where(Bid.invitation_id == TenderInvitation.id, Bid.state == BidState.submitted)
        .exists()
    )


def is_unanswered():
    """SQL for a TenderInvitation: neither declined nor answered by a submitted bid (the
    provider's home page counts these, and the list's "to answer" filter shows them)."""
    return TenderInvitation.declined_at.is_(None) & ~has_bid_in()


def opportunities(provider_id: int, page: int, show: str | None = None):
    """The provider's invitations, soonest deadline first, a page at a time."""
    now = clock.now()
    query = (
        select(TenderInvitation)
        .join(TenderInvitation.tender)
        .where(TenderInvitation.provider_id == provider_id, Tender.state.in_(PUBLISHED_STATES))
        # Only the columns the list shows.
        .options(
            contains_eager(TenderInvitation.tender).load_only(
                Tender.reference, Tender.state, Tender.closes_at, raiseload=True
            ),
            contains_eager(TenderInvitation.tender)
            .joinedload(Tender.category)
            .load_only(Category.name, raiseload=True),
            contains_eager(TenderInvitation.tender)
            .joinedload(Tender.setting)
            .load_only(CareSetting.name, raiseload=True),
            joinedload(TenderInvitation.bid).load_only(Bid.state, raiseload=True),
        )
    )
    if show == "open":
        query = query.where(Tender.is_open_at(now))
    elif show == "to_answer":
        query = query.where(Tender.is_open_at(now), is_unanswered())
    elif show == "bid_in":
        query = query.where(Tender.is_open_at(now), has_bid_in())
    elif show == "closing_soon":
        query = query.where(Tender.is_closing_soon_at(now))
    elif show == "closed":
        query = query.where(
            Tender.state.in_(
                [
                    TenderState.published,
                    TenderState.opened,
                    TenderState.evaluating,
                    TenderState.moderated,
                    TenderState.recommended,
                ]
            ),
            Tender.closes_at <= now,
        )
    elif show == "awarded":
        # Bidders are told at the start of the standstill: from then it reads as awarded.
        query = query.where(Tender.state.in_([TenderState.standstill, TenderState.awarded]))
    query = query.order_by(Tender.closes_at.desc(), Tender.id.desc())
    return counted_page(query, db.session, page, PER_PAGE)


def own_invitation_or_404(provider_id: int, tender_id: int) -> TenderInvitation:
    """The provider's invitation to the tender: another organisation's, or a tender it was
    not invited to, is not found."""
    invitation = db.session.scalars(
        select(TenderInvitation)
        .join(TenderInvitation.tender)
        .where(
            TenderInvitation.provider_id == provider_id,
            TenderInvitation.tender_id == tender_id,
            Tender.state.in_(PUBLISHED_STATES),
        )
        # Loaded by separate selects, not joins: an operation locks the tender and the bid
        # (SELECT … FOR UPDATE), which PostgreSQL refuses on the outer side of a join.
        .options(
            selectinload(TenderInvitation.tender).selectinload(Tender.questions),
            selectinload(TenderInvitation.tender).selectinload(Tender.category),
            selectinload(TenderInvitation.bid),
        )
    ).first()
    if invitation is None:
        abort(404)
    return invitation


def clarifications_for(invitation: TenderInvitation) -> list[TenderClarification]:
    """What an invitee may read: every public answer, and its own questions."""
    return list(
        db.session.scalars(
            select(TenderClarification)
            .where(
                TenderClarification.tender_id == invitation.tender_id,
                (
                    (TenderClarification.state == ClarificationState.answered)
                    & TenderClarification.is_public
                )
                | (TenderClarification.invitation_id == invitation.id),
            )
            .order_by(TenderClarification.asked_at, TenderClarification.id)
        )
    )


def offerable_homes(provider_id: int, category: Category, today: date | None = None):
    """The provider's homes that the eligibility rule passes for the category now: the only
    homes a bid may offer. The rule asked once for all of them."""
    homes = db.session.scalars(
        select(CareHome)
        .where(CareHome.provider_id == provider_id, CareHome.id.in_(admitted_home_ids(category.id)))
        .order_by(CareHome.name, CareHome.id)
    ).all()
    return [
        answer.home
        for answer in eligibility_of([(home, category) for home in homes], today)
        if answer.is_eligible
    ]


def category_eligibility(category: Category, today: date) -> list[Eligibility]:
    """The rule's answer for every home admitted to the category, asked of the whole
    category at once (as contracts.eligibility.eligible_homes does), with each home's
    district read alongside for the snapshot."""
    homes = db.session.scalars(
        select(CareHome)
        .where(CareHome.id.in_(admitted_home_ids(category.id)))
        .options(joinedload(CareHome.district))
        .order_by(CareHome.provider_id, CareHome.name, CareHome.id)
    ).all()
    return eligibility_of([(home, category) for home in homes], today)


# The seal: the one door to a bid's content.


def sealed_versions(bid: Bid | None, user) -> list[BidVersion]:
    """Every version of `bid` (prices, answers), for a user the seal lets through
    (`Bid.can_read_content`); anyone else is refused (403), whatever page asks."""
    if bid is None:
        return []
    if not bid.can_read_content(user):
        abort(403)
    return list(
        db.session.scalars(
            select(BidVersion)
            .where(BidVersion.bid_id == bid.id)
            .options(joinedload(BidVersion.care_home))
            .order_by(BidVersion.number)
        )
    )


def sealed_version(bid: Bid, version_id: int, user) -> BidVersion:
    """One version through the seal; another bid's version is not found."""
    for version in sealed_versions(bid, user):
        if version.id == version_id:
            return version
    abort(404)


def sealed_attachments(bid: Bid | None, user) -> dict[int, list[StoredDocument]]:
    """{version id: its attached documents} of `bid`, through the same door as its content:
    anyone the seal does not let through is refused (403)."""
    versions = sealed_versions(bid, user)
    attached: dict[int, list[StoredDocument]] = {version.id: [] for version in versions}
    if not attached:
        return attached
    rows = db.session.execute(
        select(BidAttachment.bid_version_id, StoredDocument)
        .join(StoredDocument, StoredDocument.id == BidAttachment.document_id)
        .where(BidAttachment.bid_version_id.in_(attached))
        .order_by(BidAttachment.id)
    ).all()
    for version_id, document in rows:
        attached[version_id].append(document)
    return attached


def sealed_attachment(bid: Bid, document_id: int, user) -> StoredDocument:
    """One document attached to any version of `bid`, through the seal; else not found."""
    for documents in sealed_attachments(bid, user).values():
        for document in documents:
            if document.id == document_id:
                return document
    abort(404)


def bid_attached_to(tender_id: int, document_id: int) -> Bid | None:
    """The bid of the tender one of whose versions carries the document, if any."""
    return db.session.scalars(
        select(Bid)
        .join(BidVersion, BidVersion.bid_id == Bid.id)
        .join(BidAttachment, BidAttachment.bid_version_id == BidVersion.id)
        .where(Bid.tender_id == tender_id, BidAttachment.document_id == document_id)
        .options(selectinload(Bid.tender))
    ).first()


def own_held_documents(provider_id: int, document_ids, kind: str) -> list[StoredDocument]:
    """The organisation's own stored documents of a kind among `document_ids` (ids a form
    carried back), in the order given; anyone else's are left out."""
    ids = []
    for value in document_ids:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    ids = [value for value in dict.fromkeys(ids) if 0 < value < 2**31]
    if not ids:
        return []
    found = {
        document.id: document
        for document in db.session.scalars(
            select(StoredDocument).where(
                StoredDocument.id.in_(ids),
                StoredDocument.provider_id == provider_id,
                StoredDocument.kind == kind,
            )
        )
    }
    return [found[value] for value in ids if value in found]


# The request's attachments: the council's documents, for the officers and the invitees.


def tender_attachments(tender: Tender) -> list[TenderAttachment]:
    return list(
        db.session.scalars(
            select(TenderAttachment)
            .where(TenderAttachment.tender_id == tender.id)
            .options(joinedload(TenderAttachment.document))
            .order_by(TenderAttachment.id)
        )
    )


def tender_attachment_or_404(tender: Tender, document_id: int) -> TenderAttachment:
    attachment = db.session.scalars(
        select(TenderAttachment)
        .where(TenderAttachment.tender_id == tender.id, TenderAttachment.document_id == document_id)
        .options(joinedload(TenderAttachment.document))
    ).first()
    if attachment is None:
        abort(404)
    return attachment


def home_names(home_ids: Iterable[int]) -> dict[int, str]:
    ids = set(home_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(CareHome.id, CareHome.name).where(CareHome.id.in_(ids))))


def select_tender(tender_id: int) -> Select:
    # Selects, not joins: operations lock the tender (FOR UPDATE cannot take an outer join).
    return (
        select(Tender)
        .where(Tender.id == tender_id)
        .options(
            selectinload(Tender.category),
            selectinload(Tender.setting),
            selectinload(Tender.questions),
            selectinload(Tender.preferred_districts),
        )
    )


def tender_or_404(tender_id: int) -> Tender:
    tender = db.session.scalars(select_tender(tender_id)).first()
    if tender is None:
        abort(404)
    return tender


def tender_page_or_404(tender_id: int) -> Tender:
    """The tender for its page, which changes nothing: its category, setting, questions and
    preferred districts joined into the tender's own statement (a handful of questions times
    a handful of districts: a few rows, one statement instead of three)."""
    tender = (
        db.session.scalars(
            select(Tender)
            .where(Tender.id == tender_id)
            .options(
                joinedload(Tender.category),
                joinedload(Tender.setting),
                joinedload(Tender.questions),
                joinedload(Tender.preferred_districts),
            )
        )
        .unique()
        .first()
    )
    if tender is None:
        abort(404)
    return tender
