"""Concertation meetings: record the patient's consent, put a complex situation on an agenda,
record the meeting's decision (its follow-up date becomes a follow-up callback), publish the
anonymised case. Services: they flush, never commit, and refuse with a ``Refusal``."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from callbacks.network.meeting_models import (
    ActivityKind,
    AgendaItem,
    AgendaOrientationPartner,
    Consent,
    Meeting,
    MeetingKind,
    NetworkActivity,
)
from callbacks.network.partner_models import Partner
from callbacks.services import pending_callback
from hotline import anonymity, hooks
from hotline.hooks import CallbackReason
from hotline.models import Request, User
from hotline.refusals import N_, Refusal
from hotline.services import log_event

logger = logging.getLogger(__name__)

COMPLEX_SITUATION = "complex_situation"
SUMMARY_MAX = 4000
TEXT_MAX = 4000
# A follow-up callback is due at this hour of the helpline's day.
FOLLOW_UP_HOUR = time(9, 0)


def clean_text(text: str, maximum: int) -> str:
    """A typed text trimmed; refused when too long or holding control characters."""
    text = text.strip()
    if len(text) > maximum:
        raise Refusal(N_("Texte trop long ({maximum} caractères au plus)."), maximum=maximum)
    if any(ord(char) < 32 and char not in "\t\r\n" for char in text):
        raise Refusal(N_("Caractères de contrôle refusés (octet nul…) : retirez-les et réessayez."))
    return text


def consent_of(session: Session, request: Request) -> Consent | None:
    """The patient's recorded answer for this request, if any."""
    return session.scalars(select(Consent).where(Consent.request_id == request.id)).first()


def record_consent(
    session: Session,
    request: Request,
    nurse: User,
    *,
    is_given: bool,
    given_to: str,
    given_on: date,
    now: datetime,
    tz: ZoneInfo,
) -> Consent:
    """The nurse records the patient's answer (given or refused), to whom and when."""
    given_to = clean_text(given_to, 200)
    if not given_to:
        raise Refusal(N_("Dites à qui le patient a répondu (le professionnel ou l'infirmière)."))
    if given_on > now.astimezone(tz).date():
        raise Refusal(N_("La date du consentement ne peut pas être dans le futur."))
    consent = consent_of(session, request)
    if consent is None:
        consent = Consent(request_id=request.id)
        session.add(consent)
    consent.is_given, consent.given_to, consent.given_on = is_given, given_to, given_on
    consent.recorded_by, consent.recorded_at = nurse.id, now
    session.flush()
    log_event(
        session, request, "consent_recorded", now,
        detail={"given": is_given, "on": given_on.isoformat(), "by": nurse.id},
    )  # fmt: skip
    return consent


def coming_meetings(session: Session, helpline_id: int, now: datetime) -> list[Meeting]:
    """The helpline's meetings still to come, soonest first."""
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.helpline_id == helpline_id, Meeting.starts_at >= now)
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def create_meeting(
    session: Session,
    helpline_id: int,
    coordinator: User,
    *,
    kind: str,
    starts_at: datetime,
    place: str,
    video_url: str,
    now: datetime,
) -> Meeting:
    """A meeting on the calendar (a place, a video link, or both)."""
    try:
        coded = MeetingKind(kind)
    except ValueError:
        raise Refusal(N_("Type de réunion inconnu.")) from None
    place, video_url = clean_text(place, 200), clean_text(video_url, 500)
    if not place and not video_url:
        raise Refusal(N_("Donnez un lieu ou un lien de visioconférence."))
    if video_url and not video_url.startswith(("https://", "http://")):
        raise Refusal(N_("Le lien de visioconférence doit commencer par https://."))
    meeting = Meeting(
        helpline_id=helpline_id, kind=coded, starts_at=starts_at, place=place or None,
        video_url=video_url or None, created_by=coordinator.id, created_at=now,
    )  # fmt: skip
    session.add(meeting)
    session.flush()
    return meeting


def put_on_agenda(
    session: Session,
    meeting: Meeting,
    request: Request,
    proposer: User,
    summary: str,
    now: datetime,
) -> AgendaItem:
    """Put a complex situation on the meeting's agenda, presented by an anonymised summary.

    Refused unless the request is of the "complex situation" category, the patient's consent is
    recorded and given, the meeting is still to come, and the summary holds no identity
    (``anonymity.IdentityRefusal``, which says what was found).
    """
    if request.category != COMPLEX_SITUATION:
        raise Refusal(
            N_("Seule une demande de catégorie « situation complexe » va à l'ordre du jour.")
        )
    consent = consent_of(session, request)
    if consent is None:
        raise Refusal(
            N_("Le consentement du patient n'est pas enregistré : demandez-le avant de présenter "
               "la situation.")
        )  # fmt: skip
    if not consent.is_given:
        raise Refusal(N_("Le patient a refusé que sa situation soit présentée : elle ne peut pas "
                         "être mise à l'ordre du jour."))  # fmt: skip
    if meeting.starts_at < now:
        raise Refusal(N_("Cette réunion a déjà eu lieu."))
    summary = clean_text(summary, SUMMARY_MAX)
    if not summary:
        raise Refusal(N_("Écrivez le résumé anonymisé de la situation."))
    anonymity.check(summary)
    item = session.scalars(
        select(AgendaItem).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.request_id == request.id
        )
    ).first()
    if item is None:
        item = AgendaItem(meeting_id=meeting.id, request_id=request.id, proposed_by=proposer.id)
        session.add(item)
    item.summary, item.proposed_at = summary, now
    session.flush()
    log_event(
        session, request, "put_on_agenda", now,
        detail={"meeting_id": meeting.id, "meeting_at": meeting.starts_at.isoformat(),
                "by": proposer.id},
        dedupe_key=f"agenda:{item.id}:{now.isoformat()}",
    )  # fmt: skip
    return item


def record_decision(
    session: Session,
    item: AgendaItem,
    request: Request,
    coordinator: User,
    *,
    decision: str,
    orientation_codes: list[str],
    orientations: str,
    follow_up_on: date | None,
    now: datetime,
    tz: ZoneInfo,
    partner_ids: Sequence[int] = (),
) -> AgendaItem:
    """After the meeting: its decision and proposed orientations (codes of the helpline's list,
    partners of the network, free text); a follow-up date asks for a follow-up callback of the
    referring professional that day."""
    meeting = session.get(Meeting, item.meeting_id)
    if meeting is not None and meeting.starts_at > now:
        raise Refusal(N_("La décision s'enregistre après la réunion."))
    decision, orientations = clean_text(decision, TEXT_MAX), clean_text(orientations, TEXT_MAX)
    if not decision:
        raise Refusal(N_("Écrivez la décision de la réunion."))
    anonymity.check(f"{decision}\n{orientations}")
    if follow_up_on is not None and follow_up_on <= now.astimezone(tz).date():
        raise Refusal(N_("La date de suivi doit être dans le futur."))
    chosen = _orientation_partners(session, item, partner_ids)
    item.decision, item.orientations = decision, orientations or None
    session.execute(
        delete(AgendaOrientationPartner).where(AgendaOrientationPartner.agenda_item_id == item.id)
    )
    session.add_all(
        AgendaOrientationPartner(agenda_item_id=item.id, partner_id=partner.id)
        for partner in chosen
    )
    item.orientation_codes = ",".join(orientation_codes) or None
    item.decided_at, item.decided_by = now, coordinator.id
    if follow_up_on is not None and follow_up_on != item.follow_up_on:
        item.follow_up_on = follow_up_on
        hooks.want_callback(
            session, request, CallbackReason.FOLLOW_UP,
            datetime.combine(follow_up_on, FOLLOW_UP_HOUR, tzinfo=tz), now,
        )  # fmt: skip
        task = pending_callback(session, request)
        item.follow_up_callback_id = task.id if task is not None else None
    session.flush()
    log_event(
        session, request, "meeting_decision", now,
        detail={"meeting_id": item.meeting_id, "follow_up_on": follow_up_on and str(follow_up_on),
                "meeting_at": meeting.starts_at.isoformat() if meeting else None,
                "by": coordinator.id},
    )  # fmt: skip
    return item


def _orientation_partners(
    session: Session, item: AgendaItem, partner_ids: Sequence[int]
) -> list[Partner]:
    """The partners a decision names: active ones, or those it named already (kept when they
    left the network since)."""
    wanted = list(dict.fromkeys(partner_ids))
    if not wanted:
        return []
    named = set(proposed_partner_ids(session, item.id))
    found = {p.id: p for p in session.scalars(select(Partner).where(Partner.id.in_(wanted)))}
    if any(pid not in found or not (found[pid].is_active or pid in named) for pid in wanted):
        raise Refusal(N_("Choisissez les partenaires proposés parmi les partenaires actifs."))
    return [found[pid] for pid in wanted]


def proposed_partner_ids(session: Session, item_id: int) -> list[int]:
    """The ids of the partners a decision proposed."""
    return list(
        session.scalars(
            select(AgendaOrientationPartner.partner_id).where(
                AgendaOrientationPartner.agenda_item_id == item_id
            )
        )
    )


def proposed_partners(session: Session, item_ids: Iterable[int]) -> dict[int, list[Partner]]:
    """The partners each decision proposed, by agenda item, by name (one query)."""
    ids = list(item_ids)
    found: dict[int, list[Partner]] = {item_id: [] for item_id in ids}
    if not ids:
        return found
    rows = session.execute(
        select(AgendaOrientationPartner.agenda_item_id, Partner)
        .join(Partner, Partner.id == AgendaOrientationPartner.partner_id)
        .where(AgendaOrientationPartner.agenda_item_id.in_(ids))
        .order_by(Partner.name, Partner.id)
    ).tuples()
    for item_id, partner in rows:
        found[item_id].append(partner)
    return found


def publish(session: Session, item: AgendaItem, coordinator: User, now: datetime) -> AgendaItem:
    """Publish the anonymised case (summary and orientations) to the network's members."""
    if item.decided_at is None:
        raise Refusal(N_("Le cas ne peut être publié qu'après la décision de la réunion."))
    anonymity.check("\n".join(t for t in (item.summary, item.orientations or "") if t))
    item.published_at, item.published_by = now, coordinator.id
    session.flush()
    return item


def unpublish(session: Session, item: AgendaItem) -> None:
    """Withdraw a published case."""
    item.published_at = item.published_by = None
    session.flush()


def published_cases(session: Session, helpline_id: int) -> list[tuple[AgendaItem, Meeting]]:
    """The helpline's published cases with their meeting, newest first."""
    rows = session.execute(
        select(AgendaItem, Meeting)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.helpline_id == helpline_id, AgendaItem.published_at.is_not(None))
        .order_by(AgendaItem.published_at.desc(), AgendaItem.id.desc())
    ).all()
    return [(item, meeting) for item, meeting in rows]


def meetings_held(session: Session, helpline_id: int, now: datetime) -> list[Meeting]:
    """Meetings whose date passed and that recorded at least one decision."""
    decided = select(AgendaItem.meeting_id).where(AgendaItem.decided_at.is_not(None))
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.helpline_id == helpline_id,
                Meeting.starts_at < now,
                Meeting.id.in_(decided),
            )
            .order_by(Meeting.starts_at.desc())
        )
    )


def year_figures(
    session: Session, helpline_id: int, year: int, tz: ZoneInfo, now: datetime
) -> dict[str, int]:
    """What the programme reports of the network for a year: meetings held and situations
    presented there, trainings and their participants, newsletters and their recipients."""
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime(year + 1, 1, 1, tzinfo=tz)
    held = [m.id for m in meetings_held(session, helpline_id, now) if start <= m.starts_at < end]
    presented = session.scalars(
        select(AgendaItem.id).where(
            AgendaItem.meeting_id.in_(held), AgendaItem.decided_at.is_not(None)
        )
    ).all()
    activities = session.scalars(
        select(NetworkActivity).where(
            NetworkActivity.helpline_id == helpline_id,
            NetworkActivity.held_on >= date(year, 1, 1),
            NetworkActivity.held_on < date(year + 1, 1, 1),
        )
    ).all()
    trainings = [a for a in activities if a.kind == ActivityKind.TRAINING]
    newsletters = [a for a in activities if a.kind == ActivityKind.NEWSLETTER]
    return {
        "meetings_held": len(held),
        "situations_presented": len(presented),
        "trainings": len(trainings),
        "training_participants": sum(a.count for a in trainings),
        "newsletters": len(newsletters),
        "newsletter_recipients": sum(a.count for a in newsletters),
    }
