from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.core import clock
from dps_portal.core.access import role_required, staff_only
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to
from dps_portal.documents.storage import store_document
from dps_portal.extensions import db
from dps_portal.providers.evidence import operations, queries
from dps_portal.providers.evidence.forms import RenewEvidenceForm
from dps_portal.providers.evidence.rules import EXPIRY_WARNING_DAYS
from dps_portal.providers.models import EvidenceItem, ProviderOrganisation
from dps_portal.providers.queries import own_organisation, own_row_or_404

DOCUMENT_KIND = "evidence"


def _evidence_page(
    template: str, provider: ProviderOrganisation, show: str | None = None, **context
) -> str:
    """A provider's current evidence with each item's expiry tag, for it or for the council;
    `show` one of queries.FILTERS."""
    today = clock.today_uk()
    page = db.paginate(
        queries.current_items_query(provider.id, show, today),
        per_page=queries.PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        template,
        provider=provider,
        items=page.items,
        page=page,
        show=show,
        filters=queries.FILTERS,
        today=today,
        expiry_tag=queries.expiry_tag,
        warning_days=EXPIRY_WARNING_DAYS,
        **context,
    )


@role_required(Role.provider)
def list_evidence():
    organisation = own_organisation()
    show = request.args.get("show")
    return _evidence_page(
        "providers/evidence/list_evidence.html",
        organisation,
        show if show in queries.FILTERS else None,
        can_renew=organisation.can_manage(current_user),
    )


@role_required(Role.provider)
def renew_evidence(evidence_id: int):
    item = own_row_or_404(EvidenceItem, evidence_id)
    if not item.can_renew(current_user):
        abort(403)
    list_url = url_for("evidence.list_evidence")
    if not item.is_current:
        flash(f"This {item.label.lower()} has already been renewed.", "important")
        return redirect(list_url)
    today = clock.today_uk()
    form = RenewEvidenceForm(
        needs_amount=queries.has_amount(item),
        minimum=queries.minimum_for(item),
        label=item.label,
        today=today,
    )
    if form.validate_on_submit():
        upload = form.document.data
        with refusal_redirects_to(list_url):
            document = store_document(
                upload.stream,
                original_filename=upload.filename,
                kind=DOCUMENT_KIND,
                provider_id=item.provider_id,
                uploaded_by=current_user,
                description=f"{item.label} certificate"[:200],
            )
            operations.renew_evidence(
                item,
                document=document,
                expires_on=form.expires_on.data,
                amount=form.amount.amount if form.needs_amount else None,
                by=current_user,
                today=today,
            )
        flash(
            f"Your {item.label.lower()} has been renewed until "
            f"{clock.format_date(form.expires_on.data)}.",
            "success",
        )
        return redirect(list_url)
    return render_template(
        "providers/evidence/renew_evidence.html",
        form=form,
        item=item,
        tag=queries.expiry_tag(item, today),
    )


@staff_only
def provider_evidence(provider_id: int):
    return _evidence_page(
        "providers/evidence/provider_evidence.html",
        db.get_or_404(ProviderOrganisation, provider_id),
        can_renew=False,
    )
