"""A moderated mini-tender for the award tests, built directly: bids through the tender
operations, then evaluation rows (compliance, moderated scores, the person's choice) as the
evaluation would leave them."""

from datetime import timedelta
from decimal import Decimal

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.tenders import operations
from dps_portal.tenders.models import (
    BidEvaluation,
    ModeratedScore,
    PersonChoice,
    QualityScore,
    ScoreSheet,
    TenderState,
)
from tests.factories import make_user
from tests.tenders.factories import Market, bid_values, invitation_of, make_published_tender


class Moderated:
    """A tender moderated with one bid per (fee, scores) given, by bidders of a market of
    `bidders + extra_invitees` providers; `chosen` (0-based, in the order given) is the bid
    the person accepted. Scores are per question, in the questions' order."""

    def __init__(
        self,
        bids=((Decimal("1000.00"), (4, 4, 4)), (Decimal("900.00"), (3, 3, 3))),
        *,
        chosen: int = 0,
        extra_invitees: int = 1,
        standstill_working_days: int = 0,
        compliant=None,
    ):
        self.market = Market(providers=len(bids) + extra_invitees)
        self.officer = make_user(Role.contracts_officer, full_name="Olive Officer")
        self.second_officer = make_user(Role.contracts_officer, full_name="Sam Second")
        self.tender = make_published_tender("MH", officer=self.officer)
        self.tender.standstill_working_days = standstill_working_days
        questions = self.tender.questions
        self.versions = []
        for index, (fee, _scores) in enumerate(bids):
            home, user = self.market.homes[index], self.market.users[index]
            invitation = invitation_of(self.tender, home.provider)
            self.versions.append(
                operations.submit_bid(
                    invitation,
                    **bid_values(
                        self.tender,
                        home,
                        weekly_core_fee=fee,
                        extra_hours_per_week=Decimal("0"),
                        extra_hourly_rate=Decimal("0"),
                    ),
                    by=user,
                )
            )
        # The deadline passes (moved a minute into the past); opened, evaluated, moderated.
        now = clock.now()
        self.tender.closes_at = now - timedelta(minutes=1)
        self.tender.clarifications_close_at = min(
            self.tender.clarifications_close_at, self.tender.closes_at
        )
        self.tender.state = TenderState.moderated
        self.tender.opened_at = now
        self.tender.opened_by_id = self.officer.id
        self.tender.evaluation_started_at = now
        self.tender.moderated_at = now
        self.tender.moderated_by_id = self.officer.id
        sheet = ScoreSheet(tender_id=self.tender.id, evaluator_id=self.officer.id, submitted_at=now)
        db.session.add(sheet)
        self.evaluations = []
        for index, ((_fee, scores), version) in enumerate(zip(bids, self.versions, strict=True)):
            is_compliant = True if compliant is None else compliant[index]
            evaluation = BidEvaluation(
                tender_id=self.tender.id,
                bid_id=version.bid_id,
                bid_version_id=version.id,
                blind_label=f"Bid {'ABCDEFG'[index]}",
                is_compliant=is_compliant,
                compliance_reason="" if is_compliant else "The home cannot meet the needs",
                compliance_at=now,
                compliance_by_id=self.officer.id,
            )
            db.session.add(evaluation)
            db.session.flush()
            self.evaluations.append(evaluation)
            if not is_compliant:
                continue
            for question, score in zip(questions, scores, strict=True):
                db.session.add(
                    ModeratedScore(
                        tender_id=self.tender.id,
                        bid_evaluation_id=evaluation.id,
                        question_id=question.id,
                        score=score,
                        rationale=f"Rationale {evaluation.blind_label} Q{question.position}",
                        moderated_by_id=self.officer.id,
                        moderated_at=now,
                    )
                )
                db.session.add(
                    QualityScore(
                        sheet=sheet,
                        bid_evaluation_id=evaluation.id,
                        question_id=question.id,
                        score=score,
                        reason=f"Evaluator reason {evaluation.blind_label} Q{question.position}",
                    )
                )
        db.session.add(
            PersonChoice(
                tender_id=self.tender.id,
                bid_evaluation_id=self.evaluations[chosen].id,
                is_accepted=True,
                recorded_by_id=self.officer.id,
                recorded_at=now,
            )
        )
        db.session.flush()

    @property
    def winner(self) -> BidEvaluation:
        from dps_portal.tenders.award.queries import accepted_choice

        return accepted_choice(self.tender).evaluation

    def provider(self, index: int):
        return self.market.homes[index].provider

    def user(self, index: int):
        return self.market.users[index]
