"""The demo's network life: a meeting held two weeks ago with its decisions (one case published),
a coming one with a situation on its agenda and its participants, a training and a newsletter.
Running it twice adds nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.network.meeting_models import (
    ActivityKind,
    AgendaItem,
    Consent,
    Meeting,
    MeetingKind,
    MeetingParticipant,
    NetworkActivity,
)
from callbacks.network.partner_demo import DEMO_EMAILS
from callbacks.network.partner_models import Partner
from hotline.models import Helpline, Professional, Request, RequestStatus, User
from hotline.services import next_reference

# (summary, decision, orientation codes, free orientations, published)
HELD = [
    (
        "Homme de 52 ans, sans couverture maladie, diabète déséquilibré, hébergé chez un tiers. "
        "Le médecin demande comment assurer le suivi sans droits ouverts.",
        "Ouverture des droits AME par l'assistante sociale de la PASS ; consultation PASS d'ici "
        "là ; relais vers le médecin traitant une fois les droits ouverts.",
        "pass,rights",
        "",
        True,
    ),
    (
        "Femme de 30 ans, enceinte de 5 mois, allophone (dari), sans suivi de grossesse, "
        "à la rue depuis trois semaines.",
        "Orientation PMI pour le suivi de grossesse avec interprète ; demande d'hébergement au "
        "115 appuyée par le réseau.",
        "social_service",
        "PMI avec interprète professionnel",
        False,
    ),
]
COMING = (
    "Homme de 67 ans, isolé, troubles de la mémoire, ne se présente plus à ses rendez-vous de "
    "médecine de ville."
)


def _complex_situation(
    session: Session, helpline: Helpline, professional: Professional | None, opened_at: datetime
) -> Request:
    zone = ZoneInfo(helpline.timezone)
    request = Request(
        reference=next_reference(session, opened_at.astimezone(zone).year),
        helpline_id=helpline.id,
        professional_id=professional.id if professional else None,
        channel="phone",
        status=RequestStatus.CLOSED,
        category="complex_situation",
        outcome="intervision",
        opened_at=opened_at,
        closed_at=opened_at + timedelta(minutes=20),
    )
    session.add(request)
    session.flush()
    return request


def seed_meetings(session: Session, helpline: Helpline, now: datetime) -> None:
    """A past meeting with decisions, a coming one with its agenda, and activities."""
    if session.scalars(select(Meeting).where(Meeting.helpline_id == helpline.id)).first():
        return
    coordinator = (
        session.scalars(
            select(User).where(User.roles.contains("coordinator")).order_by(User.id)
        ).first()
        or session.scalars(select(User).order_by(User.id)).one()
    )
    nurse = (
        session.scalars(select(User).where(User.roles.contains("nurse")).order_by(User.id)).first()
        or coordinator
    )
    professional = session.scalars(select(Professional).order_by(Professional.id)).first()
    zone = ZoneInfo(helpline.timezone)
    today = now.astimezone(zone).date()

    def at(day: date) -> datetime:
        return datetime.combine(day, time(14, 0), zone)

    held = Meeting(
        helpline_id=helpline.id,
        kind=MeetingKind.INTERVISION,
        starts_at=at(today - timedelta(days=14)),
        place="CHU – salle de réunion du réseau",
        created_by=coordinator.id,
        created_at=now - timedelta(days=30),
        agenda_sent_at=now - timedelta(days=21),
    )
    coming = Meeting(
        helpline_id=helpline.id,
        kind=MeetingKind.RCP,
        starts_at=at(today + timedelta(days=10)),
        video_url="https://visio.example.org/rcp-reseau",
        created_by=coordinator.id,
        created_at=now,
    )
    session.add_all([held, coming])
    session.flush()
    # Partners of the network take part (their addresses receive the agenda).
    invited = session.scalars(
        select(Partner).where(Partner.name.in_(DEMO_EMAILS)).order_by(Partner.name)
    ).all()
    for meeting in (held, coming):
        session.add_all(
            [
                MeetingParticipant(
                    meeting_id=meeting.id,
                    user_id=nurse.id,
                    name=nurse.display_name,
                    email=nurse.email,
                ),
                *(
                    MeetingParticipant(
                        meeting_id=meeting.id,
                        partner_id=partner.id,
                        name=partner.name,
                        email=partner.email,
                    )
                    for partner in invited
                ),
                MeetingParticipant(
                    meeting_id=meeting.id,
                    name="Service social de la mairie",
                    email="social@mairie.example.org",
                ),
            ]
        )
    for summary, decision, codes, free, published in HELD:
        request = _complex_situation(session, helpline, professional, now - timedelta(days=25))
        _consent(session, request, nurse, today - timedelta(days=24))
        decided = now - timedelta(days=14)
        session.add(
            AgendaItem(
                meeting_id=held.id,
                request_id=request.id,
                summary=summary,
                proposed_by=nurse.id,
                proposed_at=now - timedelta(days=22),
                decision=decision,
                orientation_codes=codes,
                orientations=free or None,
                decided_at=decided,
                decided_by=coordinator.id,
                published_at=decided if published else None,
                published_by=coordinator.id if published else None,
            )
        )
    request = _complex_situation(session, helpline, professional, now - timedelta(days=3))
    _consent(session, request, nurse, today - timedelta(days=3))
    session.add(
        AgendaItem(
            meeting_id=coming.id,
            request_id=request.id,
            summary=COMING,
            proposed_by=nurse.id,
            proposed_at=now - timedelta(days=2),
        )
    )
    session.add_all(
        [
            NetworkActivity(
                helpline_id=helpline.id,
                kind=ActivityKind.TRAINING,
                held_on=today - timedelta(days=20),
                theme="Formation flash : l'aide médicale de l'État",
                count=14,
                created_by=coordinator.id,
            ),
            NetworkActivity(
                helpline_id=helpline.id,
                kind=ActivityKind.NEWSLETTER,
                held_on=today - timedelta(days=28),
                theme="Lettre du réseau",
                count=230,
                created_by=coordinator.id,
            ),
        ]
    )
    session.flush()


def _consent(session: Session, request: Request, nurse: User, on: date) -> None:
    session.add(
        Consent(
            request_id=request.id,
            is_given=True,
            given_to="Dr Martin, médecin demandeur",
            given_on=on,
            recorded_by=nurse.id,
        )
    )
