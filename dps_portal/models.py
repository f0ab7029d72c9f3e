"""Every model, imported in one place so Alembic and the mappers see the whole schema."""

from dps_portal.accounts.models import LoginFailure, User, UserToken
from dps_portal.audit.models import AuditChainHead, AuditEvent
from dps_portal.cqc.models import CqcLocation, CqcRatingChange
from dps_portal.documents.models import StoredDocument
from dps_portal.framework.models import CareSetting, Category, District, Framework
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.onboarding.models import (
    Admission,
    AdmittedHome,
    Answer,
    Application,
    ApplicationCategory,
    ApplicationHome,
    ClarificationRequest,
    DeclarationRequest,
    QuestionSet,
    SectionReview,
)
from dps_portal.providers.models import CareHome, EvidenceItem, ProviderOrganisation
from dps_portal.rates.models import RateCardEntry
from dps_portal.scheduler.models import JobRun

__all__ = [
    "Admission",
    "AdmittedHome",
    "Answer",
    "Application",
    "ApplicationCategory",
    "ApplicationHome",
    "AuditChainHead",
    "AuditEvent",
    "CareHome",
    "CareSetting",
    "Category",
    "ClarificationRequest",
    "CqcLocation",
    "CqcRatingChange",
    "DeclarationRequest",
    "District",
    "EvidenceItem",
    "Framework",
    "JobRun",
    "LoginFailure",
    "Notification",
    "OutboxEmail",
    "ProviderOrganisation",
    "QuestionSet",
    "RateCardEntry",
    "SectionReview",
    "StoredDocument",
    "User",
    "UserToken",
]
