"""Every model, imported in one place so Alembic and the mappers see the whole schema."""

from dps_portal.accounts.models import LoginFailure, User, UserToken
from dps_portal.audit.models import AuditChainHead, AuditEvent
from dps_portal.documents.models import StoredDocument
from dps_portal.framework.models import CareSetting, Category, District, Framework
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.scheduler.models import JobRun

__all__ = [
    "AuditChainHead",
    "AuditEvent",
    "CareHome",
    "CareSetting",
    "Category",
    "District",
    "Framework",
    "JobRun",
    "LoginFailure",
    "Notification",
    "OutboxEmail",
    "ProviderOrganisation",
    "StoredDocument",
    "User",
    "UserToken",
]
