"""The demo's second programme: a small helpline of the same region with its own number,
greeting and nurse on its own rota (the regional administrator sees both)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import reference_lists
from hotline.models import Helpline
from hotline.scope import set_memberships
from hotline.services import helpline_on
from routing.admin import add_nurse, set_hours
from routing.models import Shift

# A second, small programme of the region: its own number, greeting and nurse (its own rota).
# Its name sorts after the first's under any collation (the header lists helplines by name).
DEMO_SECOND_NUMBER = "+33534000000"
DEMO_SECOND_NAME = "Plateforme e.CARE (démonstration), antenne de l'Ariège"
DEMO_SECOND_GREETING = (
    "Bonjour, vous êtes sur l'antenne de l'Ariège de la plateforme e.CARE, "
    "pour les professionnels de santé du département."
)
DEMO_SECOND_NURSE = ("lucie.faure@demo.e-care.fr", "Lucie Faure", "+33600000009")


def seed_second_helpline(session: Session, now: datetime, hours: str) -> Helpline:
    """The demo's second helpline with its nurse on its own rota (made after the first one's
    people, who belong to the first helpline only); running it twice adds nothing."""
    helpline = helpline_on(session, DEMO_SECOND_NUMBER)
    if helpline is None:
        helpline = Helpline(
            name=DEMO_SECOND_NAME, phone_number=DEMO_SECOND_NUMBER, greeting=DEMO_SECOND_GREETING
        )
        session.add(helpline)
        session.flush()
    reference_lists.seed_defaults(session, helpline)
    set_hours(session, helpline, hours)
    email, name, phone = DEMO_SECOND_NURSE
    nurse = add_nurse(session, email, name, phone)
    set_memberships(session, nurse, {helpline.id: {"nurse"}})
    if not session.scalars(select(Shift).where(Shift.user_id == nurse.id)).first():
        session.add(
            Shift(
                helpline_id=helpline.id,
                user_id=nurse.id,
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=30),
                rank="on_duty",
            )
        )
    session.flush()
    return helpline
