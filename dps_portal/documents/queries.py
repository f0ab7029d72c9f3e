"""Reads for the documents pages and the framework summary."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db
from dps_portal.framework.models import Framework
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.providers.queries import own_rows


def own_documents() -> list[StoredDocument]:
    """The signed-in provider user's organisation's documents, newest first."""
    return db.session.scalars(
        own_rows(StoredDocument)
        .options(joinedload(StoredDocument.uploaded_by))
        .order_by(StoredDocument.created_at.desc(), StoredDocument.id.desc())
    ).all()


@dataclass(frozen=True)
class FrameworkSummary:
    framework: Framework
    provider_count: int
    homes: list[CareHome]

    @property
    def home_count(self) -> int:
        return len(self.homes)

    @property
    def bed_count(self) -> int:
        return sum(home.registered_beds for home in self.homes)


def framework_summary(framework: Framework) -> FrameworkSummary:
    homes = db.session.scalars(
        select(CareHome)
        .join(CareHome.provider)
        .options(
            joinedload(CareHome.provider),
            joinedload(CareHome.district),
            joinedload(CareHome.setting),
        )
        .order_by(ProviderOrganisation.legal_name, CareHome.name, CareHome.id)
    ).all()
    providers = db.session.scalar(select(func.count(ProviderOrganisation.id)))
    return FrameworkSummary(framework=framework, provider_count=providers, homes=list(homes))
