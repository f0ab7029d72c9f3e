"""Every change to a mini-tender: an officer drafts, publishes (inviting every provider with a
home the eligibility rule passes, and keeping that answer), answers clarifications, extends
the deadline or cancels; an invitee views, asks, bids (each submission a version with a
receipt), withdraws or declines. The deadline is checked with the tender's row locked,
against the clock read then. Bids' prices, answers and attachments never go into an audit
event or a message: only references and hashes. Operations flush; the request commits."""

import hashlib
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from dps_portal.accounts.models import User
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import canonical_json, record_created, record_event
from dps_portal.contracts.eligibility import eligibility
from dps_portal.core import clock
from dps_portal.core.clock import format_datetime
from dps_portal.core.errors import OperationRefused
from dps_portal.core.money import format_gbp, to_money
from dps_portal.core.roles import Role
from dps_portal.core.states import lock, move
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import store_document
from dps_portal.extensions import db
from dps_portal.framework.models import CareSetting, Category, District
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisation, tell_organisations, tell_role
from dps_portal.providers.models import CareHome
from dps_portal.tenders import queries, rules
from dps_portal.tenders.models import (
    Bid,
    BidAttachment,
    BidState,
    BidVersion,
    ClarificationState,
    DeclineReason,
    Funding,
    Tender,
    TenderAttachment,
    TenderClarification,
    TenderInvitation,
    TenderInvitedHome,
    TenderQuestion,
    TenderState,
)

# The kinds of stored document: a request's attachment (the council's, shown to invitees
# once published) and a bid's (its provider's, sealed with the bid).
TENDER_ATTACHMENT = "tender_attachment"
BID_ATTACHMENT = "bid_attachment"
MAX_TENDER_ATTACHMENTS = 10
MAX_BID_ATTACHMENTS = 10

REQUEST_FIELDS = (
    "person_reference",
    "age",
    "needs_summary",
    "risks",
    "one_to_one_hours",
    "two_to_one_hours",
    "required_start_on",
    "funding",
    "preferences",
)


class DeadlinePassed(OperationRefused):
    """A response arrived after the deadline."""


# Drafting.


def draft_tender(
    *,
    category: Category,
    setting: CareSetting,
    districts: list[District],
    by: User,
    **request_fields,
) -> Tender:
    """A new draft from the placement request, with the category's template questions, the
    default weights and the default deadline (2 working days ahead at 17:00 UK time)."""
    _check_request(request_fields)
    tender = Tender(
        state=TenderState.draft,
        category_id=category.id,
        setting_id=setting.id,
        created_by_id=by.id,
        price_weight=rules.DEFAULT_PRICE_WEIGHT,
        quality_weight=100 - rules.DEFAULT_PRICE_WEIGHT,
        quality_threshold=rules.DEFAULT_QUALITY_THRESHOLD,
        closes_at=rules.default_deadline(),
        clarifications_close_at=rules.default_clarification_cut_off(),
        **request_fields,
    )
    tender.preferred_districts = list(districts)
    tender.questions = _template_questions(category)
    db.session.add(tender)
    db.session.flush()
    tender.reference = f"MT-{tender.id:05d}"
    record_created(tender, AuditAction.tender_drafted, by=by, after=_request_snapshot(tender))
    return tender


def change_request(
    tender: Tender,
    *,
    category: Category,
    setting: CareSetting,
    districts: list[District],
    by: User,
    **request_fields,
) -> Tender:
    """Change a draft's placement request. A new category brings its template questions."""
    lock(tender)
    _check_draft(tender)
    _check_request(request_fields)
    before = _request_snapshot(tender)
    if category.id != tender.category_id:
        # The old questions go first: the new ones take their positions.
        tender.questions.clear()
        db.session.flush()
        tender.questions = _template_questions(category)
        db.session.flush()
    tender.category_id = category.id
    tender.setting_id = setting.id
    tender.preferred_districts = list(districts)
    for name, value in request_fields.items():
        setattr(tender, name, value)
    db.session.flush()
    db.session.refresh(tender, ["category"])
    record_event(
        AuditAction.tender_request_changed,
        actor=by,
        subject=tender,
        before=before,
        after=_request_snapshot(tender),
    )
    return tender


def change_criteria(
    tender: Tender,
    *,
    price_weight: int,
    quality_threshold: int,
    max_weekly_price: Decimal | None,
    closes_at: datetime,
    clarifications_close_at: datetime,
    questions: list[tuple[str, str, int, int]],
    by: User,
    evaluator_count: int | None = None,
    abnormally_low_percent: int | None = None,
    standstill_working_days: int | None = None,
) -> Tender:
    """Set a draft's award criteria, its 2 to 5 quality questions (text, guidance, weight,
    word limit), its deadlines, and how it is evaluated (evaluators, the abnormally low
    line, the standstill); those left None keep their values."""
    lock(tender)
    _check_draft(tender)
    _check_weights(price_weight, quality_threshold, max_weekly_price)
    _check_evaluation(evaluator_count, abnormally_low_percent, standstill_working_days)
    _check_questions(questions)
    _check_deadlines(closes_at, clarifications_close_at, clock.now())
    before = _criteria_snapshot(tender)
    if evaluator_count is not None:
        tender.evaluator_count = evaluator_count
    if abnormally_low_percent is not None:
        tender.abnormally_low_percent = abnormally_low_percent
    if standstill_working_days is not None:
        tender.standstill_working_days = standstill_working_days
    tender.price_weight = price_weight
    tender.quality_weight = 100 - price_weight
    tender.quality_threshold = quality_threshold
    tender.max_weekly_price = max_weekly_price
    tender.closes_at = closes_at
    tender.clarifications_close_at = clarifications_close_at
    tender.questions.clear()
    db.session.flush()
    tender.questions.extend(
        TenderQuestion(
            position=position, text=text, guidance=guidance, weight=weight, word_limit=limit
        )
        for position, (text, guidance, weight, limit) in enumerate(questions, start=1)
    )
    db.session.flush()
    record_event(
        AuditAction.tender_criteria_changed,
        actor=by,
        subject=tender,
        before=before,
        after=_criteria_snapshot(tender),
    )
    return tender


# The request's attachments: documents the officer adds to a draft, which invitees read once
# it is published.


def attach_to_tender(
    tender: Tender, upload: BinaryIO | bytes, *, filename: str, description: str, by: User
) -> TenderAttachment:
    """Keep a document (its type sniffed from its content) and attach it to a draft."""
    lock(tender)
    _check_draft(tender)
    count = db.session.scalar(
        select(func.count(TenderAttachment.id)).where(TenderAttachment.tender_id == tender.id)
    )
    if count >= MAX_TENDER_ATTACHMENTS:
        raise OperationRefused(
            f"A placement request can have up to {MAX_TENDER_ATTACHMENTS} attachments: "
            "remove one first"
        )
    document = store_document(
        upload,
        original_filename=filename or "document",
        kind=TENDER_ATTACHMENT,
        uploaded_by=by,
        description=(description or "").strip()[:200],
    )
    attachment = TenderAttachment(tender_id=tender.id, document_id=document.id)
    db.session.add(attachment)
    db.session.flush()
    record_event(
        AuditAction.tender_attachment_added,
        actor=by,
        subject=tender,
        after=_attachment_summary(document),
    )
    return attachment


def remove_tender_attachment(tender: Tender, attachment: TenderAttachment, *, by: User) -> None:
    """Take a document off a draft (the stored document itself is kept, as every one is)."""
    lock(tender)
    _check_draft(tender)
    if attachment.tender_id != tender.id:
        raise OperationRefused("This document is not attached to the tender")
    before = _attachment_summary(attachment.document)
    db.session.delete(attachment)
    db.session.flush()
    record_event(AuditAction.tender_attachment_removed, actor=by, subject=tender, before=before)


# Publishing.


def publish_tender(tender: Tender, *, by: User) -> int:
    """Invite every provider with at least one home the eligibility rule passes for the
    category today (asked once for the whole category), keep each invitee's eligible homes
    and the rule's answer, and tell the invitees. Answers the number invited. A fixed number
    of statements whatever the size of the county."""
    lock(tender)
    _check_draft(tender)
    now = clock.now()
    _check_questions(
        [(q.text, q.guidance, q.weight, q.word_limit) for q in tender.questions], publishing=True
    )
    _check_deadlines(tender.closes_at, tender.clarifications_close_at, now)
    today = clock.today_uk()
    answers = [
        answer
        for answer in queries.category_eligibility(tender.category, today)
        if answer.is_eligible
    ]
    if not answers:
        raise OperationRefused(
            f"No care home is eligible for {tender.category.name} today, so there is no one "
            "to invite. Check the eligibility page."
        )
    # Rows, not objects: a fixed number of statements on every database, whatever the size.
    provider_ids = sorted({answer.home.provider_id for answer in answers})
    db.session.execute(
        insert(TenderInvitation.__table__),
        [
            {"tender_id": tender.id, "provider_id": provider_id, "invited_at": now}
            for provider_id in provider_ids
        ],
    )
    invitation_ids = dict(
        db.session.execute(
            select(TenderInvitation.provider_id, TenderInvitation.id).where(
                TenderInvitation.tender_id == tender.id
            )
        ).all()
    )
    db.session.execute(
        insert(TenderInvitedHome.__table__),
        [
            {
                "invitation_id": invitation_ids[answer.home.provider_id],
                "tender_id": tender.id,
                "care_home_id": answer.home.id,
                "home_name": answer.home.name,
                "cqc_location_id": answer.home.cqc_location_id or "",
                "district_name": answer.home.district.name if answer.home.district else "",
                "is_eligible": True,
                "warnings": list(answer.warnings),
            }
            for answer in answers
        ],
    )
    tender.published_by_id = by.id
    tender.eligibility_on = today
    move(
        tender,
        TenderState.published,
        by=by,
        event=AuditAction.tender_published,
        after={
            "reference": tender.reference,
            "closes_at": tender.closes_at,
            "eligibility_on": today,
            "providers_invited": len(provider_ids),
            "homes_invited": len(answers),
        },
    )
    tell_organisations(
        provider_ids,
        f"New mini-tender {tender.reference}: {tender.category.name} placement",
        f"You are invited to bid for a {tender.setting.name.lower()} placement in "
        f"{tender.category.name}.\n\nThe deadline is {format_datetime(tender.closes_at)}. "
        f"Questions may be asked until {format_datetime(tender.clarifications_close_at)}.",
        _opportunity_link(tender),
        dedupe=f"tender-{tender.id}-invited",
    )
    return len(provider_ids)


def extend_deadline(
    tender: Tender,
    *,
    closes_at: datetime,
    clarifications_close_at: datetime | None,
    reason: str,
    by: User,
) -> Tender:
    """Move an open tender's deadline later; bids already in stay valid. Every invitee told."""
    lock(tender)
    now = clock.now()
    if not tender.is_open_at(now):
        raise OperationRefused(
            "Only an open tender's deadline can be extended: this one "
            + ("has closed" if tender.state is TenderState.published else "is not open")
        )
    reason = _required(reason, "Enter why the deadline is extended")
    if closes_at <= tender.closes_at:
        raise OperationRefused(
            f"The new deadline must be later than the current one, "
            f"{format_datetime(tender.closes_at)}"
        )
    cut_off = clarifications_close_at or tender.clarifications_close_at
    if cut_off > closes_at:
        raise OperationRefused("The clarification cut-off must not be after the deadline")
    before = {
        "closes_at": tender.closes_at,
        "clarifications_close_at": tender.clarifications_close_at,
    }
    tender.closes_at = closes_at
    tender.clarifications_close_at = cut_off
    record_event(
        AuditAction.tender_deadline_extended,
        actor=by,
        subject=tender,
        before=before,
        after={"closes_at": closes_at, "clarifications_close_at": cut_off, "reason": reason},
    )
    tell_organisations(
        _invited_provider_ids(tender),
        f"Deadline extended: {tender.reference}",
        f"The deadline for mini-tender {tender.reference} is now {format_datetime(closes_at)}. "
        f"Questions may be asked until {format_datetime(cut_off)}.\n\nReason: {reason}\n\n"
        "Bids already submitted stay valid: you may change them until the new deadline.",
        _opportunity_link(tender),
        dedupe=f"tender-{tender.id}-extended-{int(closes_at.timestamp())}",
    )
    return tender


def cancel_tender(tender: Tender, *, reason: str, by: User) -> Tender:
    """Cancel a tender before award, saying why; every invitee is told."""
    lock(tender)
    reason = _required(reason, "Enter why the tender is cancelled")
    was_published = tender.state is not TenderState.draft
    tender.cancel_reason = reason
    tender.cancelled_by_id = by.id
    move(
        tender,
        TenderState.cancelled,
        by=by,
        event=AuditAction.tender_cancelled,
        after={"reason": reason},
    )
    if was_published:
        tell_organisations(
            _invited_provider_ids(tender),
            f"Mini-tender cancelled: {tender.reference}",
            f"The council has cancelled mini-tender {tender.reference} "
            f"({tender.category.name}).\n\nReason: {reason}",
            _opportunity_link(tender),
            dedupe=f"tender-{tender.id}-cancelled",
        )
    return tender


# An invitee's responses.


def record_viewed(invitation: TenderInvitation, *, by: User) -> bool:
    """Note the first time an invitee opens the tender (counted for officers); once only,
    even when two pages open at the same moment."""
    if invitation.viewed_at is not None or not invitation.is_own(by):
        return False
    now = clock.now()
    changed = db.session.execute(
        update(TenderInvitation)
        .where(TenderInvitation.id == invitation.id, TenderInvitation.viewed_at.is_(None))
        .values(viewed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return False
    set_committed_value(invitation, "viewed_at", now)
    record_event(AuditAction.tender_invitation_viewed, actor=by, subject=invitation)
    return True


def ask_clarification(
    invitation: TenderInvitation, *, question: str, by: User
) -> TenderClarification:
    tender = invitation.tender
    lock(tender)
    lock(invitation)
    now = clock.now()
    _check_open(tender, now, "questions can no longer be asked")
    if now >= tender.clarifications_close_at:
        raise OperationRefused(
            f"Questions could be asked until {format_datetime(tender.clarifications_close_at)}"
        )
    question = _required(question, "Enter your question")
    clarification = TenderClarification(
        tender_id=tender.id,
        invitation_id=invitation.id,
        state=ClarificationState.asked,
        question=question,
        asked_at=now,
        asked_by_id=by.id,
    )
    record_created(clarification, AuditAction.tender_clarification_asked, by=by)
    tell_role(
        Role.contracts_officer,
        f"Clarification question on {tender.reference}",
        f"An invitee asked a question about mini-tender {tender.reference}:\n\n{question}",
        portal_path(
            "tenders.answer_clarification", tender_id=tender.id, clarification_id=clarification.id
        ),
        dedupe=f"clarification-{clarification.id}-asked",
    )
    return clarification


def answer_clarification(
    clarification: TenderClarification, *, answer: str, is_public: bool, by: User
) -> TenderClarification:
    """Answer publicly (every invitee told, without the asker's name) or privately (the
    asker only, when the question is commercially sensitive)."""
    tender = clarification.tender
    lock(tender)
    lock(clarification)
    if not tender.is_open_at(clock.now()):
        raise OperationRefused("The tender has closed: questions can no longer be answered")
    answer = _required(answer, "Enter the answer")
    clarification.answer = answer
    clarification.is_public = is_public
    clarification.answered_by_id = by.id
    move(
        clarification,
        ClarificationState.answered,
        by=by,
        event=AuditAction.tender_clarification_answered,
        after={"is_public": is_public},
    )
    body = f"Question:\n{clarification.question}\n\nAnswer:\n{answer}"
    if is_public:
        tell_organisations(
            _invited_provider_ids(tender),
            f"Clarification published: {tender.reference}",
            f"The council has answered a question about mini-tender {tender.reference}. "
            f"Every invitee sees this answer.\n\n{body}",
            _opportunity_link(tender),
            dedupe=f"clarification-{clarification.id}-answered",
        )
    else:
        tell_organisation(
            clarification.invitation.provider_id,
            f"Your question answered: {tender.reference}",
            f"The council has answered your question privately.\n\n{body}",
            _opportunity_link(tender),
            dedupe=f"clarification-{clarification.id}-answered",
        )
    return clarification


def submit_bid(
    invitation: TenderInvitation,
    *,
    care_home_id: int,
    weekly_core_fee: Decimal,
    extra_hours_per_week: Decimal,
    extra_hourly_rate: Decimal,
    available_from: date,
    answers: dict[int, str],
    declaration: str,
    by: User,
    attachment_ids: Iterable[int] | None = None,
) -> BidVersion:
    """Store a submission as a new version of the provider's bid and answer its receipt.
    The deadline is checked here, with the tender's row locked, against the clock read now;
    the home offered must pass the eligibility rule now. The total is worked out here.
    `attachment_ids` are the provider's held documents (`hold_bid_attachment`) the version
    carries; None carries the previous version's."""
    tender = invitation.tender
    lock(tender)
    lock(invitation)
    now = clock.now()
    _check_open(tender, now, "bids can no longer be submitted")
    if not invitation.is_own(by):
        raise OperationRefused("Only the invited provider's users can bid")
    home = db.session.get(CareHome, care_home_id)
    if home is None or home.provider_id != invitation.provider_id:
        raise OperationRefused("Choose one of your care homes")
    answer = eligibility(home, tender.category, clock.today_uk())
    if not answer.is_eligible:
        reasons = "; ".join(reason.text for reason in answer.reasons)
        raise OperationRefused(
            f"{home.name} is not eligible for {tender.category.name} now ({reasons}): "
            "offer another home"
        )
    weekly_core_fee = to_money(weekly_core_fee)
    extra_hourly_rate = to_money(extra_hourly_rate or 0)
    extra_hours_per_week = Decimal(extra_hours_per_week or 0).quantize(Decimal("0.01"))
    if weekly_core_fee <= 0:
        raise OperationRefused("Enter a weekly core fee above £0")
    if extra_hours_per_week < 0 or extra_hourly_rate < 0:
        raise OperationRefused("Extra hours and their rate cannot be negative")
    if extra_hours_per_week > 0 and extra_hourly_rate == 0:
        raise OperationRefused("Enter the hourly rate for the extra hours")
    extra_cost = to_money(extra_hours_per_week * extra_hourly_rate)
    total = to_money(weekly_core_fee + extra_cost)
    if tender.max_weekly_price is not None and total > tender.max_weekly_price:
        raise OperationRefused(
            f"The total weekly cost, {format_gbp(total)}, is above the maximum weekly price of "
            f"{format_gbp(tender.max_weekly_price)} the council set"
        )
    if available_from is None:
        raise OperationRefused("Enter the date the placement could start")
    texts = []
    for question in tender.questions:
        text = (answers.get(question.id) or "").strip()
        if not text:
            raise OperationRefused(f"Answer question {question.position}")
        words = rules.word_count(text)
        if words > question.word_limit:
            raise OperationRefused(
                f"The answer to question {question.position} has {words} words: "
                f"the limit is {question.word_limit}"
            )
        texts.append({"question": question.position, "answer": text})
    declaration = (declaration or "").strip()
    if not declaration:
        raise OperationRefused("Confirm the declaration to submit the bid")

    bid = _bid_of(invitation)
    if bid is None:
        bid = Bid(
            tender_id=tender.id,
            invitation=invitation,
            provider_id=invitation.provider_id,
            reference=f"{tender.reference}-B{invitation.id}",
            state=BidState.submitted,
        )
        db.session.add(bid)
        db.session.flush()
        number = 1
    else:
        lock(bid)
        if bid.state is BidState.withdrawn:
            bid.withdrawn_at = None
            move(bid, BidState.submitted, by=by)
        number = max((version.number for version in bid.versions), default=0) + 1
    documents = _bid_documents(invitation, bid, attachment_ids)
    if invitation.is_declined:
        invitation.declined_at = None
        invitation.decline_reason = None
        invitation.decline_detail = ""
        invitation.declined_by_id = None
    receipt = f"{bid.reference}-V{number}"
    content = canonical_content(
        tender=tender,
        bid_reference=bid.reference,
        receipt=receipt,
        number=number,
        submitted_at=now,
        home=home,
        weekly_core_fee=weekly_core_fee,
        extra_hours_per_week=extra_hours_per_week,
        extra_hourly_rate=extra_hourly_rate,
        extra_cost=extra_cost,
        total=total,
        available_from=available_from,
        answers=texts,
        declaration=declaration,
        attachments=[{"name": d.original_filename, "sha256": d.sha256} for d in documents],
    )
    version = BidVersion(
        bid_id=bid.id,
        number=number,
        receipt_reference=receipt,
        care_home_id=home.id,
        weekly_core_fee=weekly_core_fee,
        extra_hours_per_week=extra_hours_per_week,
        extra_hourly_rate=extra_hourly_rate,
        extra_cost=extra_cost,
        total_weekly_cost=total,
        available_from=available_from,
        answers=texts,
        declaration=declaration,
        submitted_at=now,
        submitted_by_id=by.id,
        canonical_content=content,
        content_sha256=sha256_of(content),
    )
    db.session.add(version)
    db.session.flush()
    if documents:
        db.session.execute(
            insert(BidAttachment.__table__),
            [{"bid_version_id": version.id, "document_id": d.id} for d in documents],
        )
    # Sealed: the trail keeps the reference and the hash, never the prices, answers or files.
    record_event(
        AuditAction.bid_submitted,
        actor=by,
        subject=bid,
        after={
            "receipt": receipt,
            "version": number,
            "sha256": version.content_sha256,
            **({"attachments": len(documents)} if documents else {}),
        },
    )
    tell_organisation(
        invitation.provider_id,
        f"Bid received: {receipt}",
        f"Your bid for mini-tender {tender.reference} was received on "
        f"{format_datetime(now)}.\n\nReceipt: {receipt}\nSHA-256: {version.content_sha256}\n\n"
        "The receipt page shows what was received and how to check the hash.",
        portal_path("tenders.show_receipt", tender_id=tender.id, version_id=version.id),
        dedupe=f"bid-version-{version.id}-received",
    )
    return version


def hold_bid_attachment(
    invitation: TenderInvitation, upload: BinaryIO | bytes, *, filename: str, by: User
) -> StoredDocument:
    """Keep a file a provider attaches on its bid form, sealed (its own organisation's, of
    the kind the generic download refuses to staff), before the bid itself is stored: a bid
    then refused (late, say) keeps the file for the next try. The trail keeps its hash and
    size, never its name."""
    if not invitation.is_own(by):
        raise OperationRefused("Only the invited provider's users can attach documents to a bid")
    return store_document(
        upload,
        original_filename=filename or "document",
        kind=BID_ATTACHMENT,
        provider_id=invitation.provider_id,
        uploaded_by=by,
    )


def withdraw_bid(invitation: TenderInvitation, *, by: User) -> Bid:
    """Withdraw the bid before the deadline: no version of it counts, though all are kept."""
    tender = invitation.tender
    lock(tender)
    lock(invitation)
    _check_open(tender, clock.now(), "bids can no longer be withdrawn")
    bid = _bid_of(invitation)
    if bid is None or not invitation.is_own(by):
        raise OperationRefused("There is no bid to withdraw")
    move(
        bid,
        BidState.withdrawn,
        by=by,
        event=AuditAction.bid_withdrawn,
        after={"reference": bid.reference},
    )
    tell_organisation(
        invitation.provider_id,
        f"Bid withdrawn: {bid.reference}",
        f"Your bid for mini-tender {tender.reference} was withdrawn on "
        f"{format_datetime(bid.withdrawn_at)}. You may bid again until "
        f"{format_datetime(tender.closes_at)}.",
        _opportunity_link(tender),
        dedupe=f"bid-{bid.id}-withdrawn-{int(bid.withdrawn_at.timestamp())}",
    )
    return bid


def decline_tender(
    invitation: TenderInvitation, *, reason: DeclineReason, detail: str, by: User
) -> TenderInvitation:
    """Decline to bid, with a reason code (market intelligence) and words for "other"."""
    tender = invitation.tender
    lock(tender)
    lock(invitation)
    _check_open(tender, clock.now(), "the tender can no longer be declined")
    if not invitation.is_own(by):
        raise OperationRefused("Only the invited provider's users can decline")
    bid = _bid_of(invitation)
    if bid is not None and bid.is_submitted:
        raise OperationRefused("Withdraw your bid before declining the tender")
    detail = (detail or "").strip()
    if reason is DeclineReason.other and not detail:
        raise OperationRefused("Enter why you are declining")
    invitation.declined_at = clock.now()
    invitation.decline_reason = reason
    invitation.decline_detail = detail
    invitation.declined_by_id = by.id
    record_event(
        AuditAction.tender_invitation_declined,
        actor=by,
        subject=invitation,
        after={"reason": reason.name, "detail": detail},
    )
    return invitation


# The receipt's canonical content.


def canonical_content(
    *,
    tender: Tender,
    bid_reference: str,
    receipt: str,
    number: int,
    submitted_at: datetime,
    home: CareHome,
    weekly_core_fee: Decimal,
    extra_hours_per_week: Decimal,
    extra_hourly_rate: Decimal,
    extra_cost: Decimal,
    total: Decimal,
    available_from: date,
    answers: list[dict],
    declaration: str,
    attachments: list[dict] | None = None,
) -> str:
    """The bid as one canonical JSON text (sorted keys, no spaces, UTF-8, amounts as
    strings with pence): the text the receipt shows and its SHA-256 is taken of. Its
    attachments, when it has any, by name and SHA-256."""
    extra = {"attachments": attachments} if attachments else {}
    return canonical_json(
        {
            **extra,
            "tender": tender.reference,
            "bid": bid_reference,
            "receipt": receipt,
            "version": number,
            "submitted_at": clock.ensure_utc(submitted_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "care_home": {"cqc_location_id": home.cqc_location_id or "", "name": home.name},
            "weekly_core_fee": f"{weekly_core_fee:.2f}",
            "extra_hours_per_week": f"{extra_hours_per_week:.2f}",
            "extra_hourly_rate": f"{extra_hourly_rate:.2f}",
            "extra_cost": f"{extra_cost:.2f}",
            "total_weekly_cost": f"{total:.2f}",
            "available_from": available_from.isoformat(),
            "answers": answers,
            "declaration": declaration,
        }
    )


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Checks.


def _check_open(tender: Tender, now: datetime, what: str) -> None:
    if tender.is_open_at(now):
        return
    if tender.state is TenderState.published:
        raise DeadlinePassed(f"The deadline was {format_datetime(tender.closes_at)}: {what}")
    raise OperationRefused(f"This tender is {tender.state.value.lower()}: {what}")


def _check_draft(tender: Tender) -> None:
    if tender.state is not TenderState.draft:
        raise OperationRefused(
            f"This tender is {tender.phase().lower()}: only a draft can be changed or published"
        )


def _check_request(fields: dict) -> None:
    reference = (fields.get("person_reference") or "").strip()
    if not reference:
        raise OperationRefused("Enter the person's pseudonymised reference")
    if rules.looks_like_a_name(reference):
        raise OperationRefused(
            "The person reference looks like a name. Enter the pseudonymised reference "
            "from the case record, not the person's name"
        )
    if not isinstance(fields.get("funding"), Funding):
        raise OperationRefused("Choose how the placement is funded")


def _check_weights(price_weight: int, quality_threshold: int, max_weekly_price) -> None:
    if not rules.PRICE_WEIGHT_MIN <= price_weight <= rules.PRICE_WEIGHT_MAX:
        raise OperationRefused(
            f"The price weight must be between {rules.PRICE_WEIGHT_MIN} and "
            f"{rules.PRICE_WEIGHT_MAX}"
        )
    if not 0 <= quality_threshold <= 100:
        raise OperationRefused("The quality threshold must be between 0 and 100")
    if max_weekly_price is not None and max_weekly_price <= 0:
        raise OperationRefused("The maximum weekly price must be above £0")


def _check_evaluation(
    evaluator_count: int | None, abnormally_low_percent: int | None, standstill: int | None
) -> None:
    if evaluator_count is not None and not 1 <= evaluator_count <= rules.MAX_EVALUATORS:
        raise OperationRefused(
            f"The number of evaluators must be between 1 and {rules.MAX_EVALUATORS}"
        )
    if abnormally_low_percent is not None and not 1 <= abnormally_low_percent <= 99:
        raise OperationRefused("The abnormally low line must be between 1% and 99%")
    if standstill is not None and not 0 <= standstill <= rules.MAX_STANDSTILL_WORKING_DAYS:
        raise OperationRefused(
            f"The standstill must be between 0 and {rules.MAX_STANDSTILL_WORKING_DAYS} working days"
        )


def _check_questions(
    questions: list[tuple[str, str, int, int]], *, publishing: bool = False
) -> None:
    if not rules.MIN_QUESTIONS <= len(questions) <= rules.MAX_QUESTIONS:
        raise OperationRefused(
            f"Give between {rules.MIN_QUESTIONS} and {rules.MAX_QUESTIONS} quality questions"
        )
    if any(weight <= 0 for _text, _guidance, weight, _limit in questions):
        raise OperationRefused("Give every quality question a weight above 0")
    if any(limit <= 0 for _text, _guidance, _weight, limit in questions):
        raise OperationRefused("Give every quality question a word limit above 0")
    total = sum(weight for _text, _guidance, weight, _limit in questions)
    if total != 100:
        raise OperationRefused(
            f"The quality questions' weights must add up to 100: they add up to {total}"
        )


def _check_deadlines(closes_at: datetime, cut_off: datetime, now: datetime) -> None:
    if closes_at < now + rules.MIN_OPEN_TIME:
        raise OperationRefused(
            "The deadline must be at least "
            f"{rules.duration_in_words(rules.MIN_OPEN_TIME)} from now: it is "
            f"{format_datetime(closes_at)}"
        )
    if cut_off > closes_at:
        raise OperationRefused("The clarification cut-off must not be after the deadline")
    if cut_off <= now:
        raise OperationRefused("The clarification cut-off must be in the future")


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise OperationRefused(message)
    return text


def _template_questions(category: Category) -> list[TenderQuestion]:
    """The category's template questions, which the officer adapts."""
    return [
        TenderQuestion(
            position=position,
            text=text,
            guidance=guidance,
            weight=weight,
            word_limit=rules.DEFAULT_WORD_LIMIT,
        )
        for position, (text, guidance, weight) in enumerate(
            rules.template_questions(category.code), start=1
        )
    ]


def _bid_of(invitation: TenderInvitation) -> Bid | None:
    """The invitation's bid as the database has it now (read after the tender's lock, so a
    submission that was waiting for it sees the bid the one before it made)."""
    return db.session.scalars(
        select(Bid)
        .where(Bid.invitation_id == invitation.id)
        .execution_options(populate_existing=True)
    ).first()


def _bid_documents(
    invitation: TenderInvitation, bid: Bid, attachment_ids: Iterable[int] | None
) -> list[StoredDocument]:
    """The documents a new version carries: the previous version's when not said, else the
    ones named, each the provider's own sealed upload and no other bid's."""
    if attachment_ids is None:
        latest = db.session.scalar(
            select(BidVersion.id)
            .where(BidVersion.bid_id == bid.id)
            .order_by(BidVersion.number.desc())
            .limit(1)
        )
        if latest is None:
            return []
        return list(
            db.session.scalars(
                select(StoredDocument)
                .join(BidAttachment, BidAttachment.document_id == StoredDocument.id)
                .where(BidAttachment.bid_version_id == latest)
                .order_by(BidAttachment.id)
            )
        )
    ids = list(dict.fromkeys(int(document_id) for document_id in attachment_ids))
    if not ids:
        return []
    if len(ids) > MAX_BID_ATTACHMENTS:
        raise OperationRefused(f"A bid can have up to {MAX_BID_ATTACHMENTS} attachments")
    documents = {
        document.id: document
        for document in db.session.scalars(
            select(StoredDocument).where(
                StoredDocument.id.in_(ids),
                StoredDocument.kind == BID_ATTACHMENT,
                StoredDocument.provider_id == invitation.provider_id,
            )
        )
    }
    elsewhere = db.session.scalar(
        select(func.count(BidAttachment.id))
        .join(BidVersion, BidVersion.id == BidAttachment.bid_version_id)
        .where(BidAttachment.document_id.in_(ids), BidVersion.bid_id != bid.id)
    )
    if len(documents) != len(ids) or elsewhere:
        raise OperationRefused("An attachment could not be found: attach the file again")
    return [documents[document_id] for document_id in ids]


def _attachment_summary(document: StoredDocument) -> dict:
    return {
        "document_id": document.id,
        "name": document.name,
        "media_type": document.media_type,
        "sha256": document.sha256,
    }


def _invited_provider_ids(tender: Tender) -> list[int]:
    return list(
        db.session.scalars(
            select(TenderInvitation.provider_id).where(TenderInvitation.tender_id == tender.id)
        )
    )


def _opportunity_link(tender: Tender) -> str:
    return portal_path("tenders.show_opportunity", tender_id=tender.id)


def _request_snapshot(tender: Tender) -> dict:
    """What the trail keeps of the request (no names: the reference is pseudonymised)."""
    return {
        "person_reference": tender.person_reference,
        "age": tender.age,
        "category_id": tender.category_id,
        "setting_id": tender.setting_id,
        "funding": tender.funding.name if tender.funding else None,
        "required_start_on": tender.required_start_on,
        "one_to_one_hours": tender.one_to_one_hours,
        "two_to_one_hours": tender.two_to_one_hours,
        "district_ids": sorted(district.id for district in tender.preferred_districts),
    }


def _criteria_snapshot(tender: Tender) -> dict:
    return {
        "price_weight": tender.price_weight,
        "quality_threshold": tender.quality_threshold,
        "max_weekly_price": tender.max_weekly_price,
        "evaluator_count": tender.evaluator_count,
        "abnormally_low_percent": tender.abnormally_low_percent,
        "standstill_working_days": tender.standstill_working_days,
        "closes_at": tender.closes_at,
        "clarifications_close_at": tender.clarifications_close_at,
        "questions": [
            {"text": q.text, "weight": q.weight, "word_limit": q.word_limit}
            for q in tender.questions
        ],
    }
