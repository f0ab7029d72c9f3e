"""The framework summary: the framework with every provider's homes, for the PDF staff hand out."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from dps_portal.extensions import db
from dps_portal.framework.models import Framework
from dps_portal.providers.models import CareHome, ProviderOrganisation


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
