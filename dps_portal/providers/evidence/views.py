from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from dps_portal.core import clock
from dps_portal.core.access import role_required, staff_only
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.documents.storage import DocumentRefused, store_document
from dps_portal.extensions import db
from dps_portal.providers.evidence import operations, queries
from dps_portal.providers.evidence.forms import RenewEvidenceForm
from dps_portal.providers.models import EvidenceItem, ProviderOrganisation
from dps_portal.providers.queries import own_organisation, own_row_or_404

DOCUMENT_KIND = "evidence"


@role_required(Role.provider)
def list_evidence():
    organisation = own_organisation()
    return render_template(
        "providers/evidence/list_evidence.html",
        organisation=organisation,
        items=queries.current_items(organisation.id),
        today=clock.today_uk(),
        expiry_tag=queries.expiry_tag,
        can_renew=current_user.can_manage_organisation,
    )


@role_required(Role.provider)
def renew_evidence(evidence_id: int):
    if not current_user.can_manage_organisation:
        abort(403)
    item = own_row_or_404(EvidenceItem, evidence_id)
    if item.replaced_at is not None:
        flash(f"This {item.label.lower()} has already been renewed.", "important")
        return redirect(url_for("evidence.list_evidence"))
    today = clock.today_uk()
    form = RenewEvidenceForm(
        needs_amount=queries.has_amount(item),
        minimum=queries.minimum_for(item),
        label=item.label,
        today=today,
    )
    if form.validate_on_submit():
        upload = form.document.data
        try:
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
        except (DocumentRefused, OperationRefused) as refusal:
            db.session.rollback()
            flash(str(refusal), "important")
            return redirect(url_for("evidence.list_evidence"))
        db.session.commit()
        flash(
            f"Your {item.label.lower()} has been renewed until "
            f"{clock.format_date(form.expires_on.data)}.",
            "success",
        )
        return redirect(url_for("evidence.list_evidence"))
    return render_template(
        "providers/evidence/renew_evidence.html",
        form=form,
        item=item,
        tag=queries.expiry_tag(item, today),
    )


@staff_only
def provider_evidence(provider_id: int):
    provider = db.get_or_404(ProviderOrganisation, provider_id)
    return render_template(
        "providers/evidence/provider_evidence.html",
        provider=provider,
        items=queries.current_items(provider.id),
        today=clock.today_uk(),
        expiry_tag=queries.expiry_tag,
    )
