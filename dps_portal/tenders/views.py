"""Mini-tender pages: officers draft, publish and manage tenders (seeing counts of responses,
never bids, before the deadline); providers see their opportunities and respond."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.clock import format_datetime
from dps_portal.core.errors import REFUSALS
from dps_portal.core.forms import add_error
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on, requested_page
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.views import send_document
from dps_portal.extensions import db
from dps_portal.providers.queries import own_provider_id
from dps_portal.tenders import operations, queries, rules
from dps_portal.tenders.award import queries as award_queries
from dps_portal.tenders.evaluation import queries as evaluation_queries
from dps_portal.tenders.forms import (
    DECLARATION,
    PUBLIC,
    AnswerForm,
    AskForm,
    CancelForm,
    CriteriaForm,
    DeclineForm,
    ExtendForm,
    PublishForm,
    RemoveAttachmentForm,
    RequestForm,
    TenderAttachmentForm,
    WithdrawForm,
    answer_field_name,
    bid_form_class,
    instant,
)
from dps_portal.tenders.models import (
    DeclineReason,
    Funding,
    Tender,
    TenderClarification,
)

officers_only = role_required(Role.contracts_officer)
providers_only = role_required(Role.provider)


def _tender_url(tender: Tender) -> str:
    return url_for("tenders.show_tender", tender_id=tender.id)


def _opportunity_url(tender_id: int) -> str:
    return url_for("tenders.show_opportunity", tender_id=tender_id)


# Officers: drafting.


@officers_only
def list_tenders():
    show = request.args.get("show")
    show = show if show in queries.OFFICER_FILTERS else None
    page = queries.officer_tenders(requested_page(), show)
    return render_template(
        "tenders/list_tenders.html",
        page=page,
        counts=queries.response_counts(tender.id for tender in page.items),
        filters=queries.OFFICER_FILTERS,
        show=show,
        now=clock.now(),
    )


def _request_form(tender: Tender | None = None) -> RequestForm:
    if request.method == "GET" and tender is not None:
        # Data, not obj: the form's choices are ids and names, the tender's are objects.
        form = RequestForm(
            data={
                "person_reference": tender.person_reference,
                "age": tender.age,
                "category": str(tender.category_id),
                "setting": str(tender.setting_id),
                "needs_summary": tender.needs_summary,
                "risks": tender.risks,
                "one_to_one_hours": _hours_text(tender.one_to_one_hours),
                "two_to_one_hours": _hours_text(tender.two_to_one_hours),
                "districts": [district.id for district in tender.preferred_districts],
                "required_start_on": tender.required_start_on,
                "funding": tender.funding.name,
                "preferences": tender.preferences,
            },
        )
    else:
        form = RequestForm()
    form.category.choices = [(str(item.id), item.name) for item in queries.categories()]
    form.setting.choices = [(str(item.id), item.name) for item in queries.settings()]
    form.districts.choices = [(item.id, item.name) for item in queries.districts()]
    return form


def _request_values(form: RequestForm) -> dict:
    chosen = set(form.districts.data or [])
    return {
        "category": next(c for c in queries.categories() if str(c.id) == form.category.data),
        "setting": next(s for s in queries.settings() if str(s.id) == form.setting.data),
        "districts": [d for d in queries.districts() if d.id in chosen],
        "person_reference": form.person_reference.data,
        "age": form.age.data,
        "needs_summary": form.needs_summary.data,
        "risks": form.risks.data or "",
        "one_to_one_hours": form.one_to_one_hours.hours,
        "two_to_one_hours": form.two_to_one_hours.hours,
        "required_start_on": form.required_start_on.data,
        "funding": Funding[form.funding.data],
        "preferences": form.preferences.data or "",
    }


@officers_only
def new_tender():
    form = _request_form()
    if form.validate_on_submit():
        with refusal_shown_on(form.person_reference):
            tender = operations.draft_tender(by=current_user, **_request_values(form))
            flash("The draft is saved. Check the award criteria and the deadline.", "success")
            return redirect(url_for("tenders.edit_criteria", tender_id=tender.id))
    return render_template("tenders/edit_request.html", form=form, tender=None)


@officers_only
def edit_request(tender_id: int):
    tender = queries.tender_or_404(tender_id)
    if not tender.can_edit(current_user):
        flash(f"This tender is {tender.phase().lower()}: its request can no longer be changed.")
        return redirect(_tender_url(tender))
    form = _request_form(tender)
    if form.validate_on_submit():
        with refusal_shown_on(form.person_reference):
            operations.change_request(tender, by=current_user, **_request_values(form))
            flash("The placement request is saved.", "success")
            return redirect(url_for("tenders.edit_criteria", tender_id=tender.id))
    return render_template("tenders/edit_request.html", form=form, tender=tender)


@officers_only
def edit_criteria(tender_id: int):
    tender = queries.tender_or_404(tender_id)
    if not tender.can_edit(current_user):
        flash(f"This tender is {tender.phase().lower()}: its criteria can no longer be changed.")
        return redirect(_tender_url(tender))
    if request.method == "GET":
        closes = clock.to_uk(tender.closes_at)
        cut_off = clock.to_uk(tender.clarifications_close_at)
        questions = [
            {
                "text": question.text,
                "guidance": question.guidance,
                "weight": question.weight,
                "word_limit": question.word_limit,
            }
            for question in tender.questions
        ]
        form = CriteriaForm(
            data={
                "price_weight": tender.price_weight,
                "quality_threshold": tender.quality_threshold,
                "max_weekly_price": tender.max_weekly_price,
                "evaluator_count": tender.evaluator_count,
                "abnormally_low_percent": tender.abnormally_low_percent,
                "standstill_working_days": tender.standstill_working_days,
                "closes_on": closes.date(),
                "closes_time": closes.time(),
                "clarifications_close_on": cut_off.date(),
                "clarifications_close_time": cut_off.time(),
                "questions": questions,
            }
        )
    else:
        form = CriteriaForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.closes_on):
            operations.change_criteria(
                tender,
                price_weight=form.price_weight.data,
                quality_threshold=form.quality_threshold.data,
                max_weekly_price=form.max_weekly_price.amount,
                evaluator_count=form.evaluator_count.data,
                abnormally_low_percent=form.abnormally_low_percent.data,
                standstill_working_days=form.standstill_working_days.data,
                closes_at=instant(form.closes_on, form.closes_time),
                clarifications_close_at=instant(
                    form.clarifications_close_on, form.clarifications_close_time
                ),
                questions=form.filled_questions(),
                by=current_user,
            )
            flash("The award criteria are saved. Check the tender before publishing it.", "success")
            return redirect(_tender_url(tender))
    return render_template(
        "tenders/edit_criteria.html",
        form=form,
        tender=tender,
        default_deadline=rules.default_deadline(),
    )


@officers_only
def edit_attachments(tender_id: int):
    """The request's documents: attach and remove while it is a draft."""
    tender = queries.tender_or_404(tender_id)
    if not tender.can_edit(current_user):
        flash(f"This tender is {tender.phase().lower()}: its attachments can no longer change.")
        return redirect(_tender_url(tender))
    form = TenderAttachmentForm()
    if form.validate_on_submit():
        upload = form.document.data
        with refusal_shown_on(form.document):
            added = operations.attach_to_tender(
                tender,
                upload.stream,
                filename=upload.filename,
                description=form.description.data or "",
                by=current_user,
            )
            flash(f"{added.document.name} is attached.", "success")
            return redirect(url_for("tenders.edit_attachments", tender_id=tender.id))
    return render_template(
        "tenders/edit_attachments.html",
        form=form,
        tender=tender,
        attachments=queries.tender_attachments(tender),
        remove_form=RemoveAttachmentForm(),
    )


@officers_only
def remove_attachment(tender_id: int, document_id: int):
    tender = queries.tender_or_404(tender_id)
    page = url_for("tenders.edit_attachments", tender_id=tender.id)
    if not tender.can_edit(current_user):
        flash(f"This tender is {tender.phase().lower()}: its attachments can no longer change.")
        return redirect(_tender_url(tender))
    removed = queries.tender_attachment_or_404(tender, document_id)
    if RemoveAttachmentForm().validate_on_submit():
        name = removed.document.name
        with refusal_redirects_to(page):
            operations.remove_tender_attachment(tender, removed, by=current_user)
        flash(f"{name} is removed.", "success")
    return redirect(page)


@officers_only
def download_bid_attachment(tender_id: int, document_id: int):
    """A bid's attachment, only through the seal: after the deadline, once the bids are
    opened. Before then it is not found, like a document that does not exist."""
    bid = queries.bid_attached_to(tender_id, document_id)
    if bid is None or not bid.can_read_content(current_user):
        abort(404)
    return send_document(queries.sealed_attachment(bid, document_id, current_user))


# Officers: a tender's page (the preview of a draft), publishing and managing it.


@officers_only
def show_tender(tender_id: int):
    tender = queries.tender_page_or_404(tender_id)
    now = clock.now()
    # A draft has no invitees, and no counts to show.
    invitees, counts = (
        queries.invited_providers_page(tender, requested_page())
        if not tender.is_draft
        else (None, None)
    )
    return render_template(
        "tenders/show_tender.html",
        tender=tender,
        now=now,
        counts=counts,
        clarifications=queries.clarifications(tender) if not tender.is_draft else [],
        invitees=invitees,
        publish_form=PublishForm(),
        attachments=queries.tender_attachments(tender),
        evaluation=evaluation_queries.tender_panel(tender, current_user),
        award=award_queries.tender_panel(tender, current_user),
    )


@officers_only
def publish_tender(tender_id: int):
    tender = queries.tender_or_404(tender_id)
    form = PublishForm()
    if not tender.can_publish(current_user):
        flash(f"This tender is {tender.phase().lower()}: it cannot be published again.")
        return redirect(_tender_url(tender))
    if form.validate_on_submit():
        with refusal_redirects_to(_tender_url(tender)):
            invited = operations.publish_tender(tender, by=current_user)
        flash(
            f"{tender.reference} is published. {invited} provider"
            f"{'' if invited == 1 else 's'} invited and told. It closes "
            f"{format_datetime(tender.closes_at)}.",
            "success",
        )
    return redirect(_tender_url(tender))


@officers_only
def extend_deadline(tender_id: int):
    tender = queries.tender_or_404(tender_id)
    if not tender.can_manage(current_user):
        flash("Only an open tender's deadline can be extended.")
        return redirect(_tender_url(tender))
    form = ExtendForm()
    if form.validate_on_submit():
        cut_off = instant(form.clarifications_close_on, form.clarifications_close_time)
        if form.clarifications_close_on.data is not None and cut_off is None:
            add_error(form.clarifications_close_time, "Enter the new clarification cut-off time")
        else:
            with refusal_shown_on(form.closes_on):
                operations.extend_deadline(
                    tender,
                    closes_at=instant(form.closes_on, form.closes_time),
                    clarifications_close_at=cut_off,
                    reason=form.reason.data,
                    by=current_user,
                )
                flash("The deadline is extended. Every invitee has been told.", "success")
                return redirect(_tender_url(tender))
    return render_template("tenders/extend_deadline.html", form=form, tender=tender)


@officers_only
def cancel_tender(tender_id: int):
    tender = queries.tender_or_404(tender_id)
    if not tender.can_cancel(current_user):
        flash(f"This tender is {tender.phase().lower()}: it cannot be cancelled.")
        return redirect(_tender_url(tender))
    form = CancelForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.reason):
            operations.cancel_tender(tender, reason=form.reason.data, by=current_user)
            flash("The tender is cancelled. Every invitee has been told why.", "success")
            return redirect(_tender_url(tender))
    return render_template("tenders/cancel_tender.html", form=form, tender=tender)


@officers_only
def answer_clarification(tender_id: int, clarification_id: int):
    tender = queries.tender_or_404(tender_id)
    clarification = db.session.get(TenderClarification, clarification_id)
    if clarification is None or clarification.tender_id != tender.id:
        abort(404)
    if not clarification.can_answer(current_user):
        flash("This question can no longer be answered.")
        return redirect(_tender_url(tender))
    form = AnswerForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.answer):
            operations.answer_clarification(
                clarification,
                answer=form.answer.data,
                is_public=form.visibility.data == PUBLIC,
                by=current_user,
            )
            flash("The answer is sent.", "success")
            return redirect(_tender_url(tender))
    return render_template(
        "tenders/answer_clarification.html", form=form, tender=tender, clarification=clarification
    )


# Providers: their opportunities.


@providers_only
def list_opportunities():
    show = request.args.get("show")
    show = show if show in queries.PROVIDER_FILTERS else None
    return render_template(
        "tenders/list_opportunities.html",
        page=queries.opportunities(own_provider_id(), requested_page(), show),
        filters=queries.PROVIDER_FILTERS,
        show=show,
        now=clock.now(),
    )


@providers_only
def show_opportunity(tender_id: int):
    invitation = queries.own_invitation_or_404(own_provider_id(), tender_id)
    operations.record_viewed(invitation, by=current_user)
    bid = invitation.bid
    return render_template(
        "tenders/show_opportunity.html",
        invitation=invitation,
        tender=invitation.tender,
        bid=bid,
        versions=queries.sealed_versions(bid, current_user),
        version_attachments=queries.sealed_attachments(bid, current_user),
        attachments=queries.tender_attachments(invitation.tender),
        clarifications=queries.clarifications_for(invitation),
        now=clock.now(),
        withdraw_form=WithdrawForm(),
        award=award_queries.opportunity_panel(invitation, current_user),
    )


@providers_only
def download_request_attachment(tender_id: int, document_id: int):
    """A document of the placement request, for its invitees only."""
    invitation = queries.own_invitation_or_404(own_provider_id(), tender_id)
    return send_document(queries.tender_attachment_or_404(invitation.tender, document_id).document)


@providers_only
def ask_clarification(tender_id: int):
    invitation = queries.own_invitation_or_404(own_provider_id(), tender_id)
    if not invitation.can_ask(current_user):
        flash(
            "Questions could be asked until "
            f"{format_datetime(invitation.tender.clarifications_close_at)}."
        )
        return redirect(_opportunity_url(tender_id))
    form = AskForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.question):
            operations.ask_clarification(invitation, question=form.question.data, by=current_user)
            flash("Your question is sent. You will be told when it is answered.", "success")
            return redirect(_opportunity_url(tender_id))
    return render_template("tenders/ask_clarification.html", form=form, tender=invitation.tender)


def _bid_form(invitation, tender, homes):
    """The form, the version it changes (if any) and the documents it may carry: the
    version's attachments, and the provider's own uploads a refused try left with it."""
    form_class = bid_form_class(tender.questions)
    current = None
    carried = []
    if invitation.bid is not None:
        versions = queries.sealed_versions(invitation.bid, current_user)
        current = versions[-1] if versions else None
        if current is not None:
            carried = queries.sealed_attachments(invitation.bid, current_user)[current.id]
    if request.method == "POST":
        held = queries.own_held_documents(
            invitation.provider_id,
            request.form.getlist("kept_documents"),
            operations.BID_ATTACHMENT,
        )
        carried += [document for document in held if document not in carried]
    if request.method == "GET" and current is not None:
        answers = {item["question"]: item["answer"] for item in current.answers}
        data = {
            "care_home": str(current.care_home_id),
            "weekly_core_fee": current.weekly_core_fee,
            "extra_hours_per_week": _hours_text(current.extra_hours_per_week),
            "extra_hourly_rate": current.extra_hourly_rate or "",
            "available_from": current.available_from,
            "kept_documents": [document.id for document in carried],
        }
        for question in tender.questions:
            data[answer_field_name(question)] = answers.get(question.position, "")
        form = form_class(data=data)
    else:
        form = form_class()
    form.care_home.choices = [(str(home.id), home.name) for home in homes]
    _offer_documents(form, carried, form.kept_documents.data or [])
    return form, current, carried


def _offer_documents(form, documents: list[StoredDocument], chosen: list[int]) -> None:
    """The documents the bid may carry, as boxes; checked are the chosen ones among them."""
    form.kept_documents.choices = [
        (document.id, f"{document.name} ({document.type_label}, {document.size_label})")
        for document in documents
    ]
    offered = {document.id for document in documents}
    form.kept_documents.data = [document_id for document_id in chosen if document_id in offered]


def _has_errors(form, *names: str) -> bool:
    return any(form[name].errors for name in names if name in form)


@providers_only
def submit_bid(tender_id: int):
    invitation = queries.own_invitation_or_404(own_provider_id(), tender_id)
    tender = invitation.tender
    if request.method == "GET" and not invitation.can_respond(current_user):
        flash(f"The deadline was {format_datetime(tender.closes_at)}: bids can no longer be made.")
        return redirect(_opportunity_url(tender_id))
    homes = queries.offerable_homes(invitation.provider_id, tender.category)
    form, current, carried = _bid_form(invitation, tender, homes)
    # Whatever was typed stays on the page when the bid is refused, late bids included; the
    # files chosen are kept (sealed, the provider's own) and stay attached on the page.
    is_valid = form.validate_on_submit()
    if form.uploads and form.is_submitted() and not _has_errors(form, "attachments", "csrf_token"):
        with refusal_shown_on(form.attachments):
            held = [
                operations.hold_bid_attachment(
                    invitation, upload.stream, filename=upload.filename, by=current_user
                )
                for upload in form.uploads
            ]
            chosen = [*form.kept_documents.data, *(document.id for document in held)]
            _offer_documents(form, carried + held, chosen)
    if is_valid and not form.attachments.errors:
        try:
            # A savepoint: a refusal undoes the bid, not the files just kept for it.
            with db.session.begin_nested():
                version = operations.submit_bid(
                    invitation,
                    care_home_id=int(form.care_home.data),
                    weekly_core_fee=form.weekly_core_fee.amount,
                    extra_hours_per_week=form.extra_hours_per_week.hours,
                    extra_hourly_rate=form.extra_hourly_rate.amount,
                    available_from=form.available_from.data,
                    answers={
                        question.id: form[answer_field_name(question)].data
                        for question in tender.questions
                    },
                    declaration=DECLARATION,
                    by=current_user,
                    attachment_ids=form.kept_documents.data or [],
                )
        except REFUSALS as refusal:
            add_error(form.submit, refusal.message)
        else:
            flash(f"Your bid is submitted. Receipt {version.receipt_reference}.", "success")
            return redirect(
                url_for("tenders.show_receipt", tender_id=tender_id, version_id=version.id)
            )
    return render_template(
        "tenders/submit_bid.html",
        form=form,
        tender=tender,
        invitation=invitation,
        homes=homes,
        current=current,
        now=clock.now(),
    )


@providers_only
def withdraw_bid(tender_id: int):
    invitation = queries.own_invitation_or_404(own_provider_id(), tender_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        with refusal_redirects_to(_opportunity_url(tender_id)):
            operations.withdraw_bid(invitation, by=current_user)
        flash(
            "Your bid is withdrawn. You may bid again until "
            f"{format_datetime(invitation.tender.closes_at)}.",
            "success",
        )
    return redirect(_opportunity_url(tender_id))


@providers_only
def decline_tender(tender_id: int):
    invitation = queries.own_invitation_or_404(own_provider_id(), tender_id)
    if not invitation.can_respond(current_user):
        flash("The tender has closed.")
        return redirect(_opportunity_url(tender_id))
    form = DeclineForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.reason):
            operations.decline_tender(
                invitation,
                reason=DeclineReason[form.reason.data],
                detail=form.detail.data or "",
                by=current_user,
            )
            flash("You have declined this tender. Thank you for telling us why.", "success")
            return redirect(_opportunity_url(tender_id))
    return render_template("tenders/decline_tender.html", form=form, tender=invitation.tender)


@providers_only
def show_receipt(tender_id: int, version_id: int):
    invitation = queries.own_invitation_or_404(own_provider_id(), tender_id)
    if invitation.bid is None:
        abort(404)
    versions = queries.sealed_versions(invitation.bid, current_user)
    version = queries.sealed_version(invitation.bid, version_id, current_user)
    return render_template(
        "tenders/show_receipt.html",
        tender=invitation.tender,
        bid=invitation.bid,
        version=version,
        counts=version.number == versions[-1].number and invitation.bid.is_submitted,
        sha256=operations.sha256_of(version.canonical_content),
        attachments=queries.sealed_attachments(invitation.bid, current_user)[version.id],
    )


@providers_only
def download_receipt_content(tender_id: int, version_id: int):
    """The canonical text itself, byte for byte, to hash with any tool."""
    invitation = queries.own_invitation_or_404(own_provider_id(), tender_id)
    if invitation.bid is None:
        abort(404)
    version = queries.sealed_version(invitation.bid, version_id, current_user)
    return Response(
        version.canonical_content.encode("utf-8"),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{version.receipt_reference}.json"'},
    )


def _hours_text(value) -> str:
    if not value:
        return ""
    return f"{value.normalize():f}"
