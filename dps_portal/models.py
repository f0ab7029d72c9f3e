"""Every model, imported in one place so Alembic and the mappers see the whole schema."""

from dps_portal.accounts.models import LoginFailure, RequestedEmail, User, UserToken
from dps_portal.audit.models import AuditChainHead, AuditEvent
from dps_portal.awards.models import DirectAward, DirectAwardListing, DirectAwardOffer
from dps_portal.contracts.models import Suspension, TermsAcceptance, TermsVersion
from dps_portal.cqc.models import CqcImport, CqcLocation, CqcRatingChange, CqcRatingReport
from dps_portal.declarations.models import DeclarationRequest
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
    QuestionSet,
    SectionReview,
)
from dps_portal.placements.models import Placement, PlacementCost, PlacementReview
from dps_portal.providers.models import CareHome, EvidenceItem, ProviderOrganisation
from dps_portal.quality.models import (
    ActionResponse,
    QualityReturn,
    ReturnForm,
    Visit,
    VisitAction,
    VisitAddendum,
    VisitSection,
    VisitTemplate,
)
from dps_portal.rates.models import RateCardEntry, Uplift
from dps_portal.scheduler.models import JobRun
from dps_portal.tenders.models import (
    Bid,
    BidAttachment,
    BidEvaluation,
    BidVersion,
    ModeratedScore,
    PersonChoice,
    QualityScore,
    ScoreSheet,
    Tender,
    TenderAttachment,
    TenderAward,
    TenderClarification,
    TenderInvitation,
    TenderInvitedHome,
    TenderQuestion,
)
from dps_portal.vacancies.models import Vacancy

__all__ = [
    "ActionResponse",
    "Admission",
    "AdmittedHome",
    "Answer",
    "Application",
    "ApplicationCategory",
    "ApplicationHome",
    "AuditChainHead",
    "AuditEvent",
    "Bid",
    "BidAttachment",
    "BidEvaluation",
    "BidVersion",
    "CareHome",
    "CareSetting",
    "Category",
    "ClarificationRequest",
    "CqcImport",
    "CqcLocation",
    "CqcRatingChange",
    "CqcRatingReport",
    "DeclarationRequest",
    "DirectAward",
    "DirectAwardListing",
    "DirectAwardOffer",
    "District",
    "EvidenceItem",
    "Framework",
    "JobRun",
    "LoginFailure",
    "ModeratedScore",
    "Notification",
    "OutboxEmail",
    "PersonChoice",
    "Placement",
    "PlacementCost",
    "PlacementReview",
    "ProviderOrganisation",
    "QualityReturn",
    "QualityScore",
    "QuestionSet",
    "RateCardEntry",
    "RequestedEmail",
    "ReturnForm",
    "ScoreSheet",
    "SectionReview",
    "StoredDocument",
    "Suspension",
    "Tender",
    "TenderAttachment",
    "TenderAward",
    "TenderClarification",
    "TenderInvitation",
    "TenderInvitedHome",
    "TenderQuestion",
    "TermsAcceptance",
    "TermsVersion",
    "Uplift",
    "User",
    "UserToken",
    "Vacancy",
    "Visit",
    "VisitAction",
    "VisitAddendum",
    "VisitSection",
    "VisitTemplate",
]
