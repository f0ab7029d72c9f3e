"""Asking an admitted provider to confirm its self-declaration again, and its confirming.
Operations flush; the request commits."""

from dps_portal.accounts.models import User
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import fields_of, record_created, record_event
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import lock
from dps_portal.core.workingdays import add_working_days
from dps_portal.declarations import queries
from dps_portal.declarations.models import DeclarationRequest
from dps_portal.framework.models import Framework
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisation, tell_role
from dps_portal.onboarding.admissions import admissions_of
from dps_portal.onboarding.questions import Question
from dps_portal.providers.models import ProviderOrganisation


def request_declaration(
    provider: ProviderOrganisation, *, message: str, framework: Framework, by: User
) -> DeclarationRequest:
    """Ask an admitted provider to confirm its self-declaration again, within the
    configured number of working days."""
    if not admissions_of(provider):
        raise OperationRefused(
            f"{provider.display_name} is not admitted to any category: only an admitted "
            "provider can be asked to confirm its declaration"
        )
    already = queries.open_declaration(provider)
    if already is not None:
        raise OperationRefused(
            f"{provider.display_name} has not yet answered the request sent on "
            f"{clock.format_date(already.requested_at)}: it is due by "
            f"{clock.format_date(already.due_on)}"
        )
    declaration = DeclarationRequest(
        provider_id=provider.id,
        message=message.strip(),
        requested_by_id=by.id,
        requested_at=clock.now(),
        due_on=add_working_days(clock.today_uk(), framework.declaration_working_days),
    )
    record_created(
        declaration,
        AuditAction.declaration_requested,
        by=by,
        after=fields_of(declaration, "provider_id", "due_on", "message"),
    )
    tell_organisation(
        provider,
        f"Confirm your self-declaration by {clock.format_date(declaration.due_on)}",
        declaration.message,
        portal_path("declarations.confirm_declaration", declaration_id=declaration.id),
        template="onboarding/declaration_requested",
        declaration=declaration,
    )
    return declaration


def confirm_declaration(
    declaration: DeclarationRequest,
    answers: dict[str, str],
    *,
    questions: list[Question],
    by: User,
) -> list[Question]:
    """Keep the provider's renewed declaration; officers are told of any exclusion ground
    it declares. Answers the exclusion questions answered "yes"."""
    lock(declaration)
    if not declaration.is_open:
        raise OperationRefused(
            "This declaration was already confirmed on "
            f"{clock.format_date(declaration.confirmed_at)}"
        )
    declaration.answers = dict(answers)
    declaration.confirmed_at = clock.now()
    declaration.confirmed_by_id = by.id
    record_event(
        AuditAction.declaration_confirmed,
        actor=by,
        subject=declaration,
        after={"answers": declaration.answers},
    )
    declared = [q for q in questions if q.exclusion and answers.get(q.key) == "yes"]
    if declared:
        provider = declaration.provider
        tell_role(
            Role.contracts_officer,
            f"{provider.display_name} declared an exclusion ground",
            "Their renewed self-declaration answers yes to: " + "; ".join(q.text for q in declared),
            portal_path("declarations.request_declaration", provider_id=provider.id),
            template="onboarding/declaration_answered",
            provider=provider,
            declaration=declaration,
        )
    return declared
