"""Publishing terms and conditions and a provider's signed acceptance, with its Provider
Agreement PDF. Operations flush; the request commits."""

from datetime import date

from dps_portal.accounts.models import User
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import fields_of, record_created, record_event
from dps_portal.contracts.models import TermsAcceptance, TermsVersion
from dps_portal.contracts.terms import queries
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import lock
from dps_portal.documents.pdf import store_pdf
from dps_portal.extensions import db
from dps_portal.framework.models import Framework
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisation, tell_role
from dps_portal.providers.models import ProviderOrganisation

AGREEMENT_KIND = "provider_agreement"


def publish_terms(
    framework: Framework,
    *,
    title: str,
    summary: str,
    body: str,
    effective_on: date,
    accept_by: date,
    by: User,
) -> TermsVersion:
    """Publish the next version and tell every admitted provider by when to accept it."""
    if accept_by < effective_on:
        raise OperationRefused("The accept-by date must be the same as or after the effective date")
    latest = queries.newest_version(framework.id)
    if latest is not None and effective_on < latest.effective_on:
        raise OperationRefused(
            f"The effective date must be the same as or after "
            f"{clock.format_date(latest.effective_on)}, when v{latest.version} takes effect"
        )
    terms = TermsVersion(
        framework_id=framework.id,
        version=queries.next_version_number(framework),
        title=title.strip(),
        summary=summary.strip(),
        body=body.strip(),
        effective_on=effective_on,
        accept_by=accept_by,
        published_at=clock.now(),
        published_by_id=by.id,
    )
    record_created(
        terms,
        AuditAction.terms_published,
        by=by,
        after=fields_of(terms, "version", "title", "effective_on", "accept_by"),
    )
    _tell_admitted_providers(terms)
    return terms


def _tell_admitted_providers(terms: TermsVersion) -> None:
    """The accept-by date is for providers that accepted an earlier version (it ends their
    grace); one that has accepted none is told its homes wait for its acceptance."""
    effective_on = clock.format_date(terms.effective_on)
    accept_by = clock.format_date(terms.accept_by)
    dated = (
        f"New {terms.label}: accept them by {accept_by}",
        f"{terms.title} take effect on {effective_on}. Your organisation's authorised "
        f"signatory must accept them by {accept_by}, or your homes cannot receive new "
        "placements after that date.",
    )
    undated = (
        f"New {terms.label}: accept them so your homes can receive placements",
        f"{terms.title} take effect on {effective_on}. Your homes cannot receive new "
        "placements until your organisation's authorised signatory accepts them.",
    )
    what_changed = f" What has changed: {terms.summary}" if terms.summary else ""
    bound = queries.providers_that_accepted_any(terms.framework_id)
    for provider in queries.admitted_providers(terms.framework_id):
        title, body = dated if provider.id in bound else undated
        tell_organisation(
            provider,
            title,
            body + what_changed,
            portal_path("terms.show_terms"),
            dedupe=f"terms-published:{terms.id}",
        )


def accept_terms(
    provider: ProviderOrganisation,
    terms: TermsVersion,
    *,
    by: User,
    signatory_name: str,
    signatory_role: str,
    ip_address: str,
) -> TermsAcceptance:
    """The authorised signatory accepts `terms` for the organisation: recorded with name, time
    and IP address, and the signed Provider Agreement PDF is kept for the organisation."""
    if not provider.can_accept_terms(by):
        if not by.is_provider_user or by.provider_id != provider.id:
            raise OperationRefused("Only a user of the organisation can accept its terms")
        raise OperationRefused(
            f"Only a user who manages {provider.display_name} can accept terms for it"
        )
    # One signatory at a time: the second sees the first's acceptance.
    lock(provider)
    earlier = queries.acceptance_of(provider, terms)
    if earlier is not None:
        raise OperationRefused(
            f"{provider.display_name} has already accepted {terms.label}: "
            f"{earlier.signatory_name} accepted them on {clock.format_date(earlier.accepted_at)}"
        )
    if not signatory_name.strip():
        raise OperationRefused("Enter your full name")
    now = clock.now()
    acceptance = TermsAcceptance(
        terms_version_id=terms.id,
        provider_id=provider.id,
        accepted_by_id=by.id,
        signatory_name=signatory_name.strip(),
        signatory_role=signatory_role.strip(),
        accepted_at=now,
        ip_address=ip_address or "",
    )
    db.session.add(acceptance)
    db.session.flush()
    document = store_pdf(
        "documents/provider_agreement.html",
        filename=f"Provider Agreement {provider.display_name} v{terms.version}.pdf",
        kind=AGREEMENT_KIND,
        provider_id=provider.id,
        by=by,
        agreement=queries.agreement(acceptance, clock.to_uk(now).date()),
    )
    acceptance.agreement_document_id = document.id
    record_event(
        AuditAction.terms_accepted,
        actor=by,
        subject=acceptance,
        after={
            "provider_id": provider.id,
            "version": terms.version,
            "signatory_name": acceptance.signatory_name,
            "signatory_role": acceptance.signatory_role,
            "accepted_at": now.isoformat(),
            "ip_address": acceptance.ip_address,
            "agreement_document_id": document.id,
        },
    )
    _tell_of_acceptance(provider, terms, acceptance)
    return acceptance


def _tell_of_acceptance(
    provider: ProviderOrganisation, terms: TermsVersion, acceptance: TermsAcceptance
) -> None:
    when = clock.format_datetime(acceptance.accepted_at)
    dedupe = f"terms-accepted:{acceptance.id}"
    tell_organisation(
        provider,
        f"Your organisation has accepted {terms.label}",
        f"{acceptance.signatory_name} accepted them for {provider.display_name} on {when}. "
        "The signed Provider Agreement is in your documents.",
        portal_path("terms.show_terms"),
        dedupe=dedupe,
    )
    tell_role(
        Role.contracts_officer,
        f"{provider.display_name} has accepted {terms.label}",
        f"{acceptance.signatory_name} ({acceptance.signatory_role or 'no role given'}) "
        f"accepted them on {when}.",
        portal_path("terms.show_version", terms_version_id=terms.id),
        dedupe=dedupe,
    )
